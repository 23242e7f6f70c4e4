#include "jobs/attempt_finalizer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "artifacts/artifact_store.h"
#include "jobs/internal/job_log.h"
#include "jobs/internal/job_records.h"
#include "tracking/tracking_service.h"

namespace inet::jobs {

void EndJobRun(tracking::TrackingService& tracking, const Clock& clock,
               const store::JobRecord& job) {
  if (job.run_id.empty()) return;
  const Identity owner{job.user, "", false};
  StatusOr<store::Run> run = tracking.GetRun(owner, job.run_id);
  if (!run.ok()) {
    spdlog::warn("jobs: reading run {} of {}: {}", job.run_id, job.job_id, run.status().ToString());
    return;
  }
  // A script that ended its run itself (mlflow.end_run) keeps the status it chose.
  if (run->info.status != store::RunStatus::kRunning) return;
  store::RunStatus status = store::RunStatus::kKilled;
  if (job.state == store::JobState::kSucceeded) status = store::RunStatus::kFinished;
  if (job.state == store::JobState::kFailed) status = store::RunStatus::kFailed;
  StatusOr<store::RunInfo> updated =
      tracking.UpdateRun(owner, job.run_id, status, clock.NowMillis(), std::nullopt);
  if (!updated.ok()) {
    spdlog::warn("jobs: ending run {} of {}: {}", job.run_id, job.job_id,
                 updated.status().ToString());
  }
}

AttemptFinalizer::AttemptFinalizer(artifacts::ArtifactStore& artifacts, exec::Executor& executor,
                                   tracking::TrackingService& tracking, const Clock& clock,
                                   AttemptFinalizerOptions options)
    : artifacts_(artifacts),
      executor_(executor),
      tracking_(tracking),
      clock_(clock),
      options_(options),
      resolver_(artifacts),
      worker_([this](const FinalizeTask& task) { return Run(task); }) {}

AttemptFinalizer::~AttemptFinalizer() { Stop(); }

void AttemptFinalizer::Start(std::function<void()> on_done) {
  worker_.Start(options_.threads, std::move(on_done));
}

void AttemptFinalizer::Stop() { worker_.Stop(); }

void AttemptFinalizer::Post(FinalizeTask task) { worker_.Post(std::move(task)); }

std::vector<FinalizeResult> AttemptFinalizer::TakeResults() { return worker_.TakeResults(); }

void AttemptFinalizer::EndRun(const store::JobRecord& job) { EndJobRun(tracking_, clock_, job); }

FinalizeResult AttemptFinalizer::Run(const FinalizeTask& task) {
  FinalizeResult result;
  result.job_id = task.job.job_id;
  result.attempt = task.job.attempt;
  if (task.retire_workspace) {
    result.retired_workspace = true;
    // The log outlives the workspace: the workspace goes only once its log is stored.
    Status s = UploadLog(task.job.job_id);
    if (s.ok()) s = executor_.RemoveWorkspace(task.job.job_id);
    if (!s.ok()) {
      spdlog::warn("jobs: retiring the workspace of {}: {} (retried by the next sweep)",
                   task.job.job_id, s.ToString());
    }
    return result;
  }
  if (task.store_log) {
    if (Status s = UploadLog(task.job.job_id); !s.ok()) {
      spdlog::warn("jobs: uploading the log of {}: {}", task.job.job_id, s.ToString());
    }
  }
  if (task.exited_with_error) {
    if (auto [code, note] = KnownCauseInLog(task.job.job_id); !note.empty()) {
      result.known_cause = code;
      result.notes.push_back(std::move(note));
    }
  }
  if (!task.store_outputs || task.spec.output_artifacts.empty()) return result;
  if (task.have_execution) {
    UploadOutputs(task, result);
  } else {
    result.notes.push_back(
        "output artifacts were not collected: the attempt could not be re-attached after a "
        "restart");
  }
  return result;
}

Status AttemptFinalizer::UploadLog(const std::string& job_id) {
  StatusOr<std::unique_ptr<ByteSource>> log = executor_.OpenLog(job_id, 0);
  if (!log.ok()) return OkStatus();  // no local log: nothing was written
  return artifacts_.Put(internal::LogKey(job_id), **log)
      .WithContext("uploading the log of " + job_id);
}

std::pair<store::StopReason, std::string> AttemptFinalizer::KnownCauseInLog(
    const std::string& job_id) {
  // A traceback's last lines are at the end of the log: its tail is enough.
  constexpr int64_t kTailBytes = int64_t{64} << 10;
  StatusOr<int64_t> size = executor_.LogSize(job_id);
  if (!size.ok()) return {};
  StatusOr<std::unique_ptr<ByteSource>> log =
      executor_.OpenLog(job_id, std::max<int64_t>(*size - kTailBytes, 0));
  if (!log.ok()) return {};
  StatusOr<std::string> tail = ReadAll(**log, kTailBytes * 2);
  if (!tail.ok()) return {};
  if (tail->find("ModuleNotFoundError: No module named 'mlflow'") != std::string::npos) {
    return {store::StopReason::kMissingMlflow,
            "the job's Python has no mlflow (ModuleNotFoundError: No module named 'mlflow'): "
            "start the server with --python pointing at an environment that has mlflow, or "
            "install mlflow into the job Python (python -m pip install mlflow)"};
  }
  return {};
}

void AttemptFinalizer::UploadOutputs(const FinalizeTask& task, FinalizeResult& result) {
  const store::JobRecord& job = task.job;
  if (task.spec.output_artifacts.empty()) return;
  const Identity owner{job.user, "", false};
  std::optional<artifacts::ArtifactLocation> run_location;
  std::string run_artifact_uri;
  if (!job.run_id.empty()) {
    StatusOr<store::Run> run = tracking_.GetRun(owner, job.run_id);
    if (run.ok()) {
      StatusOr<artifacts::ArtifactLocation> location =
          resolver_.Resolve(run->info.artifact_uri, /*create=*/true);
      if (location.ok()) {
        run_location = *location;
        run_artifact_uri = run->info.artifact_uri;
      } else {
        spdlog::warn("jobs: artifact location of run {}: {}", job.run_id,
                     location.status().ToString());
      }
    }
  }
  for (const auto& [name, path] : task.spec.output_artifacts) {
    // One name at a time, so one missing output does not hide the others.
    StatusOr<std::vector<exec::OutputFile>> files =
        executor_.CollectOutputs(task.execution, {{name, path}});
    if (!files.ok()) {
      result.notes.push_back(files.status().code() == StatusCode::kNotFound
                                 ? "output artifact '" + name + "' was not written"
                                 : "output artifact '" + name +
                                       "' could not be collected: " + files.status().message());
      continue;
    }
    for (const exec::OutputFile& file : *files) {
      const std::string key = internal::OutputKey(job.team, job.job_id, file.name);
      StatusOr<std::unique_ptr<ByteSource>> body = OpenFileSource(file.local_path);
      Status s = body.ok() ? artifacts_.Put(key, **body, file.size) : body.status();
      if (!s.ok()) {
        result.notes.push_back("output artifact '" + file.name +
                               "' could not be stored: " + s.message());
        continue;
      }
      JobArtifact artifact{file.name, "mlflow-artifacts:/" + key, file.size};
      if (run_location) {
        body = OpenFileSource(file.local_path);
        s = body.ok() ? run_location->store->Put(run_location->KeyFor(file.name), **body, file.size)
                      : body.status();
        if (s.ok()) {
          artifact.uri = tracking::AppendUriPath(run_artifact_uri, {file.name});
        } else {
          result.notes.push_back("output artifact '" + file.name +
                                 "' could not be logged to the MLflow run: " + s.message());
        }
      }
      result.artifacts.push_back(std::move(artifact));
    }
  }
}

}  // namespace inet::jobs
