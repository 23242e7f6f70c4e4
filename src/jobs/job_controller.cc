#include "jobs/job_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include "jobs/internal/job_records.h"
#include "sched/admission.h"

namespace inet::jobs {
namespace {

using internal::EncodeResult;
using internal::PersistedResult;
using internal::ResultOf;
using internal::SpecOf;
using internal::Write;
using store::JobRecord;
using store::JobState;

constexpr std::string_view kLeaseName = "job-controller";
constexpr int64_t kLeaseRetryMillis = 1'000;
constexpr int kMaxReasonWritesPerPass = 32;
constexpr int kMaxPollFailures = 50;

// The stop reason of an attempt that ended without success, by how the executor saw it end.
store::StopReason StopOfFailure(exec::ExecutionEnd end) {
  switch (end) {
    case exec::ExecutionEnd::kKilled:
      return store::StopReason::kKilled;
    case exec::ExecutionEnd::kOutOfMemory:
      return store::StopReason::kOutOfMemory;
    case exec::ExecutionEnd::kLost:
      return store::StopReason::kLost;
    case exec::ExecutionEnd::kPreempted:
      return store::StopReason::kPreempted;
    case exec::ExecutionEnd::kNone:
    case exec::ExecutionEnd::kExited:
      return store::StopReason::kFailed;
  }
  return store::StopReason::kFailed;
}

// "5 s", "0.5 s", "2 min" style durations for reasons.
std::string FormatSeconds(int64_t millis) {
  char buf[32];
  if (millis % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(millis / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(millis) / 1000.0);
  }
  return buf;
}

std::string FormatHours(double hours) {
  char buf[32];
  if (hours == std::floor(hours)) {
    std::snprintf(buf, sizeof buf, "%.0f h", hours);
  } else {
    std::snprintf(buf, sizeof buf, "%g h", hours);
  }
  return buf;
}

std::string JoinInts(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

// The status of an attempt whose processes are gone without a recorded end.
exec::ExecutionStatus LostStatus() {
  exec::ExecutionStatus lost;
  lost.phase = exec::ExecutionPhase::kFinished;
  lost.end = exec::ExecutionEnd::kLost;
  lost.exit_code = -1;
  return lost;
}

// How an ended attempt is recorded while it is finalized, and read back after a restart.
internal::EndedAttempt EndedOf(int attempt, const exec::ExecutionStatus& status) {
  return internal::EndedAttempt{attempt,
                                status.exit_code,
                                status.signal,
                                status.end == exec::ExecutionEnd::kLost,
                                status.end == exec::ExecutionEnd::kOutOfMemory,
                                status.end == exec::ExecutionEnd::kPreempted,
                                status.message};
}

exec::ExecutionStatus StatusOfEnded(const internal::EndedAttempt& ended) {
  exec::ExecutionStatus status;
  status.phase = exec::ExecutionPhase::kFinished;
  status.end = ended.vanished      ? exec::ExecutionEnd::kLost
               : ended.oom_killed  ? exec::ExecutionEnd::kOutOfMemory
               : ended.preempted   ? exec::ExecutionEnd::kPreempted
               : ended.signal != 0 ? exec::ExecutionEnd::kKilled
                                   : exec::ExecutionEnd::kExited;
  status.exit_code = ended.exit_code;
  status.signal = ended.signal;
  status.message = ended.message;
  return status;
}

}  // namespace

JobController::JobController(store::JobStore& jobs, store::LeaseStore& leases,
                             exec::Executor& executor, sched::Admission& admission,
                             AttemptLauncher& launcher, AttemptFinalizer& finalizer,
                             const Clock& clock, JobControllerOptions options, CostMeter* costs)
    : jobs_(jobs),
      leases_(leases),
      executor_(executor),
      admission_(admission),
      launcher_(launcher),
      finalizer_(finalizer),
      clock_(clock),
      options_(options),
      costs_(costs) {}

JobController::~JobController() { Stop(); }

// --- Loop ------------------------------------------------------------------------------------

Status JobController::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return FailedPreconditionError("the job controller is already started");
    started_ = true;
  }
  launcher_.Start([this] { Wake(); });
  finalizer_.Start([this] { Wake(); });
  if (!options_.start_thread) {
    std::lock_guard pass_lock(pass_mu_);
    Lead();
    return OkStatus();
  }
  // Taking the lease, re-attaching and recovering happen on the loop thread, in its first pass:
  // a restart that finds many attempts to recover must not keep the server from listening.
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void JobController::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  launcher_.Stop();
  finalizer_.Stop();
  std::lock_guard pass_lock(pass_mu_);
  lease_.reset();  // the next server to try takes over at once
  leading_ = false;
}

void JobController::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void JobController::RunOnceForTest() { Pass(); }

bool JobController::leading() const { return leading_; }

bool JobController::Lead() {
  if (lease_ != nullptr) {
    Status held = lease_->Check();
    if (held.ok()) return true;
    spdlog::error(
        "jobs: this server lost the job-controller lease ({}); it stops controlling jobs until it "
        "can take the lease again. Running attempts keep running: the server that holds the "
        "lease re-attaches them.",
        held.ToString());
    StandDown();
  }
  // A follower asks about once a second: on PostgreSQL each try is a new connection.
  const int64_t now = clock_.NowMillis();
  if (last_lease_try_ && now - *last_lease_try_ < kLeaseRetryMillis) return false;
  last_lease_try_ = now;
  StatusOr<std::unique_ptr<store::Lease>> taken = leases_.TryAcquire(kLeaseName);
  if (!taken.ok()) {
    spdlog::warn("jobs: taking the job-controller lease: {} (retried on the next pass)",
                 taken.status().ToString());
    return false;
  }
  if (*taken == nullptr) {
    if (!following_) {
      spdlog::info(
          "jobs: another server controls the jobs of this database; this one serves the API "
          "and takes over when that one stops");
      following_ = true;
    }
    return false;
  }
  if (following_) spdlog::info("jobs: this server now controls the jobs of this database");
  following_ = false;
  last_lease_try_.reset();
  lease_ = std::move(*taken);
  leading_ = true;
  Resume();
  return true;
}

