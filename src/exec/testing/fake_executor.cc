#include "exec/testing/fake_executor.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "common/io.h"
#include "common/quantity.h"

namespace inet::exec {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string Owner(std::string_view job_id, int attempt) {
  return std::string(job_id) + "#" + std::to_string(attempt);
}

std::string StateJson(std::string_view job_id, int attempt, const std::vector<int>& gpus) {
  json::array gpu_array;
  for (int g : gpus) gpu_array.push_back(g);
  return json::serialize(json::object{
      {"job_id", std::string(job_id)}, {"attempt", attempt}, {"gpus", std::move(gpu_array)}});
}

}  // namespace

FakeExecutor::FakeExecutor(FakeExecutorOptions options, artifacts::ArtifactStore* artifacts)
    : options_(options), artifacts_(artifacts), gpu_owner_(std::max(options.gpus, 0)) {
  std::string tmpl = (fs::temp_directory_path() / "inet-fake-executor-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("FakeExecutor: mkdtemp");
    std::abort();
  }
  root_ = tmpl;
}

FakeExecutor::~FakeExecutor() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

std::string FakeExecutor::JobDir(std::string_view job_id) const {
  return root_ + "/" + std::string(job_id);
}

FakeExecutor::Attempt* FakeExecutor::CurrentLocked(std::string_view job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.empty()) return nullptr;
  return &it->second.rbegin()->second;
}

const FakeExecutor::Attempt* FakeExecutor::CurrentLocked(std::string_view job_id) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.empty()) return nullptr;
  return &it->second.rbegin()->second;
}

void FakeExecutor::FreeGpusLocked(Attempt& attempt) {
  if (!attempt.gpus_held) return;
  const std::string owner = Owner(attempt.job_id, attempt.attempt);
  for (int g : attempt.gpus) {
    if (g >= 0 && g < static_cast<int>(gpu_owner_.size()) && gpu_owner_[g] == owner) {
      gpu_owner_[g].clear();
    }
  }
  attempt.gpus_held = false;
}

void FakeExecutor::FinishLocked(Attempt& attempt, ExecutionEnd end, int exit_code, int signal,
                                std::string message) {
  attempt.status.phase = ExecutionPhase::kFinished;
  attempt.status.end = end;
  attempt.status.exit_code = exit_code;
  attempt.status.signal = signal;
  attempt.status.message = std::move(message);
}

std::vector<NodePool> FakeExecutor::node_pools() const {
  NodePool pool;
  pool.name = "fake";
  pool.allocatable = {options_.cpu_millis, options_.memory_bytes, std::max(options_.gpus, 0)};
  for (int i = 0; i < options_.gpus; ++i) {
    pool.gpu_devices.push_back(GpuDevice{i, "GPU-fake-" + std::to_string(i), "configured", 0});
  }
  pool.gpu_source = options_.gpus > 0 ? "configured" : "none";
  pool.isolation = "none (fake executor)";
  std::vector<NodePool> pools = {pool};
  pools.insert(pools.end(), options_.more_pools.begin(), options_.more_pools.end());
  return pools;
}

StatusOr<Execution> FakeExecutor::Launch(const LaunchRequest& request) {
  std::function<void(const LaunchRequest&)> hook;
  StatusOr<Execution> execution = LaunchLocked(request, hook);
  if (execution.ok() && hook) hook(request);
  return execution;
}

