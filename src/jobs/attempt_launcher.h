// AttemptLauncher: starts one attempt of a job on the executor. It mints the attempt's API token
// (through AttemptTokenIssuer, scoped to the attempt: its job, run, experiment, the run's
// artifact root and the experiment's models), and, on its own worker thread so that a large
// snapshot never stalls the controller, downloads the code snapshot, bounds what it may unpack
// to, builds the attempt's environment (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID,
// MLFLOW_TRACKING_TOKEN, INET_URL, INET_TOKEN, INET_JOB_ID on top of the spec's env) and calls
// Executor::Launch. The controller records "launching attempt N" before posting a launch, so a
// restart finds every attempt that may have started (Executor::Recover).
//
// Thread safety: every method is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "artifacts/artifact_uri.h"
#include "common/identity.h"
#include "common/status.h"
#include "exec/executor.h"
#include "jobs/attempt_token_issuer.h"
#include "jobs/internal/worker.h"
#include "jobs/job_spec.h"
#include "store/job_types.h"

namespace inet::tracking {
class TrackingService;
}

namespace inet::jobs {

struct AttemptLauncherOptions {
  std::string server_url;          // injected as MLFLOW_TRACKING_URI / INET_URL
  std::string python = "python3";  // interpreter for .py scripts
  // A code snapshot may unpack to at most max(64 MiB, ratio x its compressed size), so a gzip
  // bomb is refused early; 0 leaves only the executor's own bound.
  int64_t snapshot_unpack_ratio = 20;
  // Launches run on this many threads; 0 runs them inline in Post (tests).
  int threads = 1;
};

// One launch: everything it needs without touching the job store.
struct LaunchTask {
  std::string job_id;
  int attempt = 0;
  JobSpec spec;
  Resources resources;  // what the job requests (store::JobRecord::resources)
  std::string run_id;
  std::string token;  // the attempt's API token (plain text, only ever in the job's env)
};

struct LaunchResult {
  std::string job_id;
  int attempt = 0;
  StatusOr<exec::Execution> execution = InternalError("not launched");
};

class AttemptLauncher {
 public:
  // Borrows everything; all must outlive the launcher.
  AttemptLauncher(artifacts::ArtifactStore& artifacts, exec::Executor& executor,
                  AttemptTokenIssuer& tokens, tracking::TrackingService& tracking,
                  AttemptLauncherOptions options);
  ~AttemptLauncher();  // calls Stop()
  AttemptLauncher(const AttemptLauncher&) = delete;
  AttemptLauncher& operator=(const AttemptLauncher&) = delete;

  // Starts the worker threads; `on_done` is called when a launch result is ready.
  void Start(std::function<void()> on_done);
  // Joins the worker threads; launches not yet started are dropped (their launching record
  // makes the next start find that nothing ran).
  void Stop();

  // A token for `attempt` of `job` only, in the submitting user's name, limited to what the
  // attempt owns.
  StatusOr<AttemptToken> IssueToken(const store::JobRecord& job, int attempt);
  // Revokes an attempt's token (logged, not returned: the next start revokes leftovers).
  void RevokeToken(const std::string& token_id);
  // Revokes every attempt token no live attempt holds (see AttemptTokenIssuer).
  void RevokeTokensExcept(const std::set<std::string>& live_token_ids);

  // Queues a launch (or runs it now, with no threads); its result comes from TakeResults.
  void Post(LaunchTask task);
  std::vector<LaunchResult> TakeResults();

 private:
  // Stages the code and calls Executor::Launch (on a worker thread).
  LaunchResult Run(const LaunchTask& task);
  // What the token of `attempt` may touch, as keys of the server's artifact store.
  TokenScope AttemptScope(const store::JobRecord& job, int attempt);

  artifacts::ArtifactStore& artifacts_;
  exec::Executor& executor_;
  AttemptTokenIssuer& tokens_;
  tracking::TrackingService& tracking_;
  const AttemptLauncherOptions options_;
  artifacts::ArtifactUriResolver resolver_;  // proxied URIs only: the token scope's keys
  internal::Worker<LaunchTask, LaunchResult> worker_;
};

}  // namespace inet::jobs