void JobController::StandDown() {
  lease_.reset();
  leading_ = false;
  // Both workers recorded their tasks durably before taking them (launching or finalizing
  // attempt N): whoever leads next finds them in the store.
  launcher_.Stop();
  finalizer_.Stop();
  (void)launcher_.TakeResults();
  (void)finalizer_.TakeResults();
  live_.clear();
  draining_.clear();
  unrecorded_.clear();
  retiring_.clear();
  launcher_.Start([this] { Wake(); });
  finalizer_.Start([this] { Wake(); });
}

void JobController::Resume() {
  // Every attempt that was running, launching or being finalized when the last holder of the
  // lease stopped is found again before anything new is admitted; an attempt that cannot be
  // re-attached is finished as lost (and retried per its policy).
  StatusOr<std::vector<JobRecord>> active = LoadActive();
  if (!active.ok()) {
    spdlog::warn("jobs: re-attaching running jobs: {} (retried on the next pass)",
                 active.status().ToString());
    return;
  }
  const int64_t now = clock_.NowMillis();
  for (const JobRecord& job : *active) {
    if (job.state == JobState::kRunning) TendRunning(job, now);
    if (job.state == JobState::kQueued) {
      const PersistedResult pr = ResultOf(job.result_json);
      if (pr.launching_attempt > 0) TendLaunching(job, pr);
    }
  }
  ApplyFinalizeResults();  // finalizations redone inline when there are no worker threads
  RevokeEndedAttemptTokens();
}

void JobController::RevokeEndedAttemptTokens() {
  // Tokens of attempts that ended while the server was down, or were minted but never
  // recorded (a crash between the two): only attempts still recorded as running or launching
  // keep theirs; the controller revokes those when they end.
  StatusOr<std::vector<JobRecord>> active = LoadActive();
  if (!active.ok()) {
    spdlog::warn("jobs: revoking the tokens of ended attempts: {}", active.status().ToString());
    return;
  }
  std::set<std::string> live_tokens;
  for (const JobRecord& job : *active) {
    const std::string token_id = ResultOf(job.result_json).token_id;
    if (!token_id.empty()) live_tokens.insert(token_id);
  }
  launcher_.RevokeTokensExcept(live_tokens);
}

void JobController::Loop() {
  while (true) {
    Pass();
    std::unique_lock lock(mu_);
    // A submit, a cancel or a finished launch or upload wakes the loop at once; otherwise
    // running attempts are polled every poll_interval_millis and due retries are picked up then.
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_millis),
                 [this] { return stop_ || wake_; });
    if (stop_) return;
    wake_ = false;
  }
}

void JobController::Pass() {
  std::lock_guard pass_lock(pass_mu_);
  if (!Lead()) return;
  ApplyLaunchResults();
  ApplyFinalizeResults();
  const std::map<std::string, StatusOr<exec::ExecutionStatus>> polled = PollLive();
  StatusOr<std::vector<JobRecord>> active = LoadActive();
  if (!active.ok()) {
    spdlog::warn("jobs: listing active jobs failed: {}", active.status().ToString());
    return;
  }
  const int64_t now = clock_.NowMillis();
  std::vector<JobRecord> queued;
  // The jobs whose attempts hold resources, for the admission policy's running set.
  std::map<std::string, JobRecord> holders;
  for (const JobRecord& job : *active) {
    if (live_.count(job.job_id) != 0) holders.emplace(job.job_id, job);
  }
  for (JobRecord& job : *active) {
    switch (job.state) {
      case JobState::kPending: {
        // Normally Submit queues its job at once; a job left Pending by a crash mid-submit is
        // complete (its run exists), so the controller queues it.
        StatusOr<JobRecord> updated = Mutate(job, [](JobRecord& r) -> StatusOr<Write> {
          if (r.state != JobState::kPending) return Write::kNone;
          r.state = JobState::kQueued;
          r.reason = "queued";
          return Write::kWithEvent;
        });
        if (updated.ok() && updated->state == JobState::kQueued) queued.push_back(*updated);
        break;
      }
      case JobState::kQueued: {
        const PersistedResult pr = ResultOf(job.result_json);
        if (pr.launching_attempt > 0) {
          TendLaunching(job, pr);
        } else {
          queued.push_back(std::move(job));
        }
        break;
      }
      case JobState::kRunning: {
        auto it = polled.find(job.job_id);
        TendRunning(job, now, it == polled.end() ? nullptr : &it->second);
        break;
      }
      default:
        break;
    }
  }
  // Finalizations run inline when there are no finalizer threads: what they release is free
  // for this pass's admission.
  ApplyFinalizeResults();
  Admit(std::move(queued), holders, now);
  ApplyLaunchResults();  // likewise the launches
  SweepWorkspaces(now);
}

StatusOr<std::vector<JobRecord>> JobController::LoadActive() {
  return internal::ListAllJobs(jobs_, {JobState::kPending, JobState::kQueued, JobState::kRunning});
}

StatusOr<JobRecord> JobController::Mutate(JobRecord current, const internal::Mutation& mutate) {
  return internal::MutateJob(jobs_, clock_, std::move(current), mutate);
}

std::map<std::string, StatusOr<exec::ExecutionStatus>> JobController::PollLive() {
  // One batch for the whole pass: the orphans being drained and every recorded attempt.
  std::vector<exec::Execution> batch = draining_;
  std::vector<std::string> live_ids;
  for (const auto& [id, live] : live_) {
    if (live.launching || live.finalizing || !live.have_execution) continue;
    batch.push_back(live.execution);
    live_ids.push_back(id);
  }
  std::map<std::string, StatusOr<exec::ExecutionStatus>> polled;
  if (batch.empty()) return polled;
  std::vector<StatusOr<exec::ExecutionStatus>> statuses = executor_.PollAll(batch);
  statuses.resize(batch.size(), InternalError("the executor gave no status"));
  std::vector<exec::Execution> still_draining;
  for (size_t i = 0; i < draining_.size(); ++i) {
    if (!statuses[i].ok() || statuses[i]->finished()) {
      (void)executor_.Release(draining_[i]);
    } else {
      still_draining.push_back(draining_[i]);
    }
  }
  for (size_t i = 0; i < live_ids.size(); ++i) {
    polled.emplace(live_ids[i], std::move(statuses[draining_.size() + i]));
  }
  draining_ = std::move(still_draining);
  return polled;
}