StatusOr<Execution> FakeExecutor::LaunchLocked(const LaunchRequest& request,
                                               std::function<void(const LaunchRequest&)>& hook) {
  std::lock_guard lock(mu_);
  hook = launch_hook_;
  if (fail_next_launch_) {
    Status s = std::move(*fail_next_launch_);
    fail_next_launch_.reset();
    return s;
  }
  const int want = request.resources.gpus;
  if (want > static_cast<int>(gpu_owner_.size())) {
    return InvalidArgumentError("requests " + std::to_string(want) +
                                " GPUs but this executor has " + std::to_string(gpu_owner_.size()));
  }
  std::vector<int> free;
  for (int i = 0; i < static_cast<int>(gpu_owner_.size()); ++i) {
    if (gpu_owner_[i].empty()) free.push_back(i);
  }
  if (static_cast<int>(free.size()) < want) {
    return ResourceExhaustedError("needs " + std::to_string(want) + " GPUs, " +
                                  std::to_string(free.size()) + " free");
  }
  Attempt* current = CurrentLocked(request.job_id);
  if (current != nullptr && !current->status.finished()) {
    return FailedPreconditionError("job " + request.job_id + " already has attempt " +
                                   std::to_string(current->attempt) + " running");
  }

  Attempt attempt;
  attempt.job_id = request.job_id;
  attempt.attempt = request.attempt;
  attempt.gpus.assign(free.begin(), free.begin() + want);
  attempt.gpus_held = true;
  for (int g : attempt.gpus) gpu_owner_[g] = Owner(request.job_id, request.attempt);
  attempt.status.phase =
      options_.launch_pending ? ExecutionPhase::kPending : ExecutionPhase::kRunning;
  if (!request.code_snapshot_key.empty()) {
    if (artifacts_ == nullptr) {
      return FailedPreconditionError("the fake executor was given no artifact store to fetch " +
                                     request.code_snapshot_key + " from");
    }
    StatusOr<std::unique_ptr<ByteSource>> body = artifacts_->Get(request.code_snapshot_key);
    if (!body.ok()) return body.status().WithContext("fetching the code snapshot");
    StatusOr<std::string> bytes = ReadAll(**body, size_t{1} << 30);
    if (!bytes.ok()) return bytes.status().WithContext("fetching the code snapshot");
    attempt.code_archive = *std::move(bytes);
  }
  std::error_code ec;
  fs::create_directories(JobDir(request.job_id) + "/outputs", ec);

  Execution execution;
  execution.job_id = request.job_id;
  execution.attempt = request.attempt;
  execution.gpu_indices = attempt.gpus;
  execution.output_dir = JobDir(request.job_id) + "/outputs";
  execution.state = StateJson(request.job_id, request.attempt, attempt.gpus);

  jobs_[request.job_id][request.attempt] = std::move(attempt);
  logs_[request.job_id] += "==> attempt " + std::to_string(request.attempt) + " started <==\n";
  launches_.push_back(request);
  launched_cv_.notify_all();
  return execution;
}

void FakeExecutor::SetReattachHook(std::function<void(std::string_view)> hook) {
  std::lock_guard lock(mu_);
  reattach_hook_ = std::move(hook);
}

