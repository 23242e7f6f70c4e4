// AttemptFinalizer: stores what an ended attempt left, on its own worker thread(s), so that a
// multi-GB output never stalls the controller (admission, cancels and timeouts go on while it
// uploads). When the job ends with the attempt it collects each output artifact (one at a time: a
// missing one is noted, it does not fail the job) and uploads it to jobs/<id>/outputs/<name> and to
// the MLflow run's artifact location (resolved exactly as the mlflow-artifacts routes resolve it),
// whose URI goes into the job's result.
//
// The job's log is kept once: in the executor's workspace while that exists (every attempt
// appends to it), and in the artifact store (jobs/<id>/job.log) after it: the finalizer uploads
// it right before the workspace is removed (at once, or when the controller's sweep retires an
// expired workspace), and removes the workspace only once the log is stored. The controller
// records "finalizing attempt N" before posting the
// work, so a restart redoes a finalization that was in progress.
//
// A failed attempt's log tail is read for causes with a known fix: a job Python without mlflow
// (`ModuleNotFoundError: No module named 'mlflow'`) gets a note that says how to fix it.
//
// EndJobRun sets the MLflow run's status when a job becomes terminal.
//
// Thread safety: every method is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "artifacts/artifact_uri.h"
#include "common/clock.h"
#include "exec/executor.h"
#include "jobs/internal/worker.h"
#include "jobs/job_service.h"
#include "jobs/job_spec.h"
#include "store/job_types.h"

namespace inet::tracking {
class TrackingService;
}

namespace inet::jobs {

struct AttemptFinalizerOptions {
  // Uploads run on this many threads (several, so that one huge upload does not hold up the
  // end of every other attempt); 0 runs them inline in Post (tests).
  int threads = 4;
};

// One ended attempt whose log (and outputs, when the job ends with it) are to be stored.
struct FinalizeTask {
  store::JobRecord job;  // as recorded when the attempt ended
  JobSpec spec;
  exec::Execution execution;
  bool have_execution = true;      // false: the attempt could not be re-attached (no outputs)
  bool store_outputs = false;      // the job ends with this attempt
  bool exited_with_error = false;  // a non-zero exit: its log is read for known causes
  bool store_log = false;          // the workspace is removed right after: keep the log
  // Not an attempt's end: the controller's sweep retires the expired workspace of a finished
  // job (its log is uploaded, then the workspace removed).
  bool retire_workspace = false;
};

struct FinalizeResult {
  std::string job_id;
  int attempt = 0;
  std::vector<JobArtifact> artifacts;  // the outputs stored, with the URIs logged to the run
  // Outputs missing or not stored, known causes of a failure: for the job's reason.
  std::vector<std::string> notes;
  // A failure's known cause found in the log (kMissingMlflow); kNone when none was found.
  store::StopReason known_cause = store::StopReason::kNone;
  bool retired_workspace = false;  // the result of a retire_workspace task
};

// Ends the MLflow run of a job that became terminal: FINISHED, FAILED or KILLED, unless the
// script already ended it (mlflow.end_run keeps the status it chose). Failures are logged.
void EndJobRun(tracking::TrackingService& tracking, const Clock& clock,
               const store::JobRecord& job);

class AttemptFinalizer {
 public:
  // Borrows everything; all must outlive the finalizer.
  AttemptFinalizer(artifacts::ArtifactStore& artifacts, exec::Executor& executor,
                   tracking::TrackingService& tracking, const Clock& clock,
                   AttemptFinalizerOptions options);
  ~AttemptFinalizer();  // calls Stop()
  AttemptFinalizer(const AttemptFinalizer&) = delete;
  AttemptFinalizer& operator=(const AttemptFinalizer&) = delete;

  // Starts the worker threads; `on_done` is called when a result is ready.
  void Start(std::function<void()> on_done);
  // Joins the worker threads after the upload in progress; work not yet started is dropped
  // (its finalizing record makes the next start redo it).
  void Stop();

  // Queues a finalization (or runs it now, with no threads); its result comes from TakeResults.
  void Post(FinalizeTask task);
  std::vector<FinalizeResult> TakeResults();

  // EndJobRun with this finalizer's tracking service and clock.
  void EndRun(const store::JobRecord& job);

 private:
  FinalizeResult Run(const FinalizeTask& task);
  // OK also when there is no local log (nothing was written, or it was stored already).
  Status UploadLog(const std::string& job_id);
  // A note with the fix for a failure whose cause the log's tail shows; "" when none is known.
  // The known cause of a failure in the job's log tail, with the note that says how to fix it;
  // kNone and "" when there is none.
  std::pair<store::StopReason, std::string> KnownCauseInLog(const std::string& job_id);
  void UploadOutputs(const FinalizeTask& task, FinalizeResult& result);

  artifacts::ArtifactStore& artifacts_;
  exec::Executor& executor_;
  tracking::TrackingService& tracking_;
  const Clock& clock_;
  const AttemptFinalizerOptions options_;
  artifacts::ArtifactUriResolver resolver_;  // the run's artifact location
  internal::Worker<FinalizeTask, FinalizeResult> worker_;
};

}  // namespace inet::jobs