// --- Running attempts ----------------------------------------------------------------------

void JobController::TendRunning(const JobRecord& job, int64_t now,
                                const StatusOr<exec::ExecutionStatus>* polled) {
  auto it = live_.find(job.job_id);
  if (it == live_.end()) {
    // Not watched by this process yet: the server restarted while the attempt ran (or while
    // what it left was being stored).
    StatusOr<exec::Execution> execution =
        job.executor_state.empty()
            ? StatusOr<exec::Execution>(NotFoundError("no executor state was recorded"))
            : executor_.Reattach(job.job_id, job.executor_state);
    const bool finalizing = ResultOf(job.result_json).finalizing.attempt == job.attempt;
    if (!execution.ok()) {
      spdlog::warn("jobs: re-attaching {} attempt {} failed: {}", job.job_id, job.attempt,
                   execution.status().ToString());
      exec::Execution lost_execution{job.job_id, job.attempt, {}, "", job.executor_state};
      if (finalizing) {
        LiveAttempt live;
        live.execution = lost_execution;
        live.have_execution = false;
        live.finalizing = true;
        live_[job.job_id] = std::move(live);
        PostFinalize(job, /*have_execution=*/false);
      } else {
        BeginFinalize(job, lost_execution, LostStatus(), /*have_execution=*/false);
      }
      return;
    }
    LiveAttempt live;
    live.execution = *execution;
    live.resources = job.resources;
    it = live_.insert_or_assign(job.job_id, std::move(live)).first;
    if (finalizing) {
      // Its end was recorded, but not what it left: store that again.
      it->second.finalizing = true;
      PostFinalize(job, /*have_execution=*/true);
      return;
    }
  }
  LiveAttempt& live = it->second;
  if (live.finalizing) return;  // the finalizer has it

  // Attempts re-attached during this pass were not in its batch: they are polled alone.
  StatusOr<exec::ExecutionStatus> status =
      polled != nullptr && live.execution.attempt == job.attempt ? *polled
                                                                 : executor_.Poll(live.execution);
  if (!status.ok()) {
    spdlog::warn("jobs: polling {} attempt {}: {}", job.job_id, job.attempt,
                 status.status().ToString());
    // An execution the executor does not know (or cannot read) is lost. Other errors may
    // pass, and declaring a live attempt lost would start a second copy of the job; they
    // count as lost only when they persist, so nothing stays Running forever.
    const StatusCode code = status.status().code();
    if (code != StatusCode::kNotFound && code != StatusCode::kInvalidArgument &&
        ++live.poll_failures < kMaxPollFailures) {
      return;
    }
    status = LostStatus();
  }
  live.poll_failures = 0;
  if (status->finished()) {
    BeginFinalize(job, live.execution, *status, /*have_execution=*/true);
    return;
  }
  if (live.terminate_sent) return;

  PersistedResult pr = ResultOf(job.result_json);
  const JobSpec spec = SpecOf(job);
  if (pr.stopping.empty()) {
    if (std::optional<CostStop> stop = AccrueCost(job, live, pr, now, /*ended=*/false)) {
      // Persisted first, as a timeout is, so the attempt ends with this reason after a restart.
      const std::string stopping =
          stop->reason == store::StopReason::kMaxCost ? "max_cost" : "budget_ceiling";
      StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
        if (r.state != JobState::kRunning || r.attempt != job.attempt) {
          return Write::kNone;
        }
        PersistedResult p = ResultOf(r.result_json);
        p.stopping = stopping;
        p.stopping_reason = stop->message;
        r.result_json = EncodeResult(p);
        r.reason = "attempt " + std::to_string(r.attempt) + ": " + stop->message + "; stopping it";
        return Write::kWithEvent;
      });
      if (!updated.ok()) {
        spdlog::warn("jobs: recording the cost stop of {}: {}", job.job_id,
                     updated.status().ToString());
        return;
      }
      costs_->Alert("Stopping job " + job.job_id + " of team " + job.team + ": " + stop->message);
      pr = ResultOf(updated->result_json);
    }
  }
  const bool cost_stop = pr.stopping == "max_cost" || pr.stopping == "budget_ceiling";
  const auto timeout_millis = static_cast<int64_t>(spec.timeout_hours * 3'600'000.0);
  const bool timed_out =
      pr.stopping == "timeout" ||
      (pr.attempt_started_at > 0 && now - pr.attempt_started_at >= timeout_millis);
  // A preemption recorded before a restart is carried out again.
  const bool preempting = pr.stopping == "preempt";
  if (!job.cancel_requested && !timed_out && !preempting && !cost_stop) {
    return;
  }

  if (timed_out && pr.stopping != "timeout") {
    // Persisted first, so the attempt ends as TimedOut even if the server restarts meanwhile.
    StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
      if (r.state != JobState::kRunning || r.attempt != job.attempt) return Write::kNone;
      PersistedResult p = ResultOf(r.result_json);
      p.stopping = "timeout";
      r.result_json = EncodeResult(p);
      r.reason = "attempt " + std::to_string(r.attempt) + " exceeded the timeout of " +
                 FormatHours(spec.timeout_hours) + "; stopping it";
      return Write::kWithEvent;
    });
    if (!updated.ok()) {
      spdlog::warn("jobs: recording the timeout of {}: {}", job.job_id,
                   updated.status().ToString());
      return;
    }
  }
  Status s = executor_.Terminate(live.execution, options_.cancel_grace_seconds);
  if (!s.ok()) {
    spdlog::warn("jobs: stopping {} attempt {}: {}", job.job_id, job.attempt, s.ToString());
    return;
  }
  live.terminate_sent = true;
}