StatusOr<Execution> FakeExecutor::Reattach(std::string_view job_id, std::string_view state) {
  std::function<void(std::string_view)> hook;
  {
    std::lock_guard lock(mu_);
    hook = reattach_hook_;
  }
  if (hook) hook(job_id);
  std::lock_guard lock(mu_);
  if (fail_next_reattach_) {
    Status s = std::move(*fail_next_reattach_);
    fail_next_reattach_.reset();
    return s;
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(state, ec);
  if (ec || !parsed.is_object()) {
    return InvalidArgumentError("malformed executor state for job " + std::string(job_id));
  }
  const json::object& obj = parsed.as_object();
  const json::value* attempt_value = obj.if_contains("attempt");
  if (attempt_value == nullptr || !attempt_value->is_int64()) {
    return InvalidArgumentError("executor state for job " + std::string(job_id) +
                                " has no attempt");
  }
  const int attempt_number = static_cast<int>(attempt_value->as_int64());

  Execution execution;
  execution.job_id = std::string(job_id);
  execution.attempt = attempt_number;
  execution.output_dir = JobDir(job_id) + "/outputs";
  execution.state = std::string(state);

  auto& attempts = jobs_[std::string(job_id)];
  auto it = attempts.find(attempt_number);
  if (it == attempts.end()) {
    Attempt lost;
    lost.job_id = std::string(job_id);
    lost.attempt = attempt_number;
    FinishLocked(lost, ExecutionEnd::kLost, -1, 0, "the job's processes vanished");
    attempts[attempt_number] = std::move(lost);
    return execution;
  }
  Attempt& attempt = it->second;
  execution.gpu_indices = attempt.gpus;
  if (!attempt.status.finished() && !attempt.gpus_held) {
    const std::string owner = Owner(job_id, attempt_number);
    for (int g : attempt.gpus) {
      if (g < 0 || g >= static_cast<int>(gpu_owner_.size()) ||
          (!gpu_owner_[g].empty() && gpu_owner_[g] != owner)) {
        return FailedPreconditionError("GPU " + std::to_string(g) + " of job " +
                                       std::string(job_id) + " is held by another attempt");
      }
    }
    for (int g : attempt.gpus) gpu_owner_[g] = owner;
    attempt.gpus_held = true;
  }
  return execution;
}

StatusOr<Execution> FakeExecutor::Recover(std::string_view job_id, int attempt) {
  std::string state;
  {
    std::lock_guard lock(mu_);
    auto job = jobs_.find(job_id);
    if (job == jobs_.end() || !job->second.contains(attempt)) {
      return NotFoundError("attempt " + std::to_string(attempt) + " of job " + std::string(job_id) +
                           " was never launched");
    }
    state = StateJson(job_id, attempt, job->second.at(attempt).gpus);
  }
  return Reattach(job_id, state);
}

std::vector<StatusOr<ExecutionStatus>> FakeExecutor::PollAll(
    const std::vector<Execution>& executions) {
  std::lock_guard lock(mu_);
  ++poll_all_calls_;
  std::vector<StatusOr<ExecutionStatus>> statuses;
  statuses.reserve(executions.size());
  for (const Execution& execution : executions) statuses.push_back(PollLocked(execution));
  return statuses;
}

StatusOr<ExecutionStatus> FakeExecutor::PollLocked(const Execution& execution) {
  if (fail_polls_count_ > 0 && fail_polls_status_) {
    --fail_polls_count_;
    return *fail_polls_status_;
  }
  auto job = jobs_.find(execution.job_id);
  if (job == jobs_.end()) return NotFoundError("unknown execution of job " + execution.job_id);
  auto it = job->second.find(execution.attempt);
  if (it == job->second.end()) {
    return NotFoundError("unknown attempt " + std::to_string(execution.attempt) + " of job " +
                         execution.job_id);
  }
  return it->second.status;
}

Status FakeExecutor::Terminate(const Execution& execution, int grace_seconds) {
  std::lock_guard lock(mu_);
  terminations_.push_back(TerminateCall{execution.job_id, execution.attempt, grace_seconds});
  auto job = jobs_.find(execution.job_id);
  if (job == jobs_.end()) return OkStatus();
  auto it = job->second.find(execution.attempt);
  if (it == job->second.end() || it->second.status.finished()) return OkStatus();
  if (options_.exit_on_terminate) {
    FinishLocked(it->second, ExecutionEnd::kKilled, 128 + 15, 15, "killed by signal 15 (SIGTERM)");
  }
  return OkStatus();
}

Status FakeExecutor::Release(const Execution& execution) {
  std::lock_guard lock(mu_);
  ++release_count_;
  auto job = jobs_.find(execution.job_id);
  if (job == jobs_.end()) return OkStatus();
  auto it = job->second.find(execution.attempt);
  if (it != job->second.end()) FreeGpusLocked(it->second);
  return OkStatus();
}

StatusOr<std::vector<OutputFile>> FakeExecutor::CollectOutputs(
    const Execution& execution, const std::map<std::string, std::string>& outputs) {
  std::vector<OutputFile> files;
  std::vector<std::string> missing;
  for (const auto& [name, path] : outputs) {
    fs::path p = fs::path(path).is_absolute()
                     ? fs::path(path)
                     : fs::path(JobDir(execution.job_id)) / "outputs" / path;
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec) {
      missing.push_back("output artifact '" + name + "' not found: the job did not write " + path);
      continue;
    }
    files.push_back(OutputFile{name, "", p.string(), static_cast<int64_t>(size)});
  }
  if (!missing.empty()) {
    std::string message;
    for (const auto& m : missing) message += (message.empty() ? "" : "; ") + m;
    return NotFoundError(message);
  }
  return files;
}

