#include "jobs/job_service.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "archive/archive.h"
#include "artifacts/artifact_store.h"
#include "artifacts/artifact_uri.h"
#include "auth/token_authenticator.h"
#include "common/format.h"
#include "common/ids.h"
#include "exec/executor.h"
#include "jobs/internal/job_log.h"
#include "jobs/internal/job_result_json.h"
#include "sched/admission.h"
#include "search/search.h"
#include "store/metadata_store.h"
#include "tracking/tracking_service.h"

namespace inet::jobs {
namespace {

using internal::DecodeResult;
using internal::EncodeResult;
using internal::PersistedResult;
using store::JobRecord;
using store::JobState;

constexpr int kMaxWriteAttempts = 10;
constexpr int64_t kMaxListPage = 1000;
constexpr int kMaxReasonWritesPerPass = 32;
constexpr int kMaxPollFailures = 50;
// A code snapshot may unpack to at least this much, whatever its compressed size.
constexpr int64_t kMinUnpackedSnapshotBytes = 64LL << 20;

std::string SnapshotKey(std::string_view snapshot_id) {
  return "snapshots/" + std::string(snapshot_id) + ".tar.gz";
}

std::string OutputKey(std::string_view job_id, std::string_view name) {
  return "jobs/" + std::string(job_id) + "/outputs/" + std::string(name);
}

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

// A temporary file removed when this goes out of scope.
class TempFile {
 public:
  static StatusOr<TempFile> Create() {
    std::string path = (std::filesystem::temp_directory_path() / "inet-snapshot-XXXXXX").string();
    const int fd = mkstemp(path.data());
    if (fd < 0) return InternalError("cannot create a temporary file for the code snapshot");
    close(fd);
    return TempFile(std::move(path));
  }
  TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, "")) {}
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Copies an artifact-store object into a new temporary file (the executor reads the code
// archive from a local path).
StatusOr<TempFile> DownloadToTempFile(artifacts::ArtifactStore& store, const std::string& key) {
  ASSIGN_OR_RETURN(TempFile file, TempFile::Create());
  ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> body, store.Get(key));
  std::FILE* out = std::fopen(file.path().c_str(), "wb");
  if (out == nullptr) return InternalError("cannot write " + file.path());
  char buf[64 * 1024];
  Status result;
  while (true) {
    StatusOr<size_t> got = body->Read(buf, sizeof buf);
    if (!got.ok()) {
      result = got.status();
      break;
    }
    if (*got == 0) break;
    if (std::fwrite(buf, 1, *got, out) != *got) {
      result = InternalError("writing " + file.path() + " failed (disk full?)");
      break;
    }
  }
  if (std::fclose(out) != 0 && result.ok()) result = InternalError("writing " + file.path());
  if (!result.ok()) return result;
  return file;
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

// The record's result; a malformed one (never written by this code) reads as empty.
PersistedResult ResultOf(std::string_view result_json) {
  StatusOr<PersistedResult> decoded = DecodeResult(result_json);
  return decoded.ok() ? *std::move(decoded) : PersistedResult{};
}

struct ResourceTotals {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int gpus = 0;
};

}  // namespace

// Owns the controller loop and everything the public methods share.
class JobService::Controller {
 public:
  Controller(store::MetadataStore& store, artifacts::ArtifactStore& artifacts,
             exec::Executor& executor, sched::Admission& admission,
             tracking::TrackingService& tracking, const Clock& clock, JobServiceOptions options)
      : store_(store),
        artifacts_(artifacts),
        executor_(executor),
        admission_(admission),
        tracking_(tracking),
        clock_(clock),
        options_(std::move(options)),
        resolver_(artifacts) {}

  ~Controller() { Stop(); }

  Status Start();
  void Stop();
  void Pass();

  StatusOr<JobView> Submit(const Identity& caller, JobSpec spec);
  StatusOr<JobView> Get(const Identity& caller, std::string_view job_id);
  StatusOr<store::Page<JobView>> List(const Identity& caller, const ListJobsRequest& request);
  StatusOr<JobView> Cancel(const Identity& caller, std::string_view job_id);
  StatusOr<std::vector<store::JobEvent>> Events(const Identity& caller, std::string_view job_id);
  StatusOr<std::unique_ptr<ByteSource>> OpenLogs(const Identity& caller, std::string_view job_id,
                                                 int64_t offset, bool follow,
                                                 int follow_idle_seconds);
  StatusOr<std::string> PutSnapshot(const Identity& caller, ByteSource& body);
  CapacityView Capacity();

  const JobServiceOptions& options() const { return options_; }

 private:
  // What a mutation of a job record asks to be written.
  enum class Write { kNone, kQuiet, kWithEvent };
  using Mutation = std::function<StatusOr<Write>(JobRecord&)>;

  // An attempt this controller is watching: launching (recorded as launching, no execution
  // yet) or running.
  struct LiveAttempt {
    exec::Execution execution;
    ResourceTotals resources;
    bool terminate_sent = false;
    int poll_failures = 0;          // consecutive
    bool launching = false;         // the launch is not yet recorded as Running
    bool launch_in_flight = false;  // the launcher is working on it
  };

  // One launch handed to the launcher: everything it needs without touching the store.
  struct LaunchTask {
    std::string job_id;
    int attempt = 0;
    JobSpec spec;
    std::string run_id;
    std::string token;  // the attempt's API token (plain text, only ever in the job's env)
  };
  struct LaunchResult {
    std::string job_id;
    int attempt = 0;
    StatusOr<exec::Execution> execution = InternalError("not launched");
  };

  // The outcome of an ended attempt for the job's record.
  struct Outcome {
    JobState state = JobState::kFailed;
    std::string reason;
    std::string last_failure;
    int64_t next_attempt_at = 0;
  };

  void Loop();
  void LauncherLoop();
  void Wake();
  // Re-attaches running attempts and recovers launching ones (after a restart).
  void Resume();

  // Applies `mutate` to `current` and writes it (with an event built from the result when
  // asked); on a version conflict re-reads the job and applies `mutate` again. Returns the
  // record as stored (unchanged when the mutation wrote nothing).
  StatusOr<JobRecord> Mutate(JobRecord current, const Mutation& mutate);

  StatusOr<JobRecord> GetVisible(const Identity& caller, std::string_view job_id);
  JobView View(const JobRecord& record) const;
  static JobSpec SpecOf(const JobRecord& record);
  static ResourceTotals ResourcesOf(const JobSpec& spec);