JobController::Outcome JobController::Decide(const JobRecord& r, const PersistedResult& pr,
                                             const JobSpec& spec,
                                             const exec::ExecutionStatus& status,
                                             int64_t now) const {
  const std::string attempt = "attempt " + std::to_string(r.attempt);
  // Preempted attempts are not the job's fault: they do not count against its retries.
  const int max_attempts = spec.retries + 1 + pr.preemptions;
  Outcome o;
  if (pr.stopping == "max_cost" || pr.stopping == "budget_ceiling") {
    o.state = JobState::kCancelled;
    o.stop =
        pr.stopping == "max_cost" ? store::StopReason::kMaxCost : store::StopReason::kBudgetCeiling;
    o.last_failure = pr.stopping_reason + " (" + attempt + ")";
    o.reason = attempt + " was stopped: " + pr.stopping_reason;
    return o;
  }
  if (pr.stopping == "timeout") {
    o.state = JobState::kTimedOut;
    o.stop = store::StopReason::kTimedOut;
    o.last_failure = "timed out after " + FormatHours(spec.timeout_hours) + " (" + attempt + ")";
    o.reason = attempt + " exceeded the timeout of " + FormatHours(spec.timeout_hours) +
               " and was stopped";
    return o;
  }
  if (status.succeeded()) {
    o.state = JobState::kSucceeded;
    o.stop = store::StopReason::kSucceeded;
    o.reason = attempt + " succeeded";
    return o;
  }

  std::string what;  // what happened to the attempt
  std::string verb = "failed";
  o.stop = StopOfFailure(status.end);
  if (status.end == exec::ExecutionEnd::kLost) {
    verb = "lost";
    what = "the job's processes vanished (server restart or external kill)";
  } else if (!status.message.empty()) {
    what = status.message;
  } else if (status.signal != 0) {
    what = "killed by signal " + std::to_string(status.signal);
  } else {
    what = "exited with code " + std::to_string(status.exit_code);
  }
  if (status.end == exec::ExecutionEnd::kOutOfMemory) {
    what += "; the job needs more memory than its limit of " +
            (spec.resources.memory.empty() ? std::string("(none set)") : spec.resources.memory) +
            ": raise resources.memory (--memory)";
  }
  o.last_failure = what + " (" + attempt + ")";
  const std::string base = attempt + " " + verb + ": " + what;

  if (r.cancel_requested) {
    o.state = JobState::kCancelled;
    o.stop = store::StopReason::kCancelled;
    o.reason = "cancelled; " + attempt + " stopped (" + what + ")";
    o.last_failure.clear();
    return o;
  }
  if (pr.stopping == "preempt" || status.end == exec::ExecutionEnd::kPreempted) {
    // Back in the queue at once, in its place by submission time; no retry is spent.
    o.state = JobState::kQueued;
    o.preempted = true;
    o.stop = store::StopReason::kPreempted;
    o.last_failure.clear();
    o.reason = attempt + " was preempted (" +
               (pr.stopping == "preempt" ? pr.stopping_reason : std::string("by the cluster")) +
               "); re-queued without spending a retry";
    return o;
  }
  if (r.attempt < max_attempts) {
    const int shift = std::min(r.attempt - 1, 30);
    int64_t delay = options_.retry_backoff_millis;
    for (int i = 0; i < shift && delay < options_.max_retry_backoff_millis; ++i) delay *= 2;
    delay = std::min(delay, options_.max_retry_backoff_millis);
    o.state = JobState::kQueued;
    o.next_attempt_at = now + delay;
    o.reason = base + "; retrying in " + FormatSeconds(delay) + " (attempt " +
               std::to_string(r.attempt + 1) + " of " + std::to_string(max_attempts) + ")";
    return o;
  }
  o.state = JobState::kFailed;
  o.reason = base;
  if (max_attempts > 1)
    o.reason += "; no retries left (" + std::to_string(max_attempts) + " attempts)";
  return o;
}

std::optional<CostStop> JobController::AccrueCost(const JobRecord& job, LiveAttempt& live,
                                                  const PersistedResult& pr, int64_t now,
                                                  bool ended) {
  if (costs_ == nullptr || pr.attempt_started_at <= 0) {
    return std::nullopt;
  }
  // Due an interval after the last write, or after the attempt's start when this process has
  // written nothing yet (after a restart that is usually at once).
  const int64_t last = live.cost_accrued_at != 0 ? live.cost_accrued_at : pr.attempt_started_at;
  if (!ended && now - last < costs_->options().accrual_interval_millis) {
    return std::nullopt;
  }
  live.cost_accrued_at = now;
  return costs_->Accrue(job, pr.attempt_started_at, job.resources, GpuHourPrice(live.execution),
                        now, ended);
}

double JobController::GpuHourPrice(const exec::Execution& execution) {
  if (execution.gpu_indices.empty()) {
    return 0;
  }
  if (!pools_) {
    pools_ = executor_.node_pools();
  }
  const PriceTable& prices = costs_->options().prices;
  // Attempts do not record their pool yet: with several pools their GPUs' model is unknown
  // and the "*" price applies.
  if (pools_->size() == 1) {
    for (const exec::GpuDevice& device : pools_->front().gpu_devices) {
      if (device.index == execution.gpu_indices.front()) {
        return jobs::GpuHourPrice(prices, device.name);
      }
    }
  }
  return jobs::GpuHourPrice(prices, "");
}

