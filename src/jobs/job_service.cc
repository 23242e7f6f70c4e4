#include "jobs/job_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "archive/archive.h"
#include "artifacts/artifact_store.h"
#include "common/format.h"
#include "common/ids.h"
#include "exec/executor.h"
#include "jobs/attempt_finalizer.h"
#include "jobs/cost_meter.h"
#include "jobs/internal/job_log.h"
#include "jobs/internal/job_records.h"
#include "sched/admission.h"
#include "search/search.h"
#include "store/job_store.h"
#include "tracking/tracking_service.h"

namespace inet::jobs {
namespace {

using internal::EncodeResult;
using internal::PersistedResult;
using internal::Write;
using store::JobRecord;
using store::JobState;

// 6 characters of [a-z0-9] from the OS CSPRNG (modulo bias is irrelevant for an id suffix).
std::string RandomSuffix() {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const std::optional<std::string> bytes = HexDecode(RandomHex(6));
  std::string out;
  for (unsigned char c : bytes.value_or(std::string(6, '\0'))) {
    out += kAlphabet[c % kAlphabet.size()];
  }
  return out;
}

// Counts and checks an uploaded snapshot as it streams into the artifact store: the first
// bytes must be gzip's magic, and the total must stay within the limit.
class SnapshotBodySource : public ByteSource {
 public:
  SnapshotBodySource(ByteSource& body, int64_t limit) : body_(body), limit_(limit) {}

  StatusOr<size_t> Read(char* buf, size_t n) override {
    StatusOr<size_t> got = body_.Read(buf, n);
    if (!got.ok()) return got;
    if (head_.size() < 2) head_.append(buf, std::min<size_t>(*got, 2 - head_.size()));
    if (head_.size() >= 2 && !checked_magic_) {
      checked_magic_ = true;
      if (!archive::LooksLikeGzip(head_)) return Fail(NotGzip());
    }
    if (*got == 0 && head_.size() < 2) return Fail(NotGzip());
    total_ += static_cast<int64_t>(*got);
    if (total_ > limit_) {
      return Fail(ResourceExhaustedError("code snapshot is larger than the server's limit of " +
                                         FormatBytes(limit_) + "; add large files to .inetignore"));
    }
    return got;
  }

  int64_t total() const { return total_; }
  const Status& failure() const { return failure_; }

 private:
  static Status NotGzip() {
    return InvalidArgumentError(
        "code snapshot is not a gzip'd tar archive (.tar.gz); upload what `inet platform "
        "train` packs, or create one with `tar czf`");
  }
  Status Fail(Status s) {
    failure_ = s;
    return s;
  }