  StatusOr<std::vector<JobRecord>> LoadActive();
  void TendRunning(const JobRecord& job, int64_t now);
  void FinishAttempt(const JobRecord& job, const exec::Execution& execution,
                     const exec::ExecutionStatus& status, bool have_execution);
  Outcome Decide(const JobRecord& r, const PersistedResult& pr, const JobSpec& spec,
                 const exec::ExecutionStatus& status, int64_t now) const;
  void UploadOutputs(const JobRecord& job, const JobSpec& spec, const exec::Execution& execution,
                     std::vector<JobArtifact>& artifacts, std::vector<std::string>& notes);
  void UploadLog(std::string_view job_id);
  void FinishRun(const JobRecord& job);
  void Admit(std::vector<JobRecord> queued, int64_t now);
  // Records "launching attempt N" (with its token) and hands the launch to the launcher.
  Status BeginLaunch(const JobRecord& job, int64_t now);
  // Runs on the launcher thread (or inline in tests): stages the code and calls Launch.
  LaunchResult RunLaunch(const LaunchTask& task);
  void ApplyLaunchResults();
  // A job recorded as launching that no launch in flight covers (a restart): asks the
  // executor whether it started, and records the answer.
  void TendLaunching(const JobRecord& job, const PersistedResult& pr);
  void RecordLaunched(const JobRecord& job, int attempt, const exec::Execution& execution);
  // Clears the launching record of an attempt that did not start; revokes its token.
  void UndoLaunch(const JobRecord& job, int attempt, const std::string& waiting_reason);
  void SweepWorkspaces(int64_t now);
  void RemoveWorkspace(const std::string& job_id);
  void FailToStart(const JobRecord& job, int attempt, const Status& error);
  void SetWaitingReason(const JobRecord& job, const std::string& reason);
  // Why a request exceeds the executor's total capacity; "" when it fits.
  static std::string NeverFits(const ResourceTotals& want, const Resources& total);
  void FailUnrunnable(const JobRecord& job, const std::string& why);
  void CancelQueued(const JobRecord& job, const std::string& by);
  void DrainOrphans();
  void PublishHeld();
  void RevokeToken(const std::string& token_id);
  // On start: revokes every attempt token that no active job's record holds.
  void RevokeEndedAttemptTokens();
  // What the token of `attempt` may touch: its job, its run (and experiment), the run's artifact
  // root and the experiment's logged models, as keys of the server's artifact store.
  TokenScope AttemptScope(const JobRecord& job, int attempt);

  store::MetadataStore& store_;
  artifacts::ArtifactStore& artifacts_;
  exec::Executor& executor_;
  sched::Admission& admission_;
  tracking::TrackingService& tracking_;
  const Clock& clock_;
  const JobServiceOptions options_;
  artifacts::ArtifactUriResolver resolver_;

  // Serialises passes (the loop thread, or RunOnceForTest) and Start's re-attach; guards the
  // controller's own state below.
  std::mutex pass_mu_;
  std::map<std::string, LiveAttempt> live_;  // GUARDED_BY(pass_mu_): job id -> attempt
  // Attempts launched but then refused by the store (a cancel won the race): stopped, and
  // released once they end. GUARDED_BY(pass_mu_)
  std::vector<exec::Execution> draining_;

  std::optional<int64_t> last_sweep_;  // GUARDED_BY(pass_mu_)

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable launcher_cv_;
  bool wake_ = false;                    // GUARDED_BY(mu_)
  bool stop_ = false;                    // GUARDED_BY(mu_)
  bool started_ = false;                 // GUARDED_BY(mu_)
  ResourceTotals held_;                  // GUARDED_BY(mu_): what live attempts hold, for Capacity()
  std::deque<LaunchTask> launch_queue_;  // GUARDED_BY(mu_)
  std::vector<LaunchResult> launch_results_;  // GUARDED_BY(mu_)
  std::thread thread_;
  std::thread launcher_thread_;
};

// --- Loop ------------------------------------------------------------------------------------

Status JobService::Controller::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return FailedPreconditionError("the job controller is already started");
    started_ = true;
  }
  if (!options_.start_thread) {
    Resume();
    return OkStatus();
  }
  // Re-attaching and recovering happen on the loop thread, first: a restart that finds a
  // finished attempt with a large output to store must not keep the server from listening.
  thread_ = std::thread([this] {
    Resume();
    Loop();
  });
  launcher_thread_ = std::thread([this] { LauncherLoop(); });
  return OkStatus();
}

void JobService::Controller::Resume() {
  // Every attempt that was running or launching when the server stopped is found again
  // before anything new is admitted; an attempt that cannot be re-attached is finished as
  // lost (and retried per its policy).
  std::lock_guard pass_lock(pass_mu_);
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
  PublishHeld();
  RevokeEndedAttemptTokens();
}

void JobService::Controller::RevokeEndedAttemptTokens() {
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
  StatusOr<int> revoked = auth::RevokeEndedAttemptTokens(store_.tokens(), live_tokens);
  if (!revoked.ok()) {
    spdlog::warn("jobs: revoking the tokens of ended attempts: {}", revoked.status().ToString());
  } else if (*revoked > 0) {
    spdlog::info("jobs: revoked {} token(s) of ended attempts", *revoked);
  }
}

void JobService::Controller::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  launcher_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (launcher_thread_.joinable()) launcher_thread_.join();
}

void JobService::Controller::LauncherLoop() {
  while (true) {
    LaunchTask task;
    {
      std::unique_lock lock(mu_);
      launcher_cv_.wait(lock, [this] { return stop_ || !launch_queue_.empty(); });
      // A launch not yet started is simply dropped: its launching record makes the next
      // start find that nothing ran (Recover) and launch it then.
      if (stop_) return;
      task = std::move(launch_queue_.front());
      launch_queue_.pop_front();
    }
    LaunchResult result = RunLaunch(task);
    {
      std::lock_guard lock(mu_);
      launch_results_.push_back(std::move(result));
      wake_ = true;
    }
    cv_.notify_all();
  }
}

void JobService::Controller::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void JobService::Controller::Loop() {
  while (true) {
    Pass();
    std::unique_lock lock(mu_);
    // A submit or cancel wakes the loop at once (submit-to-launch latency); otherwise running
    // attempts are polled every poll_interval_millis and due retries are picked up then.
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_millis),
                 [this] { return stop_ || wake_; });
    if (stop_) return;
    wake_ = false;
  }
}

