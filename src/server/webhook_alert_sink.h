// WebhookAlertSink: the jobs' AlertSink (jobs/cost_meter.h) over an HTTP webhook. Each alert is
// POSTed as Slack's incoming-webhook JSON, {"text": "..."}, by one worker thread of its own, so
// the job controller never waits on the network: Send only queues. A delivery that fails (no
// answer within the timeout, a connection error, a non-2xx status) is retried with a doubling
// delay; what still fails is logged and dropped. The queue is bounded: past it the oldest
// alert is dropped (and logged).
//
// Thread safety: Send is thread-safe; the destructor stops the worker after the delivery in
// flight (at most one timeout); what is still queued is logged, not delivered.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "jobs/cost_meter.h"

namespace inet::server {

struct WebhookOptions {
  std::string url;          // http:// or https://
  int timeout_seconds = 5;  // per delivery attempt (connect and answer)
  int attempts = 4;         // tries per alert
  int64_t first_retry_millis = 1'000;
  size_t max_queued = 100;
};

// kInvalidArgument unless `url` is an http:// or https:// URL with a host.
Status ValidateWebhookUrl(const std::string& url);

class WebhookAlertSink : public jobs::AlertSink {
 public:
  explicit WebhookAlertSink(WebhookOptions options);
  ~WebhookAlertSink() override;
  WebhookAlertSink(const WebhookAlertSink&) = delete;
  WebhookAlertSink& operator=(const WebhookAlertSink&) = delete;

  void Send(const std::string& text) override;

 private:
  void Run();
  // One POST; OK for a 2xx answer.
  Status Post(const std::string& body);

  const WebhookOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // GUARDED_BY(mu_)
  bool stop_ = false;              // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace inet::server
