#include "server/webhook_alert_sink.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <utility>

namespace inet::server {
namespace {

size_t Discard(char* /*data*/, size_t size, size_t count, void* /*user*/) { return size * count; }

}  // namespace

Status ValidateWebhookUrl(const std::string& url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.starts_with(scheme) && url.size() > scheme.size() && url[scheme.size()] != '/') {
      return OkStatus();
    }
  }
  return InvalidArgumentError(
      "--alert-webhook must be an http:// or https:// URL (a Slack "
      "incoming webhook, say), not '" +
      url + "'");
}

WebhookAlertSink::WebhookAlertSink(WebhookOptions options) : options_(std::move(options)) {
  static std::once_flag curl_init_once;
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  thread_ = std::thread([this] { Run(); });
}

WebhookAlertSink::~WebhookAlertSink() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WebhookAlertSink::Send(const std::string& text) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queued) {
      spdlog::warn("alerts: the webhook queue is full; dropping \"{}\"", queue_.front());
      queue_.pop_front();
    }
    queue_.push_back(text);
  }
  cv_.notify_all();
}

void WebhookAlertSink::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) {
      // Shutting down must not wait on the network: what is still queued is logged instead.
      for (const std::string& text : queue_) {
        spdlog::warn("alerts: not delivered (the server is stopping): \"{}\"", text);
      }
      return;
    }
    std::string text = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    const std::string body = boost::json::serialize(boost::json::object{{"text", text}});
    int64_t delay = options_.first_retry_millis;
    const int attempts = std::max(1, options_.attempts);
    Status sent = OkStatus();
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      sent = Post(body);
      if (sent.ok() || attempt == attempts) {
        break;
      }
      lock.lock();
      // A stop cuts the wait short (and the retries).
      const bool stopping =
          cv_.wait_for(lock, std::chrono::milliseconds(delay), [this] { return stop_; });
      lock.unlock();
      delay *= 2;
      if (stopping) {
        break;
      }
    }
    if (!sent.ok()) {
      spdlog::warn("alerts: delivering \"{}\" to the webhook failed: {}", text, sent.ToString());
    }
    lock.lock();
  }
}

Status WebhookAlertSink::Post(const std::string& body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (curl == nullptr) {
    return InternalError("curl_easy_init failed");
  }
  struct curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                          curl_slist_free_all);
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "inet-server");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, static_cast<long>(options_.timeout_seconds));
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.timeout_seconds));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Discard);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    return UnavailableError(error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    return UnavailableError("the webhook answered HTTP " + std::to_string(status));
  }
  return OkStatus();
}

}  // namespace inet::server
