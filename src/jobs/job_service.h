// JobService: the platform's job API above the stores, and the job controller behind it.
//
// Submit validates the spec, creates the job's MLflow run (experiment = spec.experiment), and
// stores the job (Pending -> Queued). One controller thread then owns every job's life cycle:
// it asks the Admission policy which queued jobs start, launches their attempts on the
// Executor with the injected environment (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID,
// MLFLOW_TRACKING_TOKEN, INET_URL, INET_TOKEN (a token made for the attempt, revoked when it ends),
// INET_JOB_ID, plus the executor's INET_OUTPUT_DIR, INET_CHECKPOINT_DIR, CUDA_VISIBLE_DEVICES),
// polls them, enforces timeout_hours, honours cancel requests (SIGTERM, grace, SIGKILL), retries
// failures with exponential backoff up to spec.retries, and when an attempt ends uploads the output
// artifacts and the log to the artifact store (jobs/<id>/outputs/<name>, jobs/<id>/job.log),
// logs the outputs to the MLflow run and sets the run's status. Every state change is written
// to the store with its reason (an event) before it is acted on, so a restarted server
// re-attaches running attempts (Start) and nothing stays Running forever: an attempt whose
// processes vanished is marked so and retried per its policy.
//
// Thread safety: every public method is thread-safe. Access: an admin identity sees every job;
// any other identity sees and cancels only jobs it submitted (teams come later).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/identity.h"
#include "common/io.h"
#include "common/status.h"
#include "jobs/job_spec.h"
#include "store/job_types.h"
#include "store/types.h"

namespace inet::store {
class MetadataStore;
}
namespace inet::artifacts {
class ArtifactStore;
}
namespace inet::exec {
class Executor;
struct Capacity;
}  // namespace inet::exec
namespace inet::sched {
class Admission;
}
namespace inet::tracking {
class TrackingService;
}

namespace inet::jobs {

struct JobServiceOptions {
  std::string server_url;          // injected as MLFLOW_TRACKING_URI / INET_URL
  std::string python = "python3";  // interpreter for .py scripts
  int64_t max_snapshot_bytes = 512LL * 1024 * 1024;
  int cancel_grace_seconds = 10;
  int64_t retry_backoff_millis = 5'000;  // first retry delay; doubles per attempt
  int64_t max_retry_backoff_millis = 300'000;
  int64_t poll_interval_millis = 200;  // how often running attempts are polled
  // A code snapshot may unpack to at most max(64 MiB, ratio x its compressed size), so a gzip
  // bomb is refused early; 0 leaves only the executor's own bound.
  int64_t snapshot_unpack_ratio = 20;
  // How long a finished job's workspace (code, outputs, checkpoints, local log) is kept after
  // its outputs and log were stored: 0 removes it at once, < 0 keeps it forever.
  int64_t workspace_retention_millis = 3'600'000;
  int64_t workspace_sweep_interval_millis = 60'000;  // how often expired workspaces are looked for
  // false: Start() re-attaches but starts no controller thread; tests then drive the
  // controller one pass at a time with RunOnceForTest().
  bool start_thread = true;
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

// Executor capacity and what is in use, for `train`'s quota line and `inet platform capacity`.
struct CapacityView {
  int64_t cpu_millis_total = 0, cpu_millis_used = 0;
  int64_t memory_bytes_total = 0, memory_bytes_used = 0;
  int gpus_total = 0, gpus_used = 0;
  std::string gpu_source;
  std::string isolation;
};

struct ListJobsRequest {
  std::string team, user, name;
  std::vector<store::JobState> states;
  int64_t max_results = 100;  // 1..1000
  std::string page_token;
};

class JobService {
 public:
  // Borrows everything; all must outlive the service.
  JobService(store::MetadataStore& store, artifacts::ArtifactStore& artifacts,
             exec::Executor& executor, sched::Admission& admission,
             tracking::TrackingService& tracking, const Clock& clock, JobServiceOptions options);
  ~JobService();  // calls Stop()
  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  // Starts the controller thread, which first re-attaches the attempts that were running (and
  // finds those that were launching) when the server stopped; returns at once, so the server
  // can listen meanwhile. With options.start_thread false it re-attaches on the calling thread
  // and starts nothing. Call once.
  Status Start();
  // Stops the controller thread; running attempts keep running (a restart re-attaches them).
  void Stop();

  // kInvalidArgument for an invalid spec (Validate's message), for a request larger than the
  // executor's total capacity ("requests 8 GPUs but this executor has 4"), or an unknown
  // code_snapshot.
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

  CapacityView Capacity();

  // Runs one controller pass on the calling thread (options.start_thread must be false).
  void RunOnceForTest();

 private:
  class Controller;
  std::unique_ptr<Controller> controller_;
};

}  // namespace inet::jobs