void JobController::BeginFinalize(const JobRecord& job, const exec::Execution& execution,
                                  const exec::ExecutionStatus& status, bool have_execution) {
  // The attempt is over: its token stops working before anyone can see it ended.
  launcher_.RevokeToken(ResultOf(job.result_json).token_id);
  // Its whole cost is written before its end, so a restart in between only rewrites it.
  if (have_execution) {
    LiveAttempt& watched = live_[job.job_id];
    (void)AccrueCost(job, watched, ResultOf(job.result_json), clock_.NowMillis(), /*ended=*/true);
  }
  // How it ended is durable before its log and outputs are stored, so a restart in the middle
  // redoes the storing instead of losing the outputs.
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    if (r.state != JobState::kRunning || r.attempt != job.attempt) return Write::kNone;
    PersistedResult pr = ResultOf(r.result_json);
    pr.finalizing = EndedOf(r.attempt, status);
    pr.token_id.clear();
    r.result_json = EncodeResult(pr);
    return Write::kQuiet;
  });
  if (!updated.ok() || ResultOf(updated->result_json).finalizing.attempt != job.attempt) {
    // Keep watching: the next pass polls the finished attempt again and retries the write.
    spdlog::warn("jobs: recording the end of {} attempt {}: {}", job.job_id, job.attempt,
                 updated.ok() ? "the job changed meanwhile" : updated.status().ToString());
    return;
  }
  LiveAttempt& live = live_[job.job_id];
  live.execution = execution;
  live.have_execution = have_execution;
  live.finalizing = true;
  if (!have_execution) live.resources = Resources{};
  PostFinalize(*updated, have_execution);
}

void JobController::PostFinalize(const JobRecord& job, bool have_execution) {
  const PersistedResult pr = ResultOf(job.result_json);
  const JobSpec spec = SpecOf(job);
  // Outputs are stored only when the job ends with this attempt.
  const Outcome outcome = Decide(job, pr, spec, StatusOfEnded(pr.finalizing), clock_.NowMillis());
  FinalizeTask task;
  task.job = job;
  task.spec = spec;
  task.execution = live_[job.job_id].execution;
  task.have_execution = have_execution;
  task.store_outputs = store::IsTerminal(outcome.state);
  task.exited_with_error = !pr.finalizing.vanished && pr.finalizing.exit_code != 0;
  task.store_log = task.store_outputs && options_.workspace_retention_millis == 0;
  finalizer_.Post(std::move(task));
}

void JobController::ApplyFinalizeResults() {
  std::vector<FinalizeResult> results = std::move(unrecorded_);
  unrecorded_.clear();
  for (FinalizeResult& result : finalizer_.TakeResults()) results.push_back(std::move(result));
  for (FinalizeResult& result : results) {
    if (result.retired_workspace) {
      retiring_.erase(result.job_id);
      continue;
    }
    auto live = live_.find(result.job_id);
    StatusOr<JobRecord> job = jobs_.GetJob(result.job_id);
    if (!job.ok()) {
      spdlog::warn("jobs: reading {} after storing its outputs: {}", result.job_id,
                   job.status().ToString());
      unrecorded_.push_back(std::move(result));
      continue;
    }
    const int64_t now = clock_.NowMillis();
    const JobSpec spec = SpecOf(*job);
    StatusOr<JobRecord> updated = Mutate(*job, [&](JobRecord& r) -> StatusOr<Write> {
      PersistedResult pr = ResultOf(r.result_json);
      if (r.state != JobState::kRunning || r.attempt != result.attempt ||
          pr.finalizing.attempt != result.attempt) {
        return Write::kNone;
      }
      const exec::ExecutionStatus status = StatusOfEnded(pr.finalizing);
      Outcome o = Decide(r, pr, spec, status, now);
      const bool terminal = store::IsTerminal(o.state);
      r.state = o.state;
      r.reason = o.reason;
      for (const std::string& note : result.notes) r.reason += "; " + note;
      // A known cause (no mlflow in the job's Python) says more than "failed".
      r.stop_reason =
          o.stop == store::StopReason::kFailed && result.known_cause != store::StopReason::kNone
              ? result.known_cause
              : o.stop;
      r.next_attempt_at = o.next_attempt_at;
      r.executor_state.clear();
      if (terminal) r.finished_at = now;
      pr.result.exit_code = status.end == exec::ExecutionEnd::kLost
                                ? std::nullopt
                                : std::optional<int>(status.exit_code);
      pr.result.signal = status.signal;
      if (live != live_.end()) pr.result.gpu_indices = live->second.execution.gpu_indices;
      if (!o.last_failure.empty()) pr.result.last_failure = o.last_failure;
      if (terminal) pr.result.artifacts = result.artifacts;
      pr.attempt_started_at = 0;
      pr.token_id.clear();
      pr.stopping.clear();
      pr.stopping_reason.clear();
      if (o.preempted) ++pr.preemptions;
      pr.finalizing = internal::EndedAttempt{};
      r.result_json = EncodeResult(pr);
      return Write::kWithEvent;
    });
    if (!updated.ok()) {
      // Retried on the next pass; the attempt keeps what it holds meanwhile.
      spdlog::warn("jobs: recording the end of {} attempt {}: {}", result.job_id, result.attempt,
                   updated.status().ToString());
      unrecorded_.push_back(std::move(result));
      continue;
    }
    if (live != live_.end()) {
      if (live->second.have_execution) {
        Status s = executor_.Release(live->second.execution);
        if (!s.ok()) spdlog::warn("jobs: releasing {}: {}", result.job_id, s.ToString());
      }
      live_.erase(live);
    }
    if (store::IsTerminal(updated->state) && updated->version != job->version) {
      finalizer_.EndRun(*updated);
      // Its log and outputs are stored now.
      if (options_.workspace_retention_millis == 0) RemoveWorkspace(result.job_id);
    }
  }
}

void JobController::RemoveWorkspace(const std::string& job_id) {
  Status s = executor_.RemoveWorkspace(job_id);
  if (!s.ok()) spdlog::warn("jobs: removing the workspace of {}: {}", job_id, s.ToString());
}

