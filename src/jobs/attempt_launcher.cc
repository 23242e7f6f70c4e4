#include "jobs/attempt_launcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "artifacts/artifact_store.h"
#include "jobs/internal/job_records.h"
#include "tracking/tracking_service.h"

namespace inet::jobs {
namespace {

// A code snapshot may unpack to at least this much, whatever its compressed size.
constexpr int64_t kMinUnpackedSnapshotBytes = 64LL << 20;

}  // namespace

AttemptLauncher::AttemptLauncher(artifacts::ArtifactStore& artifacts, exec::Executor& executor,
                                 AttemptTokenIssuer& tokens, tracking::TrackingService& tracking,
                                 AttemptLauncherOptions options)
    : artifacts_(artifacts),
      executor_(executor),
      tokens_(tokens),
      tracking_(tracking),
      options_(std::move(options)),
      resolver_(artifacts),
      worker_([this](const LaunchTask& task) { return Run(task); }) {}

AttemptLauncher::~AttemptLauncher() { Stop(); }

void AttemptLauncher::Start(std::function<void()> on_done) {
  worker_.Start(options_.threads, std::move(on_done));
}

void AttemptLauncher::Stop() { worker_.Stop(); }

void AttemptLauncher::Post(LaunchTask task) { worker_.Post(std::move(task)); }

std::vector<LaunchResult> AttemptLauncher::TakeResults() { return worker_.TakeResults(); }

StatusOr<AttemptToken> AttemptLauncher::IssueToken(const store::JobRecord& job, int attempt) {
  return tokens_.Issue(job.user, job.team, AttemptScope(job, attempt));
}

void AttemptLauncher::RevokeToken(const std::string& token_id) {
  if (token_id.empty()) return;
  Status s = tokens_.Revoke(token_id);
  if (!s.ok()) spdlog::warn("jobs: revoking attempt token {}: {}", token_id, s.ToString());
}

void AttemptLauncher::RevokeTokensExcept(const std::set<std::string>& live_token_ids) {
  StatusOr<int> revoked = tokens_.RevokeAllExcept(live_token_ids);
  if (!revoked.ok()) {
    spdlog::warn("jobs: revoking the tokens of ended attempts: {}", revoked.status().ToString());
  } else if (*revoked > 0) {
    spdlog::info("jobs: revoked {} token(s) of ended attempts", *revoked);
  }
}

TokenScope AttemptLauncher::AttemptScope(const store::JobRecord& job, int attempt) {
  TokenScope scope;
  scope.kind = TokenScope::Kind::kAttempt;
  scope.job_id = job.job_id;
  scope.attempt = attempt;
  scope.run_id = job.run_id;
  scope.experiment_id = job.experiment_id;
  if (job.run_id.empty()) return scope;
  const Identity owner{job.user, "", false};
  // Only proxied (mlflow-artifacts:) locations are reached through the server's artifact routes;
  // the keys come from the same resolver those routes use.
  auto key_of = [&](const std::string& uri) -> std::string {
    if (!artifacts::IsProxiedArtifactUri(uri)) return "";
    StatusOr<artifacts::ArtifactLocation> location = resolver_.Resolve(uri);
    return location.ok() && !location->key_prefix.empty() ? location->key_prefix : "";
  };
  if (StatusOr<store::Run> run = tracking_.GetRun(owner, job.run_id); run.ok()) {
    if (std::string key = key_of(run->info.artifact_uri); !key.empty()) {
      scope.artifact_prefixes.push_back(std::move(key));
    }
  }
  if (StatusOr<store::Experiment> e = tracking_.GetExperiment(owner, job.experiment_id); e.ok()) {
    if (std::string key = key_of(e->artifact_location); !key.empty()) {
      scope.models_prefix = key + "/models";
    }
  }
  return scope;
}

LaunchResult AttemptLauncher::Run(const LaunchTask& task) {
  LaunchResult result;
  result.job_id = task.job_id;
  result.attempt = task.attempt;
  const JobSpec& spec = task.spec;

  // The executor fetches the code itself (by its artifact key) and keeps it across attempts:
  // only the first one names it. Its size bounds what it may unpack to.
  std::string code_key;
  int64_t code_bytes = 0;
  if (task.attempt == 1 && !spec.code_snapshot.empty()) {
    code_key = internal::SnapshotKey(spec.team, spec.code_snapshot);
    StatusOr<artifacts::ObjectInfo> code = artifacts_.Head(code_key);
    if (!code.ok()) {
      // kNotFound and friends stay permanent: the snapshot is gone.
      result.execution =
          code.status().WithContext("fetching code snapshot '" + spec.code_snapshot + "'");
      return result;
    }
    code_bytes = code->size;
  }

  exec::LaunchRequest request;
  request.job_id = task.job_id;
  request.attempt = task.attempt;
  request.argv = ResolveArgv(spec, options_.python);
  request.env = spec.env;
  request.env["MLFLOW_TRACKING_URI"] = options_.server_url;
  request.env["MLFLOW_RUN_ID"] = task.run_id;
  request.env["INET_URL"] = options_.server_url;
  request.env["INET_JOB_ID"] = task.job_id;
  // The attempt's token is a secret: only the job sees it, never a file the executor writes.
  request.secrets["MLFLOW_TRACKING_TOKEN"] = task.token;
  request.secrets["INET_TOKEN"] = task.token;
  request.code_snapshot_key = code_key;
  if (!code_key.empty() && options_.snapshot_unpack_ratio > 0) {
    // A gzip bomb is refused after unpacking a small multiple of its own size, not 16 GiB.
    request.code_max_unpacked_bytes =
        std::max(kMinUnpackedSnapshotBytes, code_bytes * options_.snapshot_unpack_ratio);
  }
  request.workdir = spec.workdir;
  request.resources = task.resources;
  request.processes = spec.processes;
  request.distributed_backend = spec.distributed_backend;
  result.execution = executor_.Launch(request);
  return result;
}

}  // namespace inet::jobs
