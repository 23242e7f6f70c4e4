// JobService: the platform's job API above the stores (Submit, Get, List, Cancel, Events,
// OpenLogs, PutSnapshot, Capacity). It has no thread and keeps no state of its own: everything
// it knows is in the job store, so any server replica can serve it. Submit validates the spec,
// checks that it can ever fit the executor, creates the job's MLflow run (experiment =
// spec.experiment) and stores the job (Pending -> Queued); Cancel records the request. Both
// then wake the JobController (jobs/job_controller.h), the one loop that owns live attempts.
//
// Thread safety: every public method is thread-safe. Access: an admin identity sees every job;
// any other identity sees and cancels only jobs it submitted (teams come later).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/identity.h"
#include "common/io.h"
#include "common/resources.h"
#include "common/status.h"
#include "jobs/job_spec.h"
#include "store/job_types.h"
#include "store/types.h"

namespace inet::store {
class JobStore;
}
namespace inet::artifacts {
class ArtifactStore;
}
namespace inet::exec {
class Executor;
}
namespace inet::tracking {
class TrackingService;
}

namespace inet::jobs {

class CostMeter;

struct JobServiceOptions {
  int64_t max_snapshot_bytes = 512LL * 1024 * 1024;
  int cancel_grace_seconds = 10;  // quoted in a running job's cancel reason
  // What the start-up check found wrong with the job Python (no mlflow, does not run), shown
  // by Capacity; "" when nothing.
  std::string job_python_warning;
  // Borrowed; set: a submission whose worst case exceeds what is left of its team's monthly
  // budget is refused (CostMeter::CheckBudget). Null: no budget check.
  CostMeter* costs = nullptr;
};

// An output artifact of a finished attempt.
struct JobArtifact {
  std::string name;
  std::string uri;  // mlflow-artifacts:/... as logged to the run
  int64_t size = 0;
};

// What ended the last attempt, and what it left.
struct JobResult {
  std::optional<int> exit_code;
  int signal = 0;
  std::vector<int> gpu_indices;
  std::vector<JobArtifact> artifacts;
  std::string last_failure;  // why the last failed attempt failed ("exited with code 1")
};

// A job as the API shows it.
struct JobView {
  store::JobRecord record;
  JobSpec spec;
  JobResult result;
  int max_attempts = 1;        // retries + 1
  int64_t runtime_millis = 0;  // started_at to finished_at (or now)
};

// One node pool of the executor (exec::NodePool) and what attempts in it hold.
struct PoolCapacityView {
  std::string name;
  Resources allocatable;
  // What attempts in this pool hold. Known when the executor has one pool (attempts do not
  // record their pool yet, so with several only the totals are known): nullopt otherwise.
  std::optional<Resources> used;
  std::string gpu_model;  // the GPUs' model names, distinct, ", "-joined; "" when unknown
  std::string gpu_source;
  std::string isolation;
};

// Executor capacity and what is in use, for `train`'s quota line and `inet platform capacity`:
// the totals over all pools, then each pool.
struct CapacityView {
  int64_t cpu_millis_total = 0, cpu_millis_used = 0;
  int64_t memory_bytes_total = 0, memory_bytes_used = 0;
  int gpus_total = 0, gpus_used = 0;
  std::string gpu_source;
  std::string isolation;
  std::string job_python_warning;       // "" when the job Python is fine (JobServiceOptions)
  std::vector<PoolCapacityView> pools;  // in the executor's order
};

struct ListJobsRequest {
  std::string team, user, name;
  std::vector<store::JobState> states;
  int64_t max_results = 100;  // 1..1000
  std::string page_token;
};

class JobService {
 public:
  // Borrows everything; all must outlive the service. `wake_controller` asks the controller for
  // a pass (JobController::Wake); it must be cheap and thread-safe.
  JobService(store::JobStore& jobs, artifacts::ArtifactStore& artifacts, exec::Executor& executor,
             tracking::TrackingService& tracking, const Clock& clock, JobServiceOptions options,
             std::function<void()> wake_controller);
  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  // kInvalidArgument for an invalid spec (Validate's message), for a request larger than the
  // executor's total capacity ("requests 8 GPUs but this executor has 4; lower resources.gpu
  // (--gpu)"), or an unknown code_snapshot.
  StatusOr<JobView> Submit(const Identity& caller, JobSpec spec);
  // kNotFound ("Job 'x' not found") also for jobs the caller may not see.
  StatusOr<JobView> Get(const Identity& caller, std::string_view job_id);
  StatusOr<store::Page<JobView>> List(const Identity& caller, const ListJobsRequest& request);
  // Requests cancellation: a queued job is Cancelled at once; a running one gets SIGTERM, then
  // SIGKILL after the grace period. Cancelling a finished job is kFailedPrecondition.
  StatusOr<JobView> Cancel(const Identity& caller, std::string_view job_id);
  StatusOr<std::vector<store::JobEvent>> Events(const Identity& caller, std::string_view job_id);

  // The job's log from byte `offset`. With `follow`, the stream waits for new output while the
  // job is not terminal and ends when it is (or after `follow_idle_seconds` without output, so
  // clients reconnect with their offset). Before the job has any log the stream is empty (the
  // API answers 200 with an empty body). The stream borrows the service's store, artifact
  // store and executor: drop it before they are destroyed.
  StatusOr<std::unique_ptr<ByteSource>> OpenLogs(const Identity& caller, std::string_view job_id,
                                                 int64_t offset, bool follow,
                                                 int follow_idle_seconds = 30);

  // Stores an uploaded code snapshot (.tar.gz, checked to be one) and returns its id for
  // JobSpec::code_snapshot. kResourceExhausted past max_snapshot_bytes, with the limit;
  // kInvalidArgument for a body that is not a gzip'd tar.
  StatusOr<std::string> PutSnapshot(const Identity& caller, ByteSource& body);

  // The executor's capacity and what the attempts recorded in the store hold (running, or
  // being launched). Store trouble reads as nothing in use (logged).
  CapacityView Capacity();

 private:
  StatusOr<store::JobRecord> GetVisible(const Identity& caller, std::string_view job_id);
  JobView View(const store::JobRecord& record) const;
  // The MLflow experiment named `name`, created on first use.
  StatusOr<std::string> ExperimentIdFor(const Identity& caller, const std::string& name);

  store::JobStore& jobs_;
  artifacts::ArtifactStore& artifacts_;
  exec::Executor& executor_;
  tracking::TrackingService& tracking_;
  const Clock& clock_;
  const JobServiceOptions options_;
  const std::function<void()> wake_controller_;
};

}  // namespace inet::jobs