void JobController::SweepWorkspaces(int64_t now) {
  if (options_.workspace_retention_millis < 0) return;
  if (last_sweep_ && now - *last_sweep_ < options_.workspace_sweep_interval_millis) return;
  last_sweep_ = now;
  StatusOr<std::vector<std::string>> workspaces = executor_.ListWorkspaces();
  if (!workspaces.ok()) {
    spdlog::warn("jobs: listing workspaces: {}", workspaces.status().ToString());
    return;
  }
  for (const std::string& id : *workspaces) {
    if (live_.contains(id) || retiring_.contains(id)) continue;
    // A workspace whose job this store does not know is left alone: it may be another
    // server's.
    StatusOr<JobRecord> job = jobs_.GetJob(id);
    if (!job.ok() || !store::IsTerminal(job->state)) continue;
    if (job->finished_at + options_.workspace_retention_millis > now) continue;
    // Its log is stored before it goes, on the finalizer's thread (a log can be gigabytes).
    retiring_.insert(id);
    FinalizeTask task;
    task.job = *job;
    task.retire_workspace = true;
    finalizer_.Post(std::move(task));
  }
}

// --- Admission and launch --------------------------------------------------------------------

void JobController::Admit(std::vector<JobRecord> queued,
                          const std::map<std::string, JobRecord>& holders, int64_t now) {
  std::sort(queued.begin(), queued.end(), [](const JobRecord& a, const JobRecord& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.job_id < b.job_id;
  });
  const std::vector<exec::NodePool> node_pools = executor_.node_pools();
  const Resources total = exec::TotalAllocatable(node_pools);
  std::map<std::string, const JobRecord*> by_id;
  std::vector<sched::Demand> demands;
  for (const JobRecord& job : queued) {
    if (job.cancel_requested) {
      CancelQueued(job);
      continue;
    }
    if (job.next_attempt_at > now) continue;  // backing off before a retry
    const Resources& want = job.resources;
    // Submit rejects what can never fit; this catches an executor that shrank since (a
    // restart with fewer GPUs), so such jobs fail instead of waiting forever.
    if (std::string never = sched::WhyNeverFits(want, total); !never.empty()) {
      FailUnrunnable(job, never);
      continue;
    }
    demands.push_back(
        sched::Demand{job.job_id, job.team, job.priority_class, job.created_at, want});
    by_id[job.job_id] = &job;
  }
  if (demands.empty()) return;

  std::vector<sched::PoolCapacity> pools;
  for (const exec::NodePool& pool : node_pools) pools.push_back({pool.name, pool.allocatable});
  std::vector<sched::RunningJob> running;
  for (const auto& [id, live] : live_) {
    sched::RunningJob r;
    r.job_id = id;
    r.resources = live.resources;
    if (auto it = holders.find(id); it != holders.end()) {
      r.team = it->second.team;
      r.priority_class = it->second.priority_class;
      r.started_at = it->second.started_at;
    }
    // Only a running batch attempt may be stopped to make room; one being launched or
    // finalized, already stopping, or interactive is left alone.
    r.preemptible =
        !live.launching && !live.finalizing && !live.terminate_sent && r.priority_class == "batch";
    running.push_back(std::move(r));
  }

  const sched::Decision decision = admission_.Decide(demands, running, pools);
  for (const sched::Preemption& p : decision.preempt) {
    auto it = holders.find(p.job_id);
    if (it != holders.end()) Preempt(it->second, p);
  }
  for (const std::string& id : decision.admit) {
    auto it = by_id.find(id);
    if (it == by_id.end()) continue;
    Status s = BeginLaunch(*it->second);
    if (!s.ok()) spdlog::warn("jobs: launching {}: {}", id, s.ToString());
  }
  // Reasons like "queued behind <id>" change for the whole queue when its head starts: only
  // the front of the queue is brought up to date each pass, so a long queue costs a bounded
  // number of writes per pass and the rest catch up over the following passes.
  int writes = 0;
  for (const auto& [id, reason] : decision.waiting) {
    auto it = by_id.find(id);
    if (it == by_id.end() || it->second->reason == reason) continue;
    if (++writes > kMaxReasonWritesPerPass) break;
    SetWaitingReason(*it->second, reason);
  }
}

void JobController::Preempt(const JobRecord& job, const sched::Preemption& preemption) {
  auto it = live_.find(job.job_id);
  if (it == live_.end() || it->second.launching || it->second.finalizing ||
      it->second.terminate_sent || job.state != JobState::kRunning) {
    return;  // not a running attempt (any more): nothing to stop
  }
  const std::string why = (preemption.by_job_id.empty() ? std::string("by the scheduler")
                                                        : "for job " + preemption.by_job_id) +
                          (preemption.reason.empty() ? "" : ": " + preemption.reason);
  // Persisted first (with an event naming who and why), so the attempt ends as preempted, and
  // is re-queued without spending a retry, even if the server restarts meanwhile.
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    PersistedResult p = ResultOf(r.result_json);
    if (r.state != JobState::kRunning || r.attempt != job.attempt || !p.stopping.empty()) {
      return Write::kNone;
    }
    p.stopping = "preempt";
    p.stopping_reason = why;
    r.result_json = EncodeResult(p);
    r.reason = "attempt " + std::to_string(r.attempt) + " preempted " + why + "; stopping it";
    return Write::kWithEvent;
  });
  if (!updated.ok()) {
    spdlog::warn("jobs: recording the preemption of {}: {}", job.job_id,
                 updated.status().ToString());
    return;
  }
  if (ResultOf(updated->result_json).stopping != "preempt") return;
  Status s = executor_.Terminate(it->second.execution, options_.cancel_grace_seconds);
  if (!s.ok()) {
    spdlog::warn("jobs: preempting {} attempt {}: {}", job.job_id, job.attempt, s.ToString());
    return;  // the next pass's TendRunning sends it again
  }
  it->second.terminate_sent = true;
}