void JobService::Controller::Pass() {
  std::lock_guard pass_lock(pass_mu_);
  DrainOrphans();
  ApplyLaunchResults();
  StatusOr<std::vector<JobRecord>> active = LoadActive();
  if (!active.ok()) {
    spdlog::warn("jobs: listing active jobs failed: {}", active.status().ToString());
    return;
  }
  const int64_t now = clock_.NowMillis();
  std::vector<JobRecord> queued;
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
      case JobState::kRunning:
        TendRunning(job, now);
        break;
      default:
        break;
    }
  }
  Admit(std::move(queued), now);
  ApplyLaunchResults();  // the launches run inline when there is no launcher thread
  SweepWorkspaces(now);
  PublishHeld();
}

StatusOr<std::vector<JobRecord>> JobService::Controller::LoadActive() {
  store::JobQuery query;
  query.states = {JobState::kPending, JobState::kQueued, JobState::kRunning};
  query.max_results = kMaxListPage;
  std::vector<JobRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(store::Page<JobRecord> page, store_.jobs().ListJobs(query));
    for (JobRecord& r : page.items) out.push_back(std::move(r));
    if (page.next_page_token.empty()) break;
    ASSIGN_OR_RETURN(query.offset, search::DecodePageToken(page.next_page_token));
  }
  return out;
}

StatusOr<JobRecord> JobService::Controller::Mutate(JobRecord current, const Mutation& mutate) {
  for (int i = 0; i < kMaxWriteAttempts; ++i) {
    JobRecord next = current;
    ASSIGN_OR_RETURN(Write write, mutate(next));
    if (write == Write::kNone) return current;
    next.updated_at = clock_.NowMillis();
    std::optional<store::JobEvent> event;
    if (write == Write::kWithEvent) {
      event =
          store::JobEvent{next.job_id, 0, next.updated_at, next.state, next.attempt, next.reason};
    }
    StatusOr<int64_t> version = store_.jobs().UpdateJob(next, event);
    if (version.ok()) {
      next.version = *version;
      return next;
    }
    if (version.status().code() != StatusCode::kAborted) return version.status();
    // Someone else wrote first (a cancel, usually): re-read and re-apply.
    ASSIGN_OR_RETURN(current, store_.jobs().GetJob(current.job_id));
  }
  return AbortedError("job " + current.job_id + " kept changing while being updated; try again");
}

void JobService::Controller::PublishHeld() {
  ResourceTotals held;
  for (const auto& [id, live] : live_) {
    held.cpu_millis += live.resources.cpu_millis;
    held.memory_bytes += live.resources.memory_bytes;
    held.gpus += live.resources.gpus;
  }
  std::lock_guard lock(mu_);
  held_ = held;
}

