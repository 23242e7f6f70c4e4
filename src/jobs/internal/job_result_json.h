// The JSON kept in JobRecord::result_json: what the API shows of the last attempt (JobResult)
// plus the controller's own bookkeeping for the attempt in flight, which must survive a server
// restart (when the attempt started, for the timeout; the attempt's API token, to revoke it;
// whether the controller already asked the attempt to stop, and why; which attempt is being
// launched, recorded before the executor is asked to start it, so a restart finds it; which
// attempt ended and how, recorded before its log and outputs are stored, so a restart redoes
// that).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "jobs/job_service.h"

namespace inet::jobs::internal {

// How an attempt ended, kept while its log and outputs are being stored.
struct EndedAttempt {
  int attempt = 0;  // > 0 while attempt N is being finalized
  int exit_code = 0;
  int signal = 0;
  bool vanished = false;
  bool oom_killed = false;
  bool preempted = false;  // evicted by the cluster
  std::string message;
};

struct PersistedResult {
  JobResult result;
  int64_t attempt_started_at = 0;  // ms; 0 when no attempt is in flight
  std::string token_id;            // the in-flight attempt's token; "" when none
  std::string stopping;            // "", "timeout", "cancel" or "preempt": why Terminate was sent
  std::string stopping_reason;     // with "preempt": who preempted the attempt and why
  // How many attempts were preempted: they do not count against spec.retries.
  int preemptions = 0;
  // > 0 while attempt N is being launched: written (with token_id) before Executor::Launch is
  // called, cleared when the launch is recorded as Running or undone.
  int launching_attempt = 0;
  std::string cancelled_by;  // who asked to cancel a job while its attempt was launching
  // Set (attempt > 0) when the attempt ended, before its log and outputs are stored; cleared
  // with the write that records the attempt's outcome.
  EndedAttempt finalizing;
};

std::string EncodeResult(const PersistedResult& persisted);
// "" decodes to the default. kInvalidArgument for malformed JSON or wrong field types.
StatusOr<PersistedResult> DecodeResult(std::string_view json);

}  // namespace inet::jobs::internal