  ByteSource& body_;
  const int64_t limit_;
  std::string head_;
  bool checked_magic_ = false;
  int64_t total_ = 0;
  Status failure_;
};

// What the attempts recorded in the store hold: those running and those being launched.
Resources HeldByAttempts(store::JobStore& jobs) {
  StatusOr<std::vector<JobRecord>> active =
      internal::ListAllJobs(jobs, {JobState::kQueued, JobState::kRunning});
  if (!active.ok()) {
    spdlog::warn("jobs: reading what running jobs hold: {}", active.status().ToString());
    return Resources{};
  }
  Resources held;
  for (const JobRecord& r : *active) {
    if (r.state == JobState::kRunning || internal::ResultOf(r.result_json).launching_attempt > 0) {
      held += r.resources;
    }
  }
  return held;
}

// The distinct model names of `devices` in order, ", "-joined; a configured count (no model
// known) adds none.
std::string GpuModels(const std::vector<exec::GpuDevice>& devices) {
  std::vector<std::string> models;
  for (const exec::GpuDevice& device : devices) {
    if (device.name.empty() || device.name == "configured") continue;
    if (std::find(models.begin(), models.end(), device.name) == models.end()) {
      models.push_back(device.name);
    }
  }
  std::string joined;
  for (const std::string& model : models) joined += (joined.empty() ? "" : ", ") + model;
  return joined;
}

}  // namespace

JobService::JobService(store::JobStore& jobs, artifacts::ArtifactStore& artifacts,
                       exec::Executor& executor, tracking::TrackingService& tracking,
                       const Clock& clock, JobServiceOptions options,
                       std::function<void()> wake_controller)
    : jobs_(jobs),
      artifacts_(artifacts),
      executor_(executor),
      tracking_(tracking),
      clock_(clock),
      options_(std::move(options)),
      wake_controller_(std::move(wake_controller)) {}

JobView JobService::View(const JobRecord& record) const {
  JobView view;
  view.record = record;
  view.spec = internal::SpecOf(record);
  view.result = internal::ResultOf(record.result_json).result;
  view.max_attempts = view.spec.retries + 1;
  if (record.started_at > 0) {
    const int64_t end = record.finished_at > 0 ? record.finished_at : clock_.NowMillis();
    view.runtime_millis = std::max<int64_t>(end - record.started_at, 0);
  }
  return view;
}

StatusOr<JobRecord> JobService::GetVisible(const Identity& caller, std::string_view job_id) {
  StatusOr<JobRecord> job = jobs_.GetJob(job_id);
  if (!job.ok()) return job.status();
  // Someone else's job, or another team's, is reported as missing, not forbidden: ids are not
  // disclosed.
  if (!MayActIn(caller, job->team) || (!caller.is_admin && job->user != caller.user)) {
    return NotFoundError("Job '" + std::string(job_id) + "' not found");
  }
  return job;
}

StatusOr<std::string> JobService::ExperimentIdFor(const Identity& caller, const std::string& name) {
  // Two submits racing to create the experiment both win.
  StatusOr<store::Experiment> experiment = tracking_.GetExperimentByName(caller, name);
  if (experiment.ok()) return experiment->experiment_id;
  if (experiment.status().code() != StatusCode::kNotFound) {
    return experiment.status().WithContext("finding experiment '" + name + "'");
  }
  StatusOr<std::string> created = tracking_.CreateExperiment(caller, name, "", {});
  if (created.ok()) return created;
  if (created.status().code() != StatusCode::kAlreadyExists) {
    return created.status().WithContext("creating experiment '" + name + "'");
  }
  ASSIGN_OR_RETURN(store::Experiment raced, tracking_.GetExperimentByName(caller, name));
  return raced.experiment_id;
}

// --- Public API ------------------------------------------------------------------------------

StatusOr<JobView> JobService::Submit(const Identity& caller, JobSpec spec) {
  RETURN_IF_ERROR(Validate(spec));
  ASSIGN_OR_RETURN(std::string team, RequireActingTeam(caller));
  if (spec.team.empty()) spec.team = team;
  if (spec.team != team) {
    return PermissionDeniedError("The job names team '" + spec.team +
                                 "' but this request acts in team '" + team +
                                 "': submit it in that team (inet platform train --team " +
                                 spec.team + ", or the X-MLFLOW-WORKSPACE header)");
  }

  const Resources requested = RequestedResources(spec);
  if (std::string never =
          sched::WhyNeverFits(requested, exec::TotalAllocatable(executor_.node_pools()));
      !never.empty()) {
    return InvalidArgumentError(never);
  }
  if (options_.costs != nullptr) {
    RETURN_IF_ERROR(options_.costs->CheckBudget(spec.team, requested, spec.timeout_hours,
                                                executor_.node_pools(), clock_.NowMillis()));
  }
  if (!spec.code_snapshot.empty()) {
    StatusOr<artifacts::ObjectInfo> snapshot =
        artifacts_.Head(internal::SnapshotKey(spec.team, spec.code_snapshot));
    if (!snapshot.ok()) {
      if (snapshot.status().code() == StatusCode::kNotFound ||
          snapshot.status().code() == StatusCode::kInvalidArgument) {
        return InvalidArgumentError("code_snapshot \"" + spec.code_snapshot +
                                    "\" does not exist; upload the code with POST "
                                    "/api/v1/snapshots first (inet platform train does this)");
      }
      return snapshot.status().WithContext("checking the code snapshot");
    }
  }

  // A fresh id; a collision with an existing job is astronomically rare but cheap to avoid.
  std::string job_id;
  for (int i = 0; i < 5 && job_id.empty(); ++i) {
    std::string candidate = spec.name + "-" + RandomSuffix();
    StatusOr<JobRecord> existing = jobs_.GetJob(candidate);
    if (existing.ok()) continue;
    if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status().WithContext("submitting job");
    }
    job_id = std::move(candidate);
  }
  if (job_id.empty()) return InternalError("could not find a free job id; try again");