TokenScope JobService::Controller::AttemptScope(const JobRecord& job, int attempt) {
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

void JobService::Controller::RevokeToken(const std::string& token_id) {
  if (token_id.empty()) return;
  Status s = store_.tokens().RevokeToken(token_id);
  if (!s.ok()) spdlog::warn("jobs: revoking attempt token {}: {}", token_id, s.ToString());
}

void JobService::Controller::DrainOrphans() {
  for (auto it = draining_.begin(); it != draining_.end();) {
    StatusOr<exec::ExecutionStatus> status = executor_.Poll(*it);
    if (!status.ok() || status->finished) {
      (void)executor_.Release(*it);
      it = draining_.erase(it);
    } else {
      ++it;
    }
  }
}

// --- Running attempts ----------------------------------------------------------------------

void JobService::Controller::TendRunning(const JobRecord& job, int64_t now) {
  auto it = live_.find(job.job_id);
  if (it == live_.end()) {
    // Not watched by this process yet: the server restarted while the attempt ran.
    exec::Execution lost_execution{job.job_id, job.attempt, {}, "", job.executor_state};
    StatusOr<exec::Execution> execution =
        job.executor_state.empty()
            ? StatusOr<exec::Execution>(NotFoundError("no executor state was recorded"))
            : executor_.Reattach(job.job_id, job.executor_state);
    if (!execution.ok()) {
      spdlog::warn("jobs: re-attaching {} attempt {} failed: {}", job.job_id, job.attempt,
                   execution.status().ToString());
      exec::ExecutionStatus lost;
      lost.finished = true;
      lost.vanished = true;
      FinishAttempt(job, lost_execution, lost, /*have_execution=*/false);
      return;
    }
    LiveAttempt live;
    live.execution = *execution;
    live.resources = ResourcesOf(SpecOf(job));
    it = live_.insert_or_assign(job.job_id, std::move(live)).first;
  }
  LiveAttempt& live = it->second;

  StatusOr<exec::ExecutionStatus> status = executor_.Poll(live.execution);
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
    exec::ExecutionStatus lost;
    lost.finished = true;
    lost.vanished = true;
    status = lost;
  }
  live.poll_failures = 0;
  if (status->finished) {
    FinishAttempt(job, live.execution, *status, /*have_execution=*/true);
    return;
  }
  if (live.terminate_sent) return;

  PersistedResult pr = ResultOf(job.result_json);
  const JobSpec spec = SpecOf(job);
  const auto timeout_millis = static_cast<int64_t>(spec.timeout_hours * 3'600'000.0);
  const bool timed_out =
      pr.stopping == "timeout" ||
      (pr.attempt_started_at > 0 && now - pr.attempt_started_at >= timeout_millis);
  if (!job.cancel_requested && !timed_out) return;

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

JobService::Controller::Outcome JobService::Controller::Decide(const JobRecord& r,
                                                               const PersistedResult& pr,
                                                               const JobSpec& spec,
                                                               const exec::ExecutionStatus& status,
                                                               int64_t now) const {
  const std::string attempt = "attempt " + std::to_string(r.attempt);
  const int max_attempts = spec.retries + 1;
  Outcome o;
  if (pr.stopping == "timeout") {
    o.state = JobState::kTimedOut;
    o.last_failure = "timed out after " + FormatHours(spec.timeout_hours) + " (" + attempt + ")";
    o.reason = attempt + " exceeded the timeout of " + FormatHours(spec.timeout_hours) +
               " and was stopped";
    return o;
  }
  if (!status.vanished && status.exit_code == 0 && status.signal == 0) {
    o.state = JobState::kSucceeded;
    o.reason = attempt + " succeeded";
    return o;
  }

  std::string what;  // what happened to the attempt
  std::string verb = "failed";
  if (status.vanished) {
    verb = "lost";
    what = "the job's processes vanished (server restart or external kill)";
  } else if (!status.message.empty()) {
    what = status.message;
  } else if (status.signal != 0) {
    what = "killed by signal " + std::to_string(status.signal);
  } else {
    what = "exited with code " + std::to_string(status.exit_code);
  }
  if (status.oom_killed) {
    what += "; the job needs more memory than its limit of " +
            (spec.resources.memory.empty() ? std::string("(none set)") : spec.resources.memory) +
            ": raise resources.memory (--memory)";
  }
  o.last_failure = what + " (" + attempt + ")";
  const std::string base = attempt + " " + verb + ": " + what;

  if (r.cancel_requested) {
    o.state = JobState::kCancelled;
    o.reason = "cancelled; " + attempt + " stopped (" + what + ")";
    o.last_failure.clear();
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

void JobService::Controller::FinishAttempt(const JobRecord& job, const exec::Execution& execution,
                                           const exec::ExecutionStatus& status,
                                           bool have_execution) {
  const int64_t now = clock_.NowMillis();
  const JobSpec spec = SpecOf(job);
  const PersistedResult before = ResultOf(job.result_json);
  // The attempt is over: its token stops working before anyone can see it ended.
  RevokeToken(before.token_id);

  // The log is kept in the artifact store after every attempt, so it outlives the executor's
  // workspace.
  UploadLog(job.job_id);

  bool outputs_done = false;
  std::vector<JobArtifact> artifacts;
  std::vector<std::string> notes;
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    if (r.state != JobState::kRunning || r.attempt != job.attempt) return Write::kNone;
    PersistedResult pr = ResultOf(r.result_json);
    Outcome o = Decide(r, pr, spec, status, now);
    const bool terminal = store::IsTerminal(o.state);
    if (terminal && !outputs_done && have_execution) {
      UploadOutputs(r, spec, execution, artifacts, notes);
      outputs_done = true;
    }
    r.state = o.state;
    r.reason = o.reason;
    for (const std::string& note : notes) r.reason += "; " + note;
    r.next_attempt_at = o.next_attempt_at;
    r.executor_state.clear();
    if (terminal) r.finished_at = now;
    pr.result.exit_code = status.vanished ? std::nullopt : std::optional<int>(status.exit_code);
    pr.result.signal = status.signal;
    pr.result.gpu_indices = execution.gpu_indices;
    if (!o.last_failure.empty()) pr.result.last_failure = o.last_failure;
    if (terminal) pr.result.artifacts = artifacts;
    pr.attempt_started_at = 0;
    pr.token_id.clear();
    pr.stopping.clear();
    r.result_json = EncodeResult(pr);
    return Write::kWithEvent;
  });
  if (!updated.ok()) {
    // Keep watching: the next pass polls the finished attempt again and retries the write.
    spdlog::warn("jobs: recording the end of {} attempt {}: {}", job.job_id, job.attempt,
                 updated.status().ToString());
    return;
  }
  if (have_execution) {
    Status s = executor_.Release(execution);
    if (!s.ok()) spdlog::warn("jobs: releasing {}: {}", job.job_id, s.ToString());
  }
  live_.erase(job.job_id);
  if (store::IsTerminal(updated->state)) {
    FinishRun(*updated);
    // Its log and outputs are stored now.
    if (options_.workspace_retention_millis == 0) RemoveWorkspace(job.job_id);
  }
}

void JobService::Controller::RemoveWorkspace(const std::string& job_id) {
  Status s = executor_.RemoveWorkspace(job_id);
  if (!s.ok()) spdlog::warn("jobs: removing the workspace of {}: {}", job_id, s.ToString());
}

void JobService::Controller::SweepWorkspaces(int64_t now) {
  if (options_.workspace_retention_millis < 0) return;
  if (last_sweep_ && now - *last_sweep_ < options_.workspace_sweep_interval_millis) return;
  last_sweep_ = now;
  StatusOr<std::vector<std::string>> workspaces = executor_.ListWorkspaces();
  if (!workspaces.ok()) {
    spdlog::warn("jobs: listing workspaces: {}", workspaces.status().ToString());
    return;
  }
  for (const std::string& id : *workspaces) {
    if (live_.contains(id)) continue;
    // A workspace whose job this store does not know is left alone: it may be another
    // server's.
    StatusOr<JobRecord> job = store_.jobs().GetJob(id);
    if (!job.ok() || !store::IsTerminal(job->state)) continue;
    if (job->finished_at + options_.workspace_retention_millis <= now) RemoveWorkspace(id);
  }
}

void JobService::Controller::UploadLog(std::string_view job_id) {
  StatusOr<std::unique_ptr<ByteSource>> log = executor_.OpenLog(job_id, 0);
  if (!log.ok()) return;  // no local log: nothing was written
  Status s = artifacts_.Put(internal::LogKey(job_id), **log);
  if (!s.ok()) spdlog::warn("jobs: uploading the log of {}: {}", job_id, s.ToString());
}

void JobService::Controller::UploadOutputs(const JobRecord& job, const JobSpec& spec,
                                           const exec::Execution& execution,
                                           std::vector<JobArtifact>& artifacts,
                                           std::vector<std::string>& notes) {
  if (spec.output_artifacts.empty()) return;
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
  for (const auto& [name, path] : spec.output_artifacts) {
    // One name at a time, so one missing output does not hide the others.
    StatusOr<std::vector<exec::OutputFile>> files =
        executor_.CollectOutputs(execution, {{name, path}});
    if (!files.ok()) {
      notes.push_back(files.status().code() == StatusCode::kNotFound
                          ? "output artifact '" + name + "' was not written"
                          : "output artifact '" + name +
                                "' could not be collected: " + files.status().message());
      continue;
    }
    for (const exec::OutputFile& file : *files) {
      StatusOr<std::unique_ptr<ByteSource>> body = OpenFileSource(file.local_path);
      Status s = body.ok() ? artifacts_.Put(OutputKey(job.job_id, file.name), **body, file.size)
                           : body.status();
      if (!s.ok()) {
        notes.push_back("output artifact '" + file.name + "' could not be stored: " + s.message());
        continue;
      }
      JobArtifact artifact{file.name, "mlflow-artifacts:/" + OutputKey(job.job_id, file.name),
                           file.size};
      if (run_location) {
        body = OpenFileSource(file.local_path);
        s = body.ok() ? run_location->store->Put(run_location->KeyFor(file.name), **body, file.size)
                      : body.status();
        if (s.ok()) {
          artifact.uri = tracking::AppendUriPath(run_artifact_uri, {file.name});
        } else {
          notes.push_back("output artifact '" + file.name +
                          "' could not be logged to the MLflow run: " + s.message());
        }
      }
      artifacts.push_back(std::move(artifact));
    }
  }
}

void JobService::Controller::FinishRun(const JobRecord& job) {
  if (job.run_id.empty()) return;
  const Identity owner{job.user, "", false};
  StatusOr<store::Run> run = tracking_.GetRun(owner, job.run_id);
  if (!run.ok()) {
    spdlog::warn("jobs: reading run {} of {}: {}", job.run_id, job.job_id, run.status().ToString());
    return;
  }
  // A script that ended its run itself (mlflow.end_run) keeps the status it chose.
  if (run->info.status != store::RunStatus::kRunning) return;
  store::RunStatus status = store::RunStatus::kKilled;
  if (job.state == JobState::kSucceeded) status = store::RunStatus::kFinished;
  if (job.state == JobState::kFailed) status = store::RunStatus::kFailed;
  StatusOr<store::RunInfo> updated =
      tracking_.UpdateRun(owner, job.run_id, status, clock_.NowMillis(), std::nullopt);
  if (!updated.ok()) {
    spdlog::warn("jobs: ending run {} of {}: {}", job.run_id, job.job_id,
                 updated.status().ToString());
  }
}

// --- Admission and launch --------------------------------------------------------------------

void JobService::Controller::Admit(std::vector<JobRecord> queued, int64_t now) {
  std::sort(queued.begin(), queued.end(), [](const JobRecord& a, const JobRecord& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.job_id < b.job_id;
  });
  const exec::Capacity capacity = executor_.capacity();
  const Resources total{capacity.cpu_millis, capacity.memory_bytes,
                        static_cast<int>(capacity.gpus.size())};
  std::map<std::string, const JobRecord*> by_id;
  std::vector<sched::Demand> demands;
  for (const JobRecord& job : queued) {
    if (job.cancel_requested) {
      CancelQueued(job, "");
      continue;
    }
    if (job.next_attempt_at > now) continue;  // backing off before a retry
    const ResourceTotals r = ResourcesOf(SpecOf(job));
    // Submit rejects what can never fit; this catches an executor that shrank since (a
    // restart with fewer GPUs), so such jobs fail instead of waiting forever.
    if (std::string never = NeverFits(r, total); !never.empty()) {
      FailUnrunnable(job, never);
      continue;
    }
    demands.push_back(sched::Demand{job.job_id, job.team, job.priority_class, job.created_at,
                                    Resources{r.cpu_millis, r.memory_bytes, r.gpus}});
    by_id[job.job_id] = &job;
  }
  if (demands.empty()) return;

  Resources free = total;
  for (const auto& [id, live] : live_) {
    free.cpu_millis -= live.resources.cpu_millis;
    free.memory_bytes -= live.resources.memory_bytes;
    free.gpus -= live.resources.gpus;
  }
  free.cpu_millis = std::max<int64_t>(free.cpu_millis, 0);
  free.memory_bytes = std::max<int64_t>(free.memory_bytes, 0);
  free.gpus = std::max(free.gpus, 0);

  const sched::Decision decision = admission_.Decide(demands, free, total);
  for (const std::string& id : decision.admit) {
    auto it = by_id.find(id);
    if (it == by_id.end()) continue;
    Status s = BeginLaunch(*it->second, now);
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

std::string JobService::Controller::NeverFits(const ResourceTotals& want, const Resources& total) {
  if (want.gpus > total.gpus) {
    return "requests " + std::to_string(want.gpus) + (want.gpus == 1 ? " GPU" : " GPUs") +
           " but this executor has " + std::to_string(total.gpus);
  }
  if (total.cpu_millis > 0 && want.cpu_millis > total.cpu_millis) {
    return "requests " + std::to_string(want.cpu_millis) + "m CPU but this executor has " +
           std::to_string(total.cpu_millis) + "m";
  }
  if (total.memory_bytes > 0 && want.memory_bytes > total.memory_bytes) {
    return "requests " + FormatMemoryQuantity(want.memory_bytes) +
           " of memory but this executor has " + FormatMemoryQuantity(total.memory_bytes);
  }
  return "";
}

void JobService::Controller::FailUnrunnable(const JobRecord& job, const std::string& why) {
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    if (r.state != JobState::kQueued) return Write::kNone;
    r.state = JobState::kFailed;
    r.reason = "can never start: " + why;
    r.finished_at = clock_.NowMillis();
    r.next_attempt_at = 0;
    return Write::kWithEvent;
  });
  if (!updated.ok()) {
    spdlog::warn("jobs: failing {}: {}", job.job_id, updated.status().ToString());
    return;
  }
  if (updated->state == JobState::kFailed) FinishRun(*updated);
}

void JobService::Controller::SetWaitingReason(const JobRecord& job, const std::string& reason) {
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

void JobService::Controller::CancelQueued(const JobRecord& job, const std::string& by_in) {
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    if (r.state != JobState::kQueued && r.state != JobState::kPending) return Write::kNone;
    PersistedResult pr = ResultOf(r.result_json);
    if (pr.launching_attempt > 0) return Write::kNone;  // stopped once its launch is known
    const std::string by = by_in.empty() ? pr.cancelled_by : by_in;
    r.state = JobState::kCancelled;
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
  if (updated->state == JobState::kCancelled) FinishRun(*updated);
}

Status JobService::Controller::BeginLaunch(const JobRecord& job, int64_t /*now*/) {
  const JobSpec spec = SpecOf(job);
  const int attempt = job.attempt + 1;

  // A token for this attempt only, in the submitting user's name, limited to what the
  // attempt owns (auth/token_scope.h), revoked when it ends.
  StatusOr<auth::IssuedToken> issued =
      auth::IssueToken(store_.tokens(), clock_, job.user, AttemptScope(job, attempt));
  if (!issued.ok()) {
    spdlog::warn("jobs: creating the token for {}: {}", job.job_id, issued.status().ToString());
    return issued.status();
  }
  const std::string& token = issued->token;
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
    RevokeToken(token_id);
    return launching.ok() ? OkStatus() : launching.status();
  }

  LiveAttempt live;
  live.resources = ResourcesOf(spec);
  live.launching = true;
  live.launch_in_flight = true;
  live_[job.job_id] = std::move(live);
  LaunchTask task{job.job_id, attempt, spec, job.run_id, token};
  if (!options_.start_thread) {
    LaunchResult result = RunLaunch(task);
    std::lock_guard lock(mu_);
    launch_results_.push_back(std::move(result));
    return OkStatus();
  }
  {
    std::lock_guard lock(mu_);
    launch_queue_.push_back(std::move(task));
  }
  launcher_cv_.notify_one();
  return OkStatus();
}

JobService::Controller::LaunchResult JobService::Controller::RunLaunch(const LaunchTask& task) {
  LaunchResult result;
  result.job_id = task.job_id;
  result.attempt = task.attempt;
  const JobSpec& spec = task.spec;

  // The executor keeps the unpacked code across attempts: only the first one needs it.
  std::optional<TempFile> code;
  int64_t code_bytes = 0;
  if (task.attempt == 1 && !spec.code_snapshot.empty()) {
    StatusOr<TempFile> downloaded = DownloadToTempFile(artifacts_, SnapshotKey(spec.code_snapshot));
    if (!downloaded.ok()) {
      // kNotFound and friends stay permanent: the snapshot is gone.
      result.execution =
          downloaded.status().WithContext("fetching code snapshot '" + spec.code_snapshot + "'");
      return result;
    }
    code.emplace(*std::move(downloaded));
    std::error_code ec;
    code_bytes = static_cast<int64_t>(std::filesystem::file_size(code->path(), ec));
  }

  exec::LaunchRequest request;
  request.job_id = task.job_id;
  request.attempt = task.attempt;
  request.argv = ResolveArgv(spec, options_.python);
  request.env = spec.env;
  request.env["MLFLOW_TRACKING_URI"] = options_.server_url;
  request.env["MLFLOW_RUN_ID"] = task.run_id;
  request.env["MLFLOW_TRACKING_TOKEN"] = task.token;
  request.env["INET_URL"] = options_.server_url;
  request.env["INET_TOKEN"] = task.token;
  request.env["INET_JOB_ID"] = task.job_id;
  request.code_archive_path = code ? code->path() : "";
  if (code && options_.snapshot_unpack_ratio > 0) {
    // A gzip bomb is refused after unpacking a small multiple of its own size, not 16 GiB.
    request.code_max_unpacked_bytes =
        std::max(kMinUnpackedSnapshotBytes, code_bytes * options_.snapshot_unpack_ratio);
  }
  request.workdir = spec.workdir;
  const ResourceTotals resources = ResourcesOf(spec);
  request.resources = Resources{resources.cpu_millis, resources.memory_bytes, resources.gpus};
  request.processes = spec.processes;
  request.distributed_backend = spec.distributed_backend;
  result.execution = executor_.Launch(request);
  return result;
}

void JobService::Controller::ApplyLaunchResults() {
  std::vector<LaunchResult> results;
  {
    std::lock_guard lock(mu_);
    results.swap(launch_results_);
  }
  for (LaunchResult& result : results) {
    auto live = live_.find(result.job_id);
    if (live != live_.end()) live->second.launch_in_flight = false;
    StatusOr<JobRecord> job = store_.jobs().GetJob(result.job_id);
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

void JobService::Controller::TendLaunching(const JobRecord& job, const PersistedResult& pr) {
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
    live.resources = ResourcesOf(SpecOf(job));
    live.launching = true;
    live_[job.job_id] = std::move(live);
  }
}

void JobService::Controller::RecordLaunched(const JobRecord& job, int attempt,
                                            const exec::Execution& execution) {
  const int64_t now = clock_.NowMillis();
  std::string token_id;
  // Persist Running and the executor's handle before relying on them: a restart re-attaches
  // from exactly this record. A cancel that arrived while the attempt was launching stops it.
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    PersistedResult pr = ResultOf(r.result_json);
    if (r.state != JobState::kQueued || pr.launching_attempt != attempt) return Write::kNone;
    token_id = pr.token_id;
    pr.launching_attempt = 0;
    if (r.cancel_requested) {
      r.state = JobState::kCancelled;
      r.reason = pr.cancelled_by.empty() ? "cancelled before it started"
                                         : "cancelled by " + pr.cancelled_by + " before it started";
      r.finished_at = now;
      r.next_attempt_at = 0;
      pr.token_id.clear();
      r.result_json = EncodeResult(pr);
      return Write::kWithEvent;
    }
    r.state = JobState::kRunning;
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
    r.result_json = EncodeResult(pr);
    return Write::kWithEvent;
  });
  if (!updated.ok()) {
    // The launching record stays: the next pass finds the attempt again through Recover.
    spdlog::warn("jobs: recording the start of {}: {}", job.job_id, updated.status().ToString());
    auto it = live_.find(job.job_id);
    if (it != live_.end()) it->second.launch_in_flight = false;
    return;
  }
  if (updated->state == JobState::kRunning && updated->attempt == attempt) {
    LiveAttempt live;
    live.execution = execution;
    live.resources = ResourcesOf(SpecOf(*updated));
    live_[job.job_id] = std::move(live);
    return;
  }
  // Cancelled meanwhile (or no longer launching this attempt): it must not run unrecorded.
  live_.erase(job.job_id);
  (void)executor_.Terminate(execution, 0);
  draining_.push_back(execution);
  RevokeToken(token_id);
  if (updated->state == JobState::kCancelled) FinishRun(*updated);
}