void JobController::FailUnrunnable(const JobRecord& job, const std::string& why) {
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    if (r.state != JobState::kQueued) return Write::kNone;
    r.state = JobState::kFailed;
    r.stop_reason = store::StopReason::kNeverFits;
    r.reason = "can never start: " + why;
    r.finished_at = clock_.NowMillis();
    r.next_attempt_at = 0;
    return Write::kWithEvent;
  });
  if (!updated.ok()) {
    spdlog::warn("jobs: failing {}: {}", job.job_id, updated.status().ToString());
    return;
  }
  if (updated->state == JobState::kFailed) finalizer_.EndRun(*updated);
}

void JobController::SetWaitingReason(const JobRecord& job, const std::string& reason) {
  // Only a changed reason is written: a long queue must not rewrite every job each pass.
  if (job.reason == reason) return;
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    if (r.state != JobState::kQueued || r.reason == reason) return Write::kNone;
    r.reason = reason;
    return Write::kQuiet;
  });
  if (!updated.ok()) {
    spdlog::warn("jobs: recording why {} waits: {}", job.job_id, updated.status().ToString());
  }
}

void JobController::CancelQueued(const JobRecord& job) {
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    if (r.state != JobState::kQueued && r.state != JobState::kPending) return Write::kNone;
    PersistedResult pr = ResultOf(r.result_json);
    if (pr.launching_attempt > 0) return Write::kNone;  // stopped once its launch is known
    const std::string& by = pr.cancelled_by;
    r.state = JobState::kCancelled;
    r.stop_reason = store::StopReason::kCancelled;
    r.cancel_requested = true;
    r.finished_at = clock_.NowMillis();
    r.next_attempt_at = 0;
    r.reason =
        by.empty() ? "cancelled before it started" : "cancelled by " + by + " before it started";
    if (r.attempt > 0) {
      r.reason = by.empty() ? "cancelled while waiting to retry"
                            : "cancelled by " + by + " while waiting to retry";
    }
    return Write::kWithEvent;
  });
  if (!updated.ok()) {
    spdlog::warn("jobs: cancelling {}: {}", job.job_id, updated.status().ToString());
    return;
  }
  if (updated->state == JobState::kCancelled) finalizer_.EndRun(*updated);
}

Status JobController::BeginLaunch(const JobRecord& job) {
  const JobSpec spec = SpecOf(job);
  const int attempt = job.attempt + 1;

  // A token for this attempt only, revoked when it ends.
  StatusOr<AttemptToken> issued = launcher_.IssueToken(job, attempt);
  if (!issued.ok()) {
    spdlog::warn("jobs: creating the token for {}: {}", job.job_id, issued.status().ToString());
    return issued.status();
  }
  const std::string& token_id = issued->token_id;

  // "Launching attempt N" (and its token) is durable before anything can start, so a restart
  // in the middle of the launch finds the attempt (Executor::Recover) instead of starting a
  // second copy, and revokes the token of an attempt that never ran.
  StatusOr<JobRecord> launching = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    PersistedResult pr = ResultOf(r.result_json);
    if (r.state != JobState::kQueued || r.cancel_requested || r.attempt != job.attempt ||
        pr.launching_attempt != 0) {
      return Write::kNone;
    }
    pr.launching_attempt = attempt;
    pr.token_id = token_id;
    r.result_json = EncodeResult(pr);
    return Write::kQuiet;
  });
  if (!launching.ok() || ResultOf(launching->result_json).launching_attempt != attempt) {
    launcher_.RevokeToken(token_id);
    return launching.ok() ? OkStatus() : launching.status();
  }

  LiveAttempt live;
  live.resources = job.resources;
  live.launching = true;
  live.launch_in_flight = true;
  live_[job.job_id] = std::move(live);
  launcher_.Post(LaunchTask{job.job_id, attempt, spec, job.resources, job.run_id, issued->token});
  return OkStatus();
}

void JobController::ApplyLaunchResults() {
  for (LaunchResult& result : launcher_.TakeResults()) {
    auto live = live_.find(result.job_id);
    if (live != live_.end()) live->second.launch_in_flight = false;
    StatusOr<JobRecord> job = jobs_.GetJob(result.job_id);
    if (!job.ok()) {
      // The launching record stays; the next pass asks the executor (Recover) again.
      spdlog::warn("jobs: reading {} after its launch: {}", result.job_id, job.status().ToString());
      continue;
    }
    if (result.execution.ok()) {
      RecordLaunched(*job, result.attempt, *result.execution);
      continue;
    }
    const Status& error = result.execution.status();
    if (error.code() == StatusCode::kResourceExhausted) {
      UndoLaunch(*job, result.attempt, "waiting: " + error.message());
    } else {
      FailToStart(*job, result.attempt, error);
    }
  }
}

void JobController::TendLaunching(const JobRecord& job, const PersistedResult& pr) {
  auto it = live_.find(job.job_id);
  if (it != live_.end() && it->second.launch_in_flight) return;  // the launcher has it
  const int attempt = pr.launching_attempt;
  StatusOr<exec::Execution> found = executor_.Recover(job.job_id, attempt);
  if (found.ok()) {
    spdlog::info("jobs: found attempt {} of {}, launched before a restart", attempt, job.job_id);
    RecordLaunched(job, attempt, *found);
    return;
  }
  if (found.status().code() == StatusCode::kNotFound) {
    UndoLaunch(job, attempt, "");
    return;
  }
  // Unknown yet: hold its resources and ask again next pass; never launch a second copy.
  spdlog::warn("jobs: recovering attempt {} of {}: {}", attempt, job.job_id,
               found.status().ToString());
  if (it == live_.end()) {
    LiveAttempt live;
    live.resources = job.resources;
    live.launching = true;
    live_[job.job_id] = std::move(live);
  }
}

