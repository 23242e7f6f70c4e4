// The persisted form of platform jobs: one JobRecord per job (its spec, state, attempt and the
// executor's handle) and an append-only list of JobEvents (every state change with its reason).
// The store treats the spec and the executor handle as opaque JSON text owned by jobs/ and
// exec/; what the controller reads on every pass is typed (the team, the requested resources,
// the stop reason), so that nothing re-parses the spec for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/resources.h"

namespace inet::store {

// Pending: accepted, not yet queued (MLflow run and snapshot being prepared).
// Queued: waiting for capacity. Running: an attempt is executing. The last four are terminal.
enum class JobState { kPending, kQueued, kRunning, kSucceeded, kFailed, kCancelled, kTimedOut };

// "Pending", "Queued", "Running", "Succeeded", "Failed", "Cancelled", "TimedOut".
std::string_view JobStateName(JobState state);
// Accepts the names above, case-insensitively; nullopt otherwise.
std::optional<JobState> ParseJobState(std::string_view name);
bool IsTerminal(JobState state);

// Why a job's last attempt ended, or why the job ended without one: the machine-readable twin
// of the human `reason`. kNone while nothing has stopped (and again once the next attempt
// starts).
enum class StopReason {
  kNone,           // ""
  kSucceeded,      // "succeeded": the attempt exited 0
  kFailed,         // "failed": it exited with a non-zero code
  kKilled,         // "killed": killed by a signal from outside
  kOutOfMemory,    // "out_of_memory": killed for exceeding its memory limit
  kLost,           // "lost": its processes vanished (restart, external kill, node gone)
  kTimedOut,       // "timed_out": stopped at spec.timeout_hours
  kCancelled,      // "cancelled": a user cancelled the job
  kPreempted,      // "preempted": stopped to make room (re-queued, no retry spent)
  kMissingMlflow,  // "missing_mlflow": failed with ModuleNotFoundError: No module named 'mlflow'
  kNeverFits,      // "never_fits": requests more than the executor has
  kLaunchFailed,   // "launch_failed": the attempt could not start
  kMaxCost,        // "max_cost": stopped when its cost reached spec.max_cost_usd
  kBudgetCeiling,  // "budget_ceiling": stopped because its team passed the hard budget ceiling
};

// The codes above ("" for kNone). Stored as is and shown by the API.
std::string_view StopReasonName(StopReason reason);
// The exact names above; nullopt otherwise.
std::optional<StopReason> ParseStopReason(std::string_view name);

struct JobRecord {
  std::string job_id;          // "<name>-<6 lowercase alphanumerics>", unique
  std::string name;            // from the spec
  std::string team;            // owning team ("default" until teams exist)
  std::string user;            // submitting identity's user
  std::string priority_class;  // "interactive" | "batch"
  std::string spec_json;       // the whole JobSpec as JSON (jobs/job_spec.h); opaque here
  Resources resources;         // what the spec requests; set at creation, never updated
  JobState state = JobState::kPending;
  std::string reason;  // why it is in `state`, for humans ("waiting for 1 GPU", ...)
  StopReason stop_reason = StopReason::kNone;  // why the last attempt (or the job) stopped
  int attempt = 0;         // current or last attempt, 1-based; 0 before the first start
  int64_t created_at = 0;  // ms since epoch
  int64_t updated_at = 0;
  int64_t started_at = 0;       // first attempt's start; 0 = not started
  int64_t finished_at = 0;      // terminal time; 0 = not finished
  int64_t next_attempt_at = 0;  // a retry waits until this time (backoff); 0 = no wait
  bool cancel_requested = false;
  std::string experiment_id;  // the MLflow run created for the job
  std::string run_id;
  std::string executor_state;  // opaque JSON the executor needs to re-attach; empty when idle
  std::string result_json;     // opaque JSON owned by jobs/: exit code, artifacts, GPUs, ...
  int64_t version = 0;         // optimistic concurrency: bumped by every UpdateJob

  friend bool operator==(const JobRecord&, const JobRecord&) = default;
};

struct JobEvent {
  std::string job_id;
  int64_t seq = 0;  // 1, 2, ... per job; assigned by the store
  int64_t timestamp = 0;
  JobState state = JobState::kPending;
  int attempt = 0;
  std::string reason;
};

// ListJobs filter; empty fields match everything. Ordered by created_at DESC, job_id ASC.
struct JobQuery {
  std::string team;
  std::string user;
  std::string name;              // exact spec name
  std::vector<JobState> states;  // any of these
  int64_t max_results = 100;
  int64_t offset = 0;  // decoded page token
};

}  // namespace inet::store