void JobService::Controller::UndoLaunch(const JobRecord& job, int attempt,
                                        const std::string& waiting_reason) {
  std::string token_id;
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    PersistedResult pr = ResultOf(r.result_json);
    if (r.state != JobState::kQueued || pr.launching_attempt != attempt) return Write::kNone;
    token_id = pr.token_id;
    pr.launching_attempt = 0;
    pr.token_id.clear();
    r.result_json = EncodeResult(pr);
    if (!waiting_reason.empty()) r.reason = waiting_reason;
    return Write::kQuiet;
  });
  if (!updated.ok()) {
    spdlog::warn("jobs: undoing the launch of {}: {}", job.job_id, updated.status().ToString());
    return;
  }
  live_.erase(job.job_id);
  RevokeToken(token_id);
}

void JobService::Controller::FailToStart(const JobRecord& job, int attempt, const Status& error) {
  // Launch errors the executor calls permanent (a missing program, an impossible request, a
  // missing snapshot) fail the job; others count as a failed attempt and are retried.
  const bool permanent = error.code() == StatusCode::kInvalidArgument ||
                         error.code() == StatusCode::kNotFound ||
                         error.code() == StatusCode::kFailedPrecondition;
  const JobSpec spec = SpecOf(job);
  const int64_t now = clock_.NowMillis();
  std::string token_id;
  StatusOr<JobRecord> updated = Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
    PersistedResult pr = ResultOf(r.result_json);
    if (r.state != JobState::kQueued || pr.launching_attempt != attempt) return Write::kNone;
    token_id = pr.token_id;
    pr.launching_attempt = 0;
    pr.token_id.clear();
    r.attempt = attempt;
    exec::ExecutionStatus status;
    status.finished = true;
    status.exit_code = -1;
    status.message = "could not start: " + error.message();
    if (permanent) {
      r.state = JobState::kFailed;
      r.reason = "attempt " + std::to_string(attempt) + " could not start: " + error.message();
      r.finished_at = now;
      pr.result.last_failure = status.message + " (attempt " + std::to_string(attempt) + ")";
    } else {
      Outcome o = Decide(r, pr, spec, status, now);
      r.state = o.state;
      r.reason = o.reason;
      r.next_attempt_at = o.next_attempt_at;
      if (store::IsTerminal(o.state)) r.finished_at = now;
      if (!o.last_failure.empty()) pr.result.last_failure = o.last_failure;
    }
    r.result_json = EncodeResult(pr);
    return Write::kWithEvent;
  });
  if (!updated.ok()) {
    spdlog::warn("jobs: recording that {} could not start: {}", job.job_id,
                 updated.status().ToString());
    return;
  }
  live_.erase(job.job_id);
  RevokeToken(token_id);
  if (store::IsTerminal(updated->state)) FinishRun(*updated);
}