StatusOr<std::unique_ptr<ByteSource>> FakeExecutor::OpenLog(std::string_view job_id,
                                                            int64_t offset) {
  std::lock_guard lock(mu_);
  auto it = logs_.find(job_id);
  if (it == logs_.end()) return NotFoundError("job " + std::string(job_id) + " has no local log");
  const std::string& log = it->second;
  const size_t from =
      std::min<size_t>(static_cast<size_t>(std::max<int64_t>(offset, 0)), log.size());
  return std::unique_ptr<ByteSource>(std::make_unique<StringByteSource>(log.substr(from)));
}

StatusOr<int64_t> FakeExecutor::LogSize(std::string_view job_id) {
  std::lock_guard lock(mu_);
  auto it = logs_.find(job_id);
  if (it == logs_.end()) return NotFoundError("job " + std::string(job_id) + " has no local log");
  return static_cast<int64_t>(it->second.size());
}

Status FakeExecutor::Exit(std::string_view job_id, int exit_code, int signal) {
  std::lock_guard lock(mu_);
  Attempt* attempt = CurrentLocked(job_id);
  if (attempt == nullptr || attempt->status.finished()) {
    return NotFoundError("job " + std::string(job_id) + " has no running attempt");
  }
  if (signal != 0) {
    FinishLocked(*attempt, ExecutionEnd::kKilled, 128 + signal, signal,
                 "killed by signal " + std::to_string(signal));
  } else {
    FinishLocked(*attempt, ExecutionEnd::kExited, exit_code, 0,
                 "exited with code " + std::to_string(exit_code));
  }
  return OkStatus();
}

Status FakeExecutor::OomKill(std::string_view job_id) {
  std::lock_guard lock(mu_);
  Attempt* attempt = CurrentLocked(job_id);
  if (attempt == nullptr || attempt->status.finished()) {
    return NotFoundError("job " + std::string(job_id) + " has no running attempt");
  }
  // The fake has no request at hand here; the last launch of the job carries the limit.
  int64_t limit = 0;
  for (auto it = launches_.rbegin(); it != launches_.rend(); ++it) {
    if (it->job_id == job_id) {
      limit = it->resources.memory_bytes;
      break;
    }
  }
  FinishLocked(*attempt, ExecutionEnd::kOutOfMemory, 128 + 9, 9,
               "killed: out of memory (limit " + FormatMemoryQuantity(limit) + ")");
  return OkStatus();
}

Status FakeExecutor::Vanish(std::string_view job_id) {
  std::lock_guard lock(mu_);
  Attempt* attempt = CurrentLocked(job_id);
  if (attempt == nullptr || attempt->status.finished()) {
    return NotFoundError("job " + std::string(job_id) + " has no running attempt");
  }
  FinishLocked(*attempt, ExecutionEnd::kLost, -1, 0, "the job's processes vanished");
  FreeGpusLocked(*attempt);
  return OkStatus();
}

Status FakeExecutor::StartRunning(std::string_view job_id) {
  std::lock_guard lock(mu_);
  Attempt* attempt = CurrentLocked(job_id);
  if (attempt == nullptr || attempt->status.phase != ExecutionPhase::kPending) {
    return NotFoundError("job " + std::string(job_id) + " has no pending attempt");
  }
  attempt->status.phase = ExecutionPhase::kRunning;
  return OkStatus();
}

Status FakeExecutor::Preempt(std::string_view job_id) {
  std::lock_guard lock(mu_);
  Attempt* attempt = CurrentLocked(job_id);
  if (attempt == nullptr || attempt->status.finished()) {
    return NotFoundError("job " + std::string(job_id) + " has no running attempt");
  }
  FinishLocked(*attempt, ExecutionEnd::kPreempted, -1, 0, "preempted by the cluster");
  FreeGpusLocked(*attempt);
  return OkStatus();
}

void FakeExecutor::AppendLog(std::string_view job_id, std::string_view text) {
  std::lock_guard lock(mu_);
  logs_[std::string(job_id)].append(text);
}

void FakeExecutor::DropLog(std::string_view job_id) {
  std::lock_guard lock(mu_);
  auto it = logs_.find(job_id);
  if (it != logs_.end()) logs_.erase(it);
}