StatusOr<std::optional<JobRecord>> JobController::SettleLaunch(const JobRecord& job, int attempt,
                                                               std::string& token_id,
                                                               const Settle& settle) {
  bool settled = false;
  ASSIGN_OR_RETURN(JobRecord updated, Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
                     settled = false;
                     PersistedResult pr = ResultOf(r.result_json);
                     if (r.state != JobState::kQueued || pr.launching_attempt != attempt) {
                       return Write::kNone;
                     }
                     token_id = pr.token_id;
                     pr.launching_attempt = 0;
                     const Write write = settle(r, pr);
                     r.result_json = EncodeResult(pr);
                     settled = true;
                     return write;
                   }));
  if (!settled) return std::optional<JobRecord>();
  return std::optional<JobRecord>(std::move(updated));
}

void JobController::RecordLaunched(const JobRecord& job, int attempt,
                                   const exec::Execution& execution) {
  const int64_t now = clock_.NowMillis();
  std::string token_id;
  // Persist Running and the executor's handle before relying on them: a restart re-attaches
  // from exactly this record. A cancel that arrived while the attempt was launching stops it.
  StatusOr<std::optional<JobRecord>> updated =
      SettleLaunch(job, attempt, token_id, [&](JobRecord& r, PersistedResult& pr) {
        if (r.cancel_requested) {
          r.state = JobState::kCancelled;
          r.stop_reason = store::StopReason::kCancelled;
          r.reason = pr.cancelled_by.empty()
                         ? "cancelled before it started"
                         : "cancelled by " + pr.cancelled_by + " before it started";
          r.finished_at = now;
          r.next_attempt_at = 0;
          pr.token_id.clear();
          return Write::kWithEvent;
        }
        r.state = JobState::kRunning;
        r.stop_reason = store::StopReason::kNone;  // the last attempt is this one, not ended
        r.attempt = attempt;
        if (r.started_at == 0) r.started_at = now;
        r.next_attempt_at = 0;
        r.executor_state = execution.state;
        r.reason = "attempt " + std::to_string(attempt) + " started";
        if (!execution.gpu_indices.empty()) {
          r.reason += std::string(execution.gpu_indices.size() == 1 ? " on GPU " : " on GPUs ") +
                      JoinInts(execution.gpu_indices);
        }
        pr.result.exit_code.reset();
        pr.result.signal = 0;
        pr.result.gpu_indices = execution.gpu_indices;
        pr.attempt_started_at = now;
        pr.stopping.clear();
        return Write::kWithEvent;
      });
  if (!updated.ok()) {
    // The launching record stays: the next pass finds the attempt again through Recover.
    spdlog::warn("jobs: recording the start of {}: {}", job.job_id, updated.status().ToString());
    auto it = live_.find(job.job_id);
    if (it != live_.end()) it->second.launch_in_flight = false;
    return;
  }
  if (updated->has_value() && (*updated)->state == JobState::kRunning) {
    LiveAttempt live;
    live.execution = execution;
    live.resources = (*updated)->resources;
    live_[job.job_id] = std::move(live);
    return;
  }
  // Cancelled meanwhile (or no longer launching this attempt): it must not run unrecorded.
  live_.erase(job.job_id);
  (void)executor_.Terminate(execution, 0);
  draining_.push_back(execution);
  launcher_.RevokeToken(token_id);
  if (updated->has_value() && (*updated)->state == JobState::kCancelled) {
    finalizer_.EndRun(**updated);
  }
}

std::optional<JobRecord> JobController::ClearLaunch(const JobRecord& job, int attempt,
                                                    const Settle& settle) {
  std::string token_id;
  StatusOr<std::optional<JobRecord>> updated =
      SettleLaunch(job, attempt, token_id, [&](JobRecord& r, PersistedResult& pr) {
        pr.token_id.clear();
        return settle(r, pr);
      });
  if (!updated.ok()) {
    spdlog::warn("jobs: clearing the launch of {}: {}", job.job_id, updated.status().ToString());
    return std::nullopt;
  }
  live_.erase(job.job_id);
  launcher_.RevokeToken(token_id);
  return *updated;
}

void JobController::UndoLaunch(const JobRecord& job, int attempt,
                               const std::string& waiting_reason) {
  ClearLaunch(job, attempt, [&](JobRecord& r, PersistedResult&) {
    if (!waiting_reason.empty()) r.reason = waiting_reason;
    return Write::kQuiet;
  });
}

void JobController::FailToStart(const JobRecord& job, int attempt, const Status& error) {
  // Launch errors the executor calls permanent (a missing program, an impossible request, a
  // missing snapshot) fail the job; others count as a failed attempt and are retried.
  const bool permanent = error.code() == StatusCode::kInvalidArgument ||
                         error.code() == StatusCode::kNotFound ||
                         error.code() == StatusCode::kFailedPrecondition;
  const JobSpec spec = SpecOf(job);
  const int64_t now = clock_.NowMillis();
  std::optional<JobRecord> updated =
      ClearLaunch(job, attempt, [&](JobRecord& r, PersistedResult& pr) {
        r.attempt = attempt;
        exec::ExecutionStatus status;
        status.phase = exec::ExecutionPhase::kFinished;
        status.end = exec::ExecutionEnd::kExited;
        status.exit_code = -1;
        status.message = "could not start: " + error.message();
        if (permanent) {
          r.state = JobState::kFailed;
          r.stop_reason = store::StopReason::kLaunchFailed;
          r.reason = "attempt " + std::to_string(attempt) + " could not start: " + error.message();
          r.finished_at = now;
          pr.result.last_failure = status.message + " (attempt " + std::to_string(attempt) + ")";
        } else {
          Outcome o = Decide(r, pr, spec, status, now);
          r.state = o.state;
          r.stop_reason =
              o.stop == store::StopReason::kFailed ? store::StopReason::kLaunchFailed : o.stop;
          r.reason = o.reason;
          r.next_attempt_at = o.next_attempt_at;
          if (store::IsTerminal(o.state)) r.finished_at = now;
          if (!o.last_failure.empty()) pr.result.last_failure = o.last_failure;
        }
        return Write::kWithEvent;
      });
  if (updated && store::IsTerminal(updated->state)) finalizer_.EndRun(*updated);
}

}  // namespace inet::jobs