// --- Views -----------------------------------------------------------------------------------

JobSpec JobService::Controller::SpecOf(const JobRecord& record) {
  StatusOr<JobSpec> spec = JobSpecFromJson(record.spec_json);
  if (spec.ok()) return *std::move(spec);
  // Specs are validated before they are stored; keep what the record itself knows.
  JobSpec fallback;
  fallback.name = record.name;
  fallback.team = record.team;
  fallback.priority_class = record.priority_class;
  return fallback;
}

ResourceTotals JobService::Controller::ResourcesOf(const JobSpec& spec) {
  ResourceTotals r;
  // Stored specs were validated, so the quantities parse.
  if (StatusOr<int64_t> cpu = ParseCpuQuantity(spec.resources.cpu);
      !spec.resources.cpu.empty() && cpu.ok()) {
    r.cpu_millis = *cpu;
  }
  if (StatusOr<int64_t> memory = ParseMemoryQuantity(spec.resources.memory);
      !spec.resources.memory.empty() && memory.ok()) {
    r.memory_bytes = *memory;
  }
  r.gpus = spec.resources.gpu;
  return r;
}

JobView JobService::Controller::View(const JobRecord& record) const {
  JobView view;
  view.record = record;
  view.spec = SpecOf(record);
  view.result = ResultOf(record.result_json).result;
  view.max_attempts = view.spec.retries + 1;
  if (record.started_at > 0) {
    const int64_t end = record.finished_at > 0 ? record.finished_at : clock_.NowMillis();
    view.runtime_millis = std::max<int64_t>(end - record.started_at, 0);
  }
  return view;
}