  // The MLflow experiment (created on first use; two submits racing to create it both win)
  // and the run the job logs into.
  ASSIGN_OR_RETURN(std::string experiment_id, ExperimentIdFor(caller, spec.experiment));
  tracking::CreateRunRequest run_request;
  run_request.experiment_id = experiment_id;
  run_request.user_id = caller.user;
  run_request.run_name = job_id;
  run_request.tags = {
      {"inet.job_id", job_id},
      {"inet.team", spec.team},
      {"mlflow.user", caller.user},
      {"mlflow.source.name", !spec.script.empty()
                                 ? spec.script
                                 : (spec.command.empty() ? std::string() : spec.command[0])},
      {"mlflow.source.type", "JOB"},
  };
  StatusOr<store::Run> run = tracking_.CreateRun(caller, std::move(run_request));
  if (!run.ok()) return run.status().WithContext("creating the job's MLflow run");

  const int64_t now = clock_.NowMillis();
  JobRecord record;
  record.job_id = job_id;
  record.name = spec.name;
  record.team = spec.team;
  record.user = caller.user;
  record.priority_class = spec.priority_class;
  record.spec_json = JobSpecToJson(spec);
  record.resources = requested;
  record.state = JobState::kPending;
  record.reason = "submitted by " + caller.user;
  record.created_at = now;
  record.updated_at = now;
  record.experiment_id = experiment_id;
  record.run_id = run->info.run_id;
  record.result_json = EncodeResult(PersistedResult{});
  record.version = 1;
  Status created = jobs_.CreateJob(
      record, store::JobEvent{job_id, 0, now, JobState::kPending, 0, record.reason});
  if (!created.ok()) {
    (void)tracking_.DeleteRun(caller, run->info.run_id);
    return created.WithContext("storing job " + job_id);
  }

  StatusOr<JobRecord> queued =
      internal::MutateJob(jobs_, clock_, record, [](JobRecord& r) -> StatusOr<Write> {
        if (r.state != JobState::kPending) return Write::kNone;  // cancelled, or queued already
        r.state = JobState::kQueued;
        r.reason = "queued";
        return Write::kWithEvent;
      });
  wake_controller_();
  // The job is stored: even if queueing failed here the controller queues it.
  if (!queued.ok()) return View(record);
  return View(*queued);
}

StatusOr<JobView> JobService::Get(const Identity& caller, std::string_view job_id) {
  ASSIGN_OR_RETURN(JobRecord job, GetVisible(caller, job_id));
  return View(job);
}

StatusOr<store::Page<JobView>> JobService::List(const Identity& caller,
                                                const ListJobsRequest& request) {
  if (request.max_results < 1 || request.max_results > 1000) {
    return InvalidArgumentError("max_results must be between 1 and 1000, got " +
                                std::to_string(request.max_results));
  }
  store::JobQuery query;
  // A team's jobs only; platform admins list every team's unless they name one.
  query.team = request.team;
  if (!caller.is_admin) {
    ASSIGN_OR_RETURN(std::string team, RequireActingTeam(caller));
    if (!request.team.empty() && request.team != team) return store::Page<JobView>{};
    query.team = team;
  }
  query.user = request.user;
  query.name = request.name;
  query.states = request.states;
  query.max_results = request.max_results;
  ASSIGN_OR_RETURN(query.offset, search::DecodePageToken(request.page_token));
  if (!caller.is_admin) {
    // Others' jobs are invisible: filtering by another user finds nothing.
    if (!request.user.empty() && request.user != caller.user) return store::Page<JobView>{};
    query.user = caller.user;
  }
  ASSIGN_OR_RETURN(store::Page<JobRecord> page, jobs_.ListJobs(query));
  store::Page<JobView> out;
  out.next_page_token = page.next_page_token;
  for (const JobRecord& r : page.items) out.items.push_back(View(r));
  return out;
}