void FakeExecutor::WriteOutput(std::string_view job_id, std::string_view relative_path,
                               std::string_view contents) {
  const fs::path p = fs::path(JobDir(job_id)) / "outputs" / std::string(relative_path);
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

void FakeExecutor::SetLaunchHook(std::function<void(const LaunchRequest&)> hook) {
  std::lock_guard lock(mu_);
  launch_hook_ = std::move(hook);
}

void FakeExecutor::FailNextLaunch(Status status) {
  std::lock_guard lock(mu_);
  fail_next_launch_ = std::move(status);
}

void FakeExecutor::FailPolls(Status status, int count) {
  std::lock_guard lock(mu_);
  fail_polls_status_ = std::move(status);
  fail_polls_count_ = count;
}

void FakeExecutor::FailNextReattach(Status status) {
  std::lock_guard lock(mu_);
  fail_next_reattach_ = std::move(status);
}

void FakeExecutor::SimulateRestart() {
  std::lock_guard lock(mu_);
  for (auto& owner : gpu_owner_) owner.clear();
  for (auto& [job, attempts] : jobs_) {
    for (auto& [n, attempt] : attempts) attempt.gpus_held = false;
  }
}

std::vector<LaunchRequest> FakeExecutor::launches() const {
  std::lock_guard lock(mu_);
  return launches_;
}

std::optional<LaunchRequest> FakeExecutor::LastLaunch(std::string_view job_id) const {
  std::lock_guard lock(mu_);
  for (auto it = launches_.rbegin(); it != launches_.rend(); ++it) {
    if (it->job_id == job_id) return *it;
  }
  return std::nullopt;
}

std::string FakeExecutor::CodeArchiveAt(std::string_view job_id, int attempt) const {
  std::lock_guard lock(mu_);
  auto job = jobs_.find(job_id);
  if (job == jobs_.end()) return "";
  auto it = job->second.find(attempt);
  return it == job->second.end() ? "" : it->second.code_archive;
}

std::vector<TerminateCall> FakeExecutor::terminations() const {
  std::lock_guard lock(mu_);
  return terminations_;
}

std::vector<int> FakeExecutor::HeldGpus(std::string_view job_id) const {
  std::lock_guard lock(mu_);
  const Attempt* attempt = CurrentLocked(job_id);
  if (attempt == nullptr || !attempt->gpus_held) return {};
  return attempt->gpus;
}

int FakeExecutor::FreeGpus() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count(gpu_owner_.begin(), gpu_owner_.end(), std::string()));
}

bool FakeExecutor::IsRunning(std::string_view job_id) const {
  std::lock_guard lock(mu_);
  const Attempt* attempt = CurrentLocked(job_id);
  return attempt != nullptr && !attempt->status.finished();
}

int FakeExecutor::poll_all_calls() const {
  std::lock_guard lock(mu_);
  return poll_all_calls_;
}

int FakeExecutor::release_count() const {
  std::lock_guard lock(mu_);
  return release_count_;
}

bool FakeExecutor::WaitForLaunches(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return launched_cv_.wait_for(lock, timeout, [&] { return launches_.size() >= count; });
}

Status FakeExecutor::RemoveWorkspace(std::string_view job_id) {
  std::lock_guard lock(mu_);
  const Attempt* current = CurrentLocked(job_id);
  if (current != nullptr && !current->status.finished()) {
    return FailedPreconditionError("job " + std::string(job_id) + " has a running attempt");
  }
  logs_.erase(std::string(job_id));
  std::error_code ec;
  fs::remove_all(JobDir(job_id), ec);
  return OkStatus();
}

StatusOr<std::vector<std::string>> FakeExecutor::ListWorkspaces() {
  std::lock_guard lock(mu_);
  std::set<std::string> jobs;
  for (const auto& [job, log] : logs_) jobs.insert(job);
  std::error_code ec;
  for (auto it = fs::directory_iterator(root_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    jobs.insert(it->path().filename().string());
  }
  return std::vector<std::string>(jobs.begin(), jobs.end());
}

}  // namespace inet::exec