StatusOr<JobRecord> JobService::Controller::GetVisible(const Identity& caller,
                                                       std::string_view job_id) {
  StatusOr<JobRecord> job = store_.jobs().GetJob(job_id);
  if (!job.ok()) return job.status();
  // Someone else's job is reported as missing, not forbidden: ids are not disclosed.
  if (!caller.is_admin && job->user != caller.user) {
    return NotFoundError("Job '" + std::string(job_id) + "' not found");
  }
  return job;
}

// --- Public API ------------------------------------------------------------------------------

StatusOr<JobView> JobService::Controller::Submit(const Identity& caller, JobSpec spec) {
  RETURN_IF_ERROR(Validate(spec));

  const ResourceTotals want = ResourcesOf(spec);
  const exec::Capacity capacity = executor_.capacity();
  if (want.gpus > static_cast<int>(capacity.gpus.size())) {
    return InvalidArgumentError("requests " + std::to_string(want.gpus) +
                                (want.gpus == 1 ? " GPU" : " GPUs") + " but this executor has " +
                                std::to_string(capacity.gpus.size()) +
                                "; lower resources.gpu (--gpu)");
  }
  if (capacity.cpu_millis > 0 && want.cpu_millis > capacity.cpu_millis) {
    return InvalidArgumentError("requests cpu \"" + spec.resources.cpu + "\" (" +
                                std::to_string(want.cpu_millis) + "m) but this executor has " +
                                std::to_string(capacity.cpu_millis) +
                                "m; lower resources.cpu (--cpu)");
  }
  if (capacity.memory_bytes > 0 && want.memory_bytes > capacity.memory_bytes) {
    return InvalidArgumentError(
        "requests memory \"" + spec.resources.memory + "\" but this executor has " +
        FormatMemoryQuantity(capacity.memory_bytes) + "; lower resources.memory (--memory)");
  }
  if (!spec.code_snapshot.empty()) {
    StatusOr<artifacts::ObjectInfo> snapshot = artifacts_.Head(SnapshotKey(spec.code_snapshot));
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
    StatusOr<JobRecord> existing = store_.jobs().GetJob(candidate);
    if (existing.ok()) continue;
    if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status().WithContext("submitting job");
    }
    job_id = std::move(candidate);
  }
  if (job_id.empty()) return InternalError("could not find a free job id; try again");

  // The MLflow experiment (created on first use; two submits racing to create it both win)
  // and the run the job logs into.
  std::string experiment_id;
  {
    StatusOr<store::Experiment> experiment = tracking_.GetExperimentByName(caller, spec.experiment);
    if (experiment.ok()) {
      experiment_id = experiment->experiment_id;
    } else if (experiment.status().code() == StatusCode::kNotFound) {
      StatusOr<std::string> created = tracking_.CreateExperiment(caller, spec.experiment, "", {});
      if (created.ok()) {
        experiment_id = *created;
      } else if (created.status().code() == StatusCode::kAlreadyExists) {
        ASSIGN_OR_RETURN(store::Experiment raced,
                         tracking_.GetExperimentByName(caller, spec.experiment));
        experiment_id = raced.experiment_id;
      } else {
        return created.status().WithContext("creating experiment '" + spec.experiment + "'");
      }
    } else {
      return experiment.status().WithContext("finding experiment '" + spec.experiment + "'");
    }
  }
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
  record.state = JobState::kPending;
  record.reason = "submitted by " + caller.user;
  record.created_at = now;
  record.updated_at = now;
  record.experiment_id = experiment_id;
  record.run_id = run->info.run_id;
  record.result_json = EncodeResult(PersistedResult{});
  record.version = 1;
  Status created = store_.jobs().CreateJob(
      record, store::JobEvent{job_id, 0, now, JobState::kPending, 0, record.reason});
  if (!created.ok()) {
    (void)tracking_.DeleteRun(caller, run->info.run_id);
    return created.WithContext("storing job " + job_id);
  }

  StatusOr<JobRecord> queued = Mutate(record, [](JobRecord& r) -> StatusOr<Write> {
    if (r.state != JobState::kPending) return Write::kNone;  // cancelled, or queued already
    r.state = JobState::kQueued;
    r.reason = "queued";
    return Write::kWithEvent;
  });
  Wake();
  // The job is stored: even if queueing failed here the controller queues it.
  if (!queued.ok()) return View(record);
  return View(*queued);
}