StatusOr<JobView> JobService::Cancel(const Identity& caller, std::string_view job_id) {
  ASSIGN_OR_RETURN(JobRecord job, GetVisible(caller, job_id));
  ASSIGN_OR_RETURN(
      JobRecord updated,
      internal::MutateJob(jobs_, clock_, job, [&](JobRecord& r) -> StatusOr<Write> {
        if (store::IsTerminal(r.state)) {
          return FailedPreconditionError("Job '" + r.job_id + "' already finished (" +
                                         std::string(store::JobStateName(r.state)) +
                                         "); there is nothing to cancel");
        }
        if (r.cancel_requested) return Write::kNone;
        r.cancel_requested = true;
        PersistedResult pr = internal::ResultOf(r.result_json);
        if (pr.launching_attempt > 0) {
          // The controller stops the attempt as soon as its launch is known.
          pr.cancelled_by = caller.user;
          r.result_json = EncodeResult(pr);
          r.reason = "cancel requested by " + caller.user + "; attempt " +
                     std::to_string(pr.launching_attempt) + " is starting and is stopped at once";
        } else if (r.state == JobState::kRunning) {
          r.reason = "cancel requested by " + caller.user + "; stopping attempt " +
                     std::to_string(r.attempt) + " (SIGTERM, then SIGKILL after " +
                     std::to_string(options_.cancel_grace_seconds) + " s)";
        } else {
          // Not started (or waiting to retry): nothing runs, so it is cancelled now.
          r.reason = (r.attempt > 0 ? "cancelled by " + caller.user + " while waiting to retry"
                                    : "cancelled by " + caller.user + " before it started");
          r.state = JobState::kCancelled;
          r.stop_reason = store::StopReason::kCancelled;
          r.finished_at = clock_.NowMillis();
          r.next_attempt_at = 0;
        }
        return Write::kWithEvent;
      }));
  if (updated.state == JobState::kCancelled) EndJobRun(tracking_, clock_, updated);
  wake_controller_();
  return View(updated);
}

StatusOr<std::vector<store::JobEvent>> JobService::Events(const Identity& caller,
                                                          std::string_view job_id) {
  ASSIGN_OR_RETURN(JobRecord job, GetVisible(caller, job_id));
  return jobs_.ListJobEvents(job.job_id);
}

StatusOr<std::unique_ptr<ByteSource>> JobService::OpenLogs(const Identity& caller,
                                                           std::string_view job_id, int64_t offset,
                                                           bool follow, int follow_idle_seconds) {
  if (offset < 0) return InvalidArgumentError("offset must be >= 0");
  ASSIGN_OR_RETURN(JobRecord job, GetVisible(caller, job_id));
  if (!follow) return internal::OpenJobLog(executor_, artifacts_, job.job_id, offset);
  return internal::FollowJobLog(executor_, artifacts_, jobs_, job.job_id, offset,
                                std::max(follow_idle_seconds, 1));
}

StatusOr<std::string> JobService::PutSnapshot(const Identity& caller, ByteSource& body) {
  // Any member may upload code; the team's jobs refer to it by id.
  ASSIGN_OR_RETURN(std::string team, RequireActingTeam(caller));
  std::string id = "snap-" + RandomHex(8);
  const std::string key = internal::SnapshotKey(team, id);
  SnapshotBodySource checked(body, options_.max_snapshot_bytes);
  Status s = artifacts_.Put(key, checked);
  if (s.ok() && !checked.failure().ok()) s = checked.failure();
  if (!s.ok()) {
    (void)artifacts_.Delete(key);
    // The check's own error says what to do; the store may have wrapped it.
    return checked.failure().ok() ? s.WithContext("storing the code snapshot") : checked.failure();
  }
  return id;
}

CapacityView JobService::Capacity() {
  const std::vector<exec::NodePool> pools = executor_.node_pools();
  const Resources total = exec::TotalAllocatable(pools);
  CapacityView view;
  view.cpu_millis_total = total.cpu_millis;
  view.memory_bytes_total = total.memory_bytes;
  view.gpus_total = total.gpus;
  for (const exec::NodePool& pool : pools) {
    if (!view.gpu_source.empty() && !pool.gpu_source.empty()) view.gpu_source += ", ";
    view.gpu_source += pool.gpu_source;
    if (!view.isolation.empty() && !pool.isolation.empty()) view.isolation += "; ";
    view.isolation += pool.isolation;
  }
  view.job_python_warning = options_.job_python_warning;
  const Resources used = HeldByAttempts(jobs_);
  view.cpu_millis_used = used.cpu_millis;
  view.memory_bytes_used = used.memory_bytes;
  view.gpus_used = used.gpus;
  for (const exec::NodePool& pool : pools) {
    PoolCapacityView& shown = view.pools.emplace_back();
    shown.name = pool.name;
    shown.allocatable = pool.allocatable;
    if (pools.size() == 1) shown.used = used;
    shown.gpu_model = GpuModels(pool.gpu_devices);
    shown.gpu_source = pool.gpu_source;
    shown.isolation = pool.isolation;
  }
  return view;
}

}  // namespace inet::jobs