StatusOr<JobView> JobService::Controller::Get(const Identity& caller, std::string_view job_id) {
  ASSIGN_OR_RETURN(JobRecord job, GetVisible(caller, job_id));
  return View(job);
}

StatusOr<store::Page<JobView>> JobService::Controller::List(const Identity& caller,
                                                            const ListJobsRequest& request) {
  if (request.max_results < 1 || request.max_results > 1000) {
    return InvalidArgumentError("max_results must be between 1 and 1000, got " +
                                std::to_string(request.max_results));
  }
  store::JobQuery query;
  query.team = request.team;
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
  ASSIGN_OR_RETURN(store::Page<JobRecord> page, store_.jobs().ListJobs(query));
  store::Page<JobView> out;
  out.next_page_token = page.next_page_token;
  for (const JobRecord& r : page.items) out.items.push_back(View(r));
  return out;
}

StatusOr<JobView> JobService::Controller::Cancel(const Identity& caller, std::string_view job_id) {
  ASSIGN_OR_RETURN(JobRecord job, GetVisible(caller, job_id));
  ASSIGN_OR_RETURN(
      JobRecord updated, Mutate(job, [&](JobRecord& r) -> StatusOr<Write> {
        if (store::IsTerminal(r.state)) {
          return FailedPreconditionError("Job '" + r.job_id + "' already finished (" +
                                         std::string(store::JobStateName(r.state)) +
                                         "); there is nothing to cancel");
        }
        if (r.cancel_requested) return Write::kNone;
        r.cancel_requested = true;
        PersistedResult pr = ResultOf(r.result_json);
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
          r.finished_at = clock_.NowMillis();
          r.next_attempt_at = 0;
        }
        return Write::kWithEvent;
      }));
  if (updated.state == JobState::kCancelled) FinishRun(updated);
  Wake();
  return View(updated);
}

StatusOr<std::vector<store::JobEvent>> JobService::Controller::Events(const Identity& caller,
                                                                      std::string_view job_id) {
  ASSIGN_OR_RETURN(JobRecord job, GetVisible(caller, job_id));
  return store_.jobs().ListJobEvents(job.job_id);
}

StatusOr<std::unique_ptr<ByteSource>> JobService::Controller::OpenLogs(const Identity& caller,
                                                                       std::string_view job_id,
                                                                       int64_t offset, bool follow,
                                                                       int follow_idle_seconds) {
  if (offset < 0) return InvalidArgumentError("offset must be >= 0");
  ASSIGN_OR_RETURN(JobRecord job, GetVisible(caller, job_id));
  if (!follow) return internal::OpenJobLog(executor_, artifacts_, job.job_id, offset);
  return internal::FollowJobLog(executor_, artifacts_, store_.jobs(), job.job_id, offset,
                                std::max(follow_idle_seconds, 1));
}

StatusOr<std::string> JobService::Controller::PutSnapshot(const Identity& caller,
                                                          ByteSource& body) {
  (void)caller;  // any authenticated identity may upload code; jobs refer to it by id
  std::string id = "snap-" + RandomHex(8);
  const std::string key = SnapshotKey(id);
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

CapacityView JobService::Controller::Capacity() {
  const exec::Capacity capacity = executor_.capacity();
  CapacityView view;
  view.cpu_millis_total = capacity.cpu_millis;
  view.memory_bytes_total = capacity.memory_bytes;
  view.gpus_total = static_cast<int>(capacity.gpus.size());
  view.gpu_source = capacity.gpu_source;
  view.isolation = capacity.isolation;
  std::lock_guard lock(mu_);
  view.cpu_millis_used = held_.cpu_millis;
  view.memory_bytes_used = held_.memory_bytes;
  view.gpus_used = held_.gpus;
  return view;
}

// --- JobService ------------------------------------------------------------------------------

JobService::JobService(store::MetadataStore& store, artifacts::ArtifactStore& artifacts,
                       exec::Executor& executor, sched::Admission& admission,
                       tracking::TrackingService& tracking, const Clock& clock,
                       JobServiceOptions options)
    : controller_(std::make_unique<Controller>(store, artifacts, executor, admission, tracking,
                                               clock, std::move(options))) {}

JobService::~JobService() { Stop(); }

Status JobService::Start() { return controller_->Start(); }
void JobService::Stop() { controller_->Stop(); }

StatusOr<JobView> JobService::Submit(const Identity& caller, JobSpec spec) {
  return controller_->Submit(caller, std::move(spec));
}
StatusOr<JobView> JobService::Get(const Identity& caller, std::string_view job_id) {
  return controller_->Get(caller, job_id);
}
StatusOr<store::Page<JobView>> JobService::List(const Identity& caller,
                                                const ListJobsRequest& request) {
  return controller_->List(caller, request);
}
StatusOr<JobView> JobService::Cancel(const Identity& caller, std::string_view job_id) {
  return controller_->Cancel(caller, job_id);
}
StatusOr<std::vector<store::JobEvent>> JobService::Events(const Identity& caller,
                                                          std::string_view job_id) {
  return controller_->Events(caller, job_id);
}
StatusOr<std::unique_ptr<ByteSource>> JobService::OpenLogs(const Identity& caller,
                                                           std::string_view job_id, int64_t offset,
                                                           bool follow, int follow_idle_seconds) {
  return controller_->OpenLogs(caller, job_id, offset, follow, follow_idle_seconds);
}
StatusOr<std::string> JobService::PutSnapshot(const Identity& caller, ByteSource& body) {
  return controller_->PutSnapshot(caller, body);
}
CapacityView JobService::Capacity() { return controller_->Capacity(); }

void JobService::RunOnceForTest() { controller_->Pass(); }

}  // namespace inet::jobs
