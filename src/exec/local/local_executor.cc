#include "exec/local/local_executor.h"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <string_view>
#include <system_error>

#include "archive/archive.h"
#include "common/format.h"
#include "exec/local/cgroups.h"
#include "exec/local/gpus.h"
#include "exec/local/landlock.h"
#include "exec/local/os.h"
#include "exec/local/supervisor_protocol.h"

extern char** environ;

namespace inet::exec::local {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr int kHandshakeTimeoutMillis = 60'000;
constexpr int64_t kBackstopGroupMillis = 5'000;        // after the grace period
constexpr int64_t kBackstopSupervisorMillis = 10'000;  // after the grace period

// Job ids become directory and cgroup names: letters, digits, '.', '_', '-' only.
Status ValidateJobId(std::string_view job_id) {
  if (job_id.empty() || job_id == "." || job_id == ".." || job_id.size() > 200) {
    return InvalidArgumentError("invalid job id '" + std::string(job_id) + "'");
  }
  for (char c : job_id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return InvalidArgumentError("invalid job id '" + std::string(job_id) +
                                  "': only letters, digits, '.', '_' and '-' are allowed");
    }
  }
  return OkStatus();
}

std::string Owner(std::string_view job_id, int attempt) {
  return std::string(job_id) + "#" + std::to_string(attempt);
}

std::string JoinInts(const std::vector<int>& values) {
  std::string out;
  for (int v : values) {
    if (!out.empty()) out += ",";
    out += std::to_string(v);
  }
  return out;
}

int64_t MemTotalBytes() {
  StatusOr<std::string> meminfo = ReadFile("/proc/meminfo");
  if (!meminfo.ok()) return 0;
  size_t pos = meminfo->find("MemTotal:");
  if (pos == std::string::npos) return 0;
  return std::atoll(meminfo->c_str() + pos + 9) * 1024;
}

int64_t CpuMillis() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set) * 1000LL;
  return sysconf(_SC_NPROCESSORS_ONLN) * 1000LL;
}

// True when `path` is `dir` or inside it (both already normalised, absolute).
bool IsWithin(const fs::path& path, const fs::path& dir) {
  auto [dir_end, path_it] = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
  return dir_end == dir.end();
}

// A relative path without "..": safe to join under a directory.
bool IsSafeRelative(std::string_view path) {
  if (path.empty()) return true;
  fs::path p(path);
  if (p.is_absolute()) return false;
  for (const auto& part : p) {
    if (part == "..") return false;
  }
  return true;
}

bool Inherited(std::string_view name) {
  for (std::string_view pattern : kInheritedEnvironment) {
    if (pattern.ends_with('*') ? name.starts_with(pattern.substr(0, pattern.size() - 1))
                               : name == pattern) {
      return true;
    }
  }
  return false;
}

// Environment values the human-readable spec file must not show: the request's secrets and
// anything named like a credential.
bool LooksSecret(std::string_view name) {
  for (std::string_view word : {"TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "_KEY"}) {
    if (name.find(word) != std::string_view::npos) return true;
  }
  return false;
}

std::string RedactedSpecJson(AttemptSpec spec, const std::map<std::string, std::string>& secrets) {
  for (auto& env : spec.process_env) {
    for (auto& kv : env) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos) continue;
      const std::string name = kv.substr(0, eq);
      if (secrets.count(name) != 0 || LooksSecret(name)) kv = name + "=<redacted>";
    }
  }
  return AttemptSpecToJson(spec);
}

// chmod that reports what failed.
Status Chmod(const std::string& path, mode_t mode) {
  if (chmod(path.c_str(), mode) != 0) {
    return InternalError("chmod " + path + ": " + ErrnoText(errno));
  }
  return OkStatus();
}

// Gives `path` (and, with `recursive`, everything beneath it, symlinks not followed) to uid:gid.
Status ChownTree(const std::string& path, int64_t uid, int64_t gid, bool recursive) {
  if (uid < 0) return OkStatus();
  auto own = [&](const fs::path& p) -> Status {
    if (lchown(p.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) {
      return InternalError("chown " + p.string() + ": " + ErrnoText(errno));
    }
    return OkStatus();
  };
  RETURN_IF_ERROR(own(path));
  if (!recursive) return OkStatus();
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    RETURN_IF_ERROR(own(it->path()));
  }
  if (ec) return InternalError("listing " + path + ": " + ec.message());
  return OkStatus();
}

// The pids of every live process whose command line is exactly `argv` (a scan of /proc).
// The live processes whose /proc/<pid>/<file> (one this process may read) satisfies `match`.
std::vector<int> ProcessesWhere(const char* file,
                                const std::function<bool(const std::string&)>& match) {
  std::vector<int> pids;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    StatusOr<std::string> contents = ReadFile(it->path().string() + "/" + file);
    if (!contents.ok() || !match(*contents)) continue;
    const int pid = std::atoi(name.c_str());
    if (pid != getpid() && ProcessAlive(pid, 0)) pids.push_back(pid);
  }
  return pids;
}

std::vector<int> ProcessesRunning(const std::vector<std::string>& argv) {
  std::string wanted;
  for (const std::string& arg : argv) wanted += arg + '\0';
  return ProcessesWhere("cmdline", [&](const std::string& cmdline) { return cmdline == wanted; });
}

// The environment entry that marks every process of an attempt (they inherit it), so they can
// be found after they left its process group (setsid) and its supervisor died, where no cgroup
// holds them.
constexpr char kAttemptMarker[] = "INET_ATTEMPT_ID";  // = Owner(job, attempt)

std::vector<int> ProcessesMarked(std::string_view owner) {
  const std::string entry = std::string(kAttemptMarker) + "=" + std::string(owner) + '\0';
  return ProcessesWhere("environ", [&](const std::string& environ) {
    return environ.starts_with(entry) || environ.find('\0' + entry) != std::string::npos;
  });
}

ExecutionStatus FromExitRecord(const ExitRecord& record) {
  ExecutionStatus status;
  status.phase = ExecutionPhase::kFinished;
  status.end = record.oom_killed    ? ExecutionEnd::kOutOfMemory
               : record.signal != 0 ? ExecutionEnd::kKilled
                                    : ExecutionEnd::kExited;
  status.exit_code = record.exit_code;
  status.signal = record.signal;
  status.message = record.message;
  return status;
}

}  // namespace

// The parsed form of Execution::state.
struct LocalExecutor::AttemptState {
  std::string job_id;
  int attempt = 0;
  std::string job_dir;
  std::string cwd;
  std::string output_dir;
  int supervisor_pid = 0;
  uint64_t supervisor_start_time = 0;  // 0 = not known alive at launch
  int pgid = 0;
  uint64_t leader_start_time = 0;
  std::vector<int> pids;
  std::vector<int> gpus;
  std::string cgroup;

  std::string ExitPath() const { return job_dir + "/attempt-" + std::to_string(attempt) + ".exit"; }

  std::string ToJson() const {
    json::array pid_array, gpu_array;
    for (int p : pids) pid_array.emplace_back(p);
    for (int g : gpus) gpu_array.emplace_back(g);
    json::object o{{"executor", "local"},
                   {"job_id", job_id},
                   {"attempt", attempt},
                   {"job_dir", job_dir},
                   {"cwd", cwd},
                   {"output_dir", output_dir},
                   {"supervisor_pid", supervisor_pid},
                   {"supervisor_start_time", supervisor_start_time},
                   {"pgid", pgid},
                   {"leader_start_time", leader_start_time},
                   {"pids", std::move(pid_array)},
                   {"gpus", std::move(gpu_array)},
                   {"cgroup", cgroup}};
    return json::serialize(o);
  }

  static StatusOr<AttemptState> FromJson(std::string_view text) {
    auto bad = [](std::string_view why) {
      return InvalidArgumentError("not a local executor state: " + std::string(why));
    };
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return bad("not a JSON object");
    const json::object& o = v.as_object();
    const json::value* executor = o.if_contains("executor");
    if (executor == nullptr || !executor->is_string() || executor->as_string() != "local") {
      return bad("no \"executor\": \"local\"");
    }
    AttemptState s;
    try {
      s.job_id = json::value_to<std::string>(o.at("job_id"));
      s.attempt = json::value_to<int>(o.at("attempt"));
      s.job_dir = json::value_to<std::string>(o.at("job_dir"));
      s.cwd = json::value_to<std::string>(o.at("cwd"));
      s.output_dir = json::value_to<std::string>(o.at("output_dir"));
      s.supervisor_pid = json::value_to<int>(o.at("supervisor_pid"));
      s.supervisor_start_time = json::value_to<uint64_t>(o.at("supervisor_start_time"));
      s.pgid = json::value_to<int>(o.at("pgid"));
      s.leader_start_time = json::value_to<uint64_t>(o.at("leader_start_time"));
      s.pids = json::value_to<std::vector<int>>(o.at("pids"));
      s.gpus = json::value_to<std::vector<int>>(o.at("gpus"));
      s.cgroup = json::value_to<std::string>(o.at("cgroup"));
    } catch (const std::exception& e) {
      return bad(e.what());
    }
    return s;
  }
};

StatusOr<std::unique_ptr<LocalExecutor>> LocalExecutor::Create(
    LocalExecutorOptions options, artifacts::ArtifactStore& artifacts) {
  if (options.root.empty()) return InvalidArgumentError("local executor: root is empty");
  if (options.supervisor_command.empty() || options.supervisor_command[0].empty() ||
      options.supervisor_command[0][0] != '/' ||
      access(options.supervisor_command[0].c_str(), X_OK) != 0) {
    return InvalidArgumentError(
        "local executor: the supervisor command must start with the absolute path of an "
        "executable (got '" +
        (options.supervisor_command.empty() ? std::string() : options.supervisor_command[0]) +
        "')");
  }
  if (options.cpu_millis < 0 || options.memory_bytes < 0 || options.gang_grace_seconds < 0 ||
      options.max_log_bytes < 0 || options.max_processes < 0 || options.max_file_bytes < 0) {
    return InvalidArgumentError(
        "local executor: negative cpu, memory, grace, log, process or file-size setting");
  }
  JobUser job_user;
  if (!options.job_user.empty()) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    getpwnam_r(options.job_user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (found == nullptr) {
      return InvalidArgumentError("local executor: the job user '" + options.job_user +
                                  "' does not exist; create it (as root: useradd --system "
                                  "--create-home --home-dir /var/lib/" +
                                  options.job_user + " --shell /usr/sbin/nologin " +
                                  options.job_user + ", as scripts/setup.sh does)");
    }
    if (found->pw_uid == 0) {
      return InvalidArgumentError("local executor: the job user '" + options.job_user +
                                  "' is root; jobs need an unprivileged user");
    }
    if (geteuid() != 0 && geteuid() != found->pw_uid) {
      return InvalidArgumentError("local executor: running jobs as '" + options.job_user +
                                  "' needs a server running as root");
    }
    job_user.name = options.job_user;
    job_user.uid = found->pw_uid;
    job_user.gid = found->pw_gid;
    std::error_code home_ec;
    if (found->pw_dir != nullptr && fs::is_directory(found->pw_dir, home_ec)) {
      job_user.home = found->pw_dir;
    }
  }
  std::error_code ec;
  fs::create_directories(options.root, ec);
  if (ec) return InternalError("creating executor root " + options.root + ": " + ec.message());
  fs::path root = fs::canonical(options.root, ec);
  if (ec) return InternalError("resolving executor root " + options.root + ": " + ec.message());
  options.root = root.string();
  // Only the server's user may list the root; a job user may pass through to its own
  // workspace. Workspaces left by older versions get the same modes, and their spec files
  // (which held tokens) become private.
  const mode_t dir_mode = job_user.uid >= 0 ? 0711 : 0700;
  RETURN_IF_ERROR(Chmod(options.root, dir_mode));
  for (const auto& entry : fs::directory_iterator(options.root, ec)) {
    std::error_code entry_ec;
    if (!entry.is_directory(entry_ec) || entry.is_symlink(entry_ec)) continue;
    RETURN_IF_ERROR(Chmod(entry.path().string(), dir_mode));
    for (const auto& file : fs::directory_iterator(entry.path(), entry_ec)) {
      const std::string name = file.path().filename().string();
      if (name == "job.log" || name.starts_with("attempt-")) {
        if (!file.is_symlink(entry_ec)) RETURN_IF_ERROR(Chmod(file.path().string(), 0600));
      }
    }
  }
  if (job_user.uid >= 0) {
    // Jobs run in <root>/<job>/code and Python from the path prefix: the job user must be
    // able to get there (a parent directory of mode 0700, e.g. under /root, stops it).
    std::vector<std::string> needed = options.path_prefix;
    needed.insert(needed.begin(), options.root);
    for (const auto& path : needed) {
      if (!UserCanAccess(job_user.uid, job_user.gid, path, X_OK)) {
        return FailedPreconditionError(
            "local executor: the job user '" + job_user.name + "' cannot reach " + path +
            " (a directory on the way is closed to other users); use paths other users may "
            "traverse, e.g. --jobs-dir /var/lib/inet/jobs");
      }
    }
  }

  NodePool pool;
  pool.name = "local";
  pool.allocatable.cpu_millis = options.cpu_millis > 0 ? options.cpu_millis : CpuMillis();
  pool.allocatable.memory_bytes = options.memory_bytes > 0 ? options.memory_bytes : MemTotalBytes();
  GpuInventory gpus = DiscoverGpus(options.gpu_count);
  pool.gpu_devices = gpus.devices;
  pool.allocatable.gpus = static_cast<int>(pool.gpu_devices.size());
  pool.gpu_source = gpus.source;

  std::string cgroup_parent;
  std::string why_not_cgroups = "disabled by configuration";
  if (options.use_cgroups) {
    StatusOr<std::string> parent = PrepareCgroupParent(options.cgroup_parent);
    if (parent.ok()) {
      cgroup_parent = *parent;
    } else {
      why_not_cgroups = parent.status().message();
    }
  }
  if (!cgroup_parent.empty()) {
    pool.isolation = "cgroup v2 (memory.max, memory.swap.max=0, cpu.max) under " + cgroup_parent;
  } else {
    pool.isolation = "rlimits (RLIMIT_AS for memory; no CPU rate limit)";
  }
  pool.isolation +=
      "; at most " +
      (options.max_processes > 0 ? std::to_string(options.max_processes)
                                 : std::string("unlimited")) +
      " processes (RLIMIT_NPROC), files up to " +
      (options.max_file_bytes > 0 ? FormatBytes(options.max_file_bytes) : std::string("any size")) +
      " (RLIMIT_FSIZE), logs up to " +
      (options.max_log_bytes > 0 ? FormatBytes(options.max_log_bytes) : std::string("any size"));
  const int landlock_abi = options.use_landlock ? LandlockAbi() : 0;
  std::string confinement;
  if (!job_user.name.empty()) {
    confinement = "jobs run as user " + job_user.name + " (uid " + std::to_string(job_user.uid) +
                  "), which cannot read the data directory";
  }
  if (landlock_abi > 0) {
    std::string hidden = options.root;
    for (const auto& h : options.hidden_paths) hidden = h + ", " + hidden;
    confinement += (confinement.empty() ? "" : "; ") + std::string("landlock ABI ") +
                   std::to_string(landlock_abi) + " hides " + hidden +
                   " from jobs except their own workspace";
  }
  const bool confined = !confinement.empty();
  if (!confined) {
    confinement = std::string(
                      "NOT ISOLATED: jobs run as the server's user and can read and "
                      "write everything it can, the data directory included (") +
                  (options.use_landlock ? "this kernel has no Landlock" : "Landlock disabled") +
                  "; run the server as root with --job-user to fix this)";
  }
  pool.isolation += "; " + confinement;

  spdlog::info("local executor: jobs in {}; {} millicores, {} memory", options.root,
               pool.allocatable.cpu_millis, FormatBytes(pool.allocatable.memory_bytes));
  if (!confined) {
    spdlog::error("local executor: {}", confinement);
  }
  if (cgroup_parent.empty()) {
    spdlog::warn("local executor: isolation: {} -- cgroup v2 not used: {}", pool.isolation,
                 why_not_cgroups);
  } else {
    spdlog::info("local executor: isolation: {}", pool.isolation);
  }
  std::string gpu_list;
  for (const auto& gpu : pool.gpu_devices) {
    gpu_list += " [" + std::to_string(gpu.index) + "] " + gpu.name +
                (gpu.uuid.empty() ? "" : " " + gpu.uuid) +
                (gpu.memory_bytes > 0 ? " " + FormatBytes(gpu.memory_bytes) : "");
  }
  spdlog::info("local executor: {} GPU(s) from {}{}{}", pool.gpu_devices.size(), gpus.source,
               gpu_list.empty() ? "" : ":" + gpu_list,
               gpus.note.empty() ? "" : " (" + gpus.note + ")");

  std::map<std::string, std::string> base_env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos && Inherited(kv.substr(0, eq))) {
      base_env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  if (!job_user.name.empty()) {
    // The server's HOME (root's) is not the job's; Launch sets the job user's.
    base_env.erase("HOME");
    base_env["USER"] = job_user.name;
    base_env["LOGNAME"] = job_user.name;
  }
  std::string path =
      base_env.count("PATH") != 0 ? base_env["PATH"] : "/usr/local/bin:/usr/bin:/bin";
  for (auto it = options.path_prefix.rbegin(); it != options.path_prefix.rend(); ++it) {
    path = *it + ":" + path;
  }
  base_env["PATH"] = path;

  return std::unique_ptr<LocalExecutor>(
      new LocalExecutor(std::move(options), std::move(pool), std::move(cgroup_parent),
                        std::move(base_env), std::move(job_user), landlock_abi > 0, artifacts));
}

LocalExecutor::LocalExecutor(LocalExecutorOptions options, NodePool pool, std::string cgroup_parent,
                             std::map<std::string, std::string> base_env, JobUser job_user,
                             bool use_landlock, artifacts::ArtifactStore& artifacts)
    : options_(std::move(options)),
      pool_(std::move(pool)),
      cgroup_parent_(std::move(cgroup_parent)),
      base_env_(std::move(base_env)),
      job_user_(std::move(job_user)),
      use_landlock_(use_landlock),
      artifacts_(artifacts),
      gpu_owner_(pool_.gpu_devices.size()) {}

std::vector<NodePool> LocalExecutor::node_pools() const { return {pool_}; }

std::string LocalExecutor::JobDir(std::string_view job_id) const {
  return options_.root + "/" + std::string(job_id);
}

std::string LocalExecutor::StatePath(std::string_view job_id, int attempt) const {
  return JobDir(job_id) + "/attempt-" + std::to_string(attempt) + ".state.json";
}

StatusOr<std::vector<int>> LocalExecutor::AllocateGpus(const std::string& owner, int count) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int> free;
  for (size_t i = 0; i < gpu_owner_.size(); ++i) {
    if (gpu_owner_[i].empty()) free.push_back(static_cast<int>(i));
  }
  if (static_cast<int>(free.size()) < count) {
    return ResourceExhaustedError("requested " + std::to_string(count) + " GPU(s) but only " +
                                  std::to_string(free.size()) + " of " +
                                  std::to_string(gpu_owner_.size()) + " are free");
  }
  free.resize(static_cast<size_t>(count));
  for (int i : free) gpu_owner_[static_cast<size_t>(i)] = owner;
  return free;
}

void LocalExecutor::FreeGpus(const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& o : gpu_owner_) {
    if (o == owner) o.clear();
  }
}

Status LocalExecutor::PrepareWorkspace(const LaunchRequest& request, std::string& cwd) {
  const std::string dir = JobDir(request.job_id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return InternalError("creating " + dir + ": " + ec.message());
  RETURN_IF_ERROR(Chmod(dir, job_user_.uid >= 0 ? 0711 : 0700));
  std::vector<std::string> subs = {"outputs", "checkpoints", "tmp"};
  if (job_user_.uid >= 0 && job_user_.home.empty()) subs.push_back("home");
  for (const auto& sub : subs) {
    fs::create_directories(dir + "/" + sub, ec);
    if (ec) return InternalError("creating " + dir + "/" + sub + ": " + ec.message());
    RETURN_IF_ERROR(Chmod(dir + "/" + sub, 0700));
    RETURN_IF_ERROR(ChownTree(dir + "/" + sub, job_user_.uid, job_user_.gid, false));
  }
  const std::string code = dir + "/code";
  if (!fs::exists(code, ec)) {
    // Unpack beside it and rename, so a crash mid-way never leaves a half-unpacked code/
    // that a retry would take for complete.
    const std::string partial = dir + "/code.partial";
    fs::remove_all(partial, ec);
    if (request.code_snapshot_key.empty()) {
      fs::create_directories(partial, ec);
      if (ec) return InternalError("creating " + partial + ": " + ec.message());
    } else {
      Status fetched = FetchCode(request, dir + "/code.tar.gz", partial);
      if (!fetched.ok()) {
        fs::remove_all(partial, ec);
        return fetched;
      }
    }
    RETURN_IF_ERROR(Chmod(partial, 0755));
    RETURN_IF_ERROR(ChownTree(partial, job_user_.uid, job_user_.gid, true));
    fs::rename(partial, code, ec);
    if (ec) return InternalError("moving the code into " + code + ": " + ec.message());
  }
  cwd = request.workdir.empty() ? code : code + "/" + request.workdir;
  if (!fs::is_directory(cwd, ec)) {
    return InvalidArgumentError("workdir '" + request.workdir +
                                "' is not a directory in the job's code snapshot");
  }
  return OkStatus();
}

Status LocalExecutor::FetchCode(const LaunchRequest& request, const std::string& archive_path,
                                const std::string& destination) {
  StatusOr<std::unique_ptr<ByteSource>> body = artifacts_.Get(request.code_snapshot_key);
  if (!body.ok()) {
    return body.status().WithContext("fetching the code snapshot " + request.code_snapshot_key);
  }
  // Streamed to a private file beside the workspace, unpacked, and removed either way.
  struct RemoveOnExit {
    const std::string& path;
    ~RemoveOnExit() { unlink(path.c_str()); }
  } remove_archive{archive_path};
  {
    const int fd = open(archive_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return InternalError("creating " + archive_path + ": " + ErrnoText(errno));
    Status copied = OkStatus();
    char buf[64 * 1024];
    while (copied.ok()) {
      StatusOr<size_t> got = (*body)->Read(buf, sizeof buf);
      if (!got.ok()) {
        copied =
            got.status().WithContext("fetching the code snapshot " + request.code_snapshot_key);
        break;
      }
      if (*got == 0) break;
      for (size_t done = 0; done < *got && copied.ok();) {
        const ssize_t n = write(fd, buf + done, *got - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          copied = InternalError("writing " + archive_path + ": " + ErrnoText(errno));
        } else {
          done += static_cast<size_t>(n);
        }
      }
    }
    if (close(fd) != 0 && copied.ok()) {
      copied = InternalError("writing " + archive_path + ": " + ErrnoText(errno));
    }
    RETURN_IF_ERROR(copied);
  }
  archive::ExtractOptions limits;
  if (request.code_max_unpacked_bytes > 0) limits.max_bytes = request.code_max_unpacked_bytes;
  Status extracted = archive::ExtractArchive(archive_path, destination, limits);
  if (extracted.code() == StatusCode::kResourceExhausted) {
    // Not a wait-for-capacity: this snapshot can never be unpacked here.
    return InvalidArgumentError("unpacking the code snapshot: " + extracted.message() +
                                "; leave large files out of it (.inetignore)");
  }
  return extracted.WithContext("unpacking the code snapshot");
}

StatusOr<Execution> LocalExecutor::Launch(const LaunchRequest& request) {
  RETURN_IF_ERROR(ValidateJobId(request.job_id));
  if (request.attempt < 1) return InvalidArgumentError("attempt must be 1 or more");
  if (request.argv.empty() || request.argv[0].empty()) {
    return InvalidArgumentError("the job has no command to run");
  }
  if (request.processes < 1 || request.processes > 1024) {
    return InvalidArgumentError("processes must be between 1 and 1024, got " +
                                std::to_string(request.processes));
  }
  if (!request.distributed_backend.empty() && request.distributed_backend != "pytorch") {
    return InvalidArgumentError("unsupported distributed backend '" + request.distributed_backend +
                                "' (supported: pytorch)");
  }
  const Resources& res = request.resources;
  if (res.cpu_millis < 0 || res.memory_bytes < 0 || res.gpus < 0) {
    return InvalidArgumentError("negative resource request");
  }
  if (res.gpus > pool_.allocatable.gpus) {
    return InvalidArgumentError("the job requests " + std::to_string(res.gpus) +
                                " GPU(s) but this executor has " +
                                std::to_string(pool_.allocatable.gpus));
  }
  if (!IsSafeRelative(request.workdir)) {
    return InvalidArgumentError("workdir '" + request.workdir +
                                "' must be a relative path inside the code, without '..'");
  }

  std::string cwd;
  RETURN_IF_ERROR(PrepareWorkspace(request, cwd));

  // The environment: the server's allow-listed variables, the job's own HOME and TMPDIR, then
  // the request's; StartAttempt adds what we inject.
  std::map<std::string, std::string> env = base_env_;
  const std::string dir = JobDir(request.job_id);
  if (job_user_.uid >= 0) env["HOME"] = job_user_.home.empty() ? dir + "/home" : job_user_.home;
  env["TMPDIR"] = dir + "/tmp";
  for (const auto& [k, v] : request.env) env[k] = v;
  for (const auto& [k, v] : request.secrets) env[k] = v;

  auto path_env = env.find("PATH");
  const std::string program =
      FindProgram(request.argv[0],
                  path_env != env.end() ? path_env->second : "/usr/local/bin:/usr/bin:/bin", cwd);
  if (program.empty()) {
    return InvalidArgumentError(request.argv[0].find('/') == std::string::npos
                                    ? "program '" + request.argv[0] + "' not found on PATH"
                                    : "program '" + request.argv[0] +
                                          "' not found (or not executable) in " + cwd);
  }

  const std::string owner = Owner(request.job_id, request.attempt);
  ASSIGN_OR_RETURN(std::vector<int> gpus, AllocateGpus(owner, res.gpus));
  StatusOr<Execution> launched = StartAttempt(request, cwd, program, std::move(env), gpus);
  if (!launched.ok()) FreeGpus(owner);
  return launched;
}

StatusOr<Execution> LocalExecutor::StartAttempt(const LaunchRequest& request,
                                                const std::string& cwd, const std::string& program,
                                                std::map<std::string, std::string> env,
                                                const std::vector<int>& gpus) {
  const std::string dir = JobDir(request.job_id);
  const std::string attempt_name = "attempt-" + std::to_string(request.attempt);
  env["INET_OUTPUT_DIR"] = dir + "/outputs";
  env["INET_CHECKPOINT_DIR"] = dir + "/checkpoints";
  env["INET_ATTEMPT"] = std::to_string(request.attempt);
  env[kAttemptMarker] = Owner(request.job_id, request.attempt);
  env["CUDA_VISIBLE_DEVICES"] = JoinInts(gpus);
  env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID";
  env["PYTHONUNBUFFERED"] = "1";
  const int n = request.processes;
  if (request.distributed_backend == "pytorch") {
    ASSIGN_OR_RETURN(int port, FreeTcpPort());
    env["WORLD_SIZE"] = std::to_string(n);
    env["LOCAL_WORLD_SIZE"] = std::to_string(n);
    env["MASTER_ADDR"] = "127.0.0.1";
    env["MASTER_PORT"] = std::to_string(port);
  }

  AttemptSpec spec;
  spec.job_id = request.job_id;
  spec.attempt = request.attempt;
  spec.program = program;
  spec.argv = request.argv;
  for (int rank = 0; rank < n; ++rank) {
    std::map<std::string, std::string> rank_env = env;
    if (request.distributed_backend == "pytorch") {
      rank_env["RANK"] = std::to_string(rank);
      rank_env["LOCAL_RANK"] = std::to_string(rank);
    }
    std::vector<std::string> list;
    list.reserve(rank_env.size());
    for (const auto& [k, v] : rank_env) list.push_back(k + "=" + v);
    spec.process_env.push_back(std::move(list));
  }
  spec.cwd = cwd;
  spec.log_path = dir + "/job.log";
  spec.exit_path = dir + "/" + attempt_name + ".exit";
  spec.memory_limit_bytes = request.resources.memory_bytes;
  spec.gang_grace_seconds = options_.gang_grace_seconds;
  spec.rlimit_nproc = options_.max_processes;
  spec.rlimit_fsize_bytes = options_.max_file_bytes;
  spec.max_log_bytes = options_.max_log_bytes;
  spec.run_as_uid = job_user_.uid;
  spec.run_as_gid = job_user_.gid;
  // A root server without a job user: the job keeps uid 0 but none of root's capabilities.
  spec.drop_capabilities = job_user_.uid < 0 && geteuid() == 0;
  if (use_landlock_) {
    spec.landlock_hidden = options_.hidden_paths;
    spec.landlock_hidden.push_back(options_.root);
    spec.landlock_allowed = {dir + "/code", dir + "/outputs", dir + "/checkpoints", dir + "/tmp"};
    if (job_user_.uid >= 0 && job_user_.home.empty())
      spec.landlock_allowed.push_back(dir + "/home");
  }
  if (!cgroup_parent_.empty()) {
    spec.cgroup_path =
        cgroup_parent_ + "/" + request.job_id + "-a" + std::to_string(request.attempt);
    RETURN_IF_ERROR(CreateAttemptCgroup(spec.cgroup_path, request.resources.cpu_millis,
                                        request.resources.memory_bytes));
  } else {
    spec.rlimit_as_bytes = request.resources.memory_bytes;
  }
  auto fail = [&](Status status) {
    RemoveCgroup(spec.cgroup_path);
    return status;
  };

  // The supervisor reads the spec (tokens included) from a pipe; the file is for humans.
  const std::string spec_path = dir + "/" + attempt_name + ".spec.json";
  if (Status s = WriteFileAtomically(spec_path, RedactedSpecJson(spec, request.secrets),
                                     /*durable=*/false);
      !s.ok())
    return fail(s);
  unlink(spec.exit_path.c_str());  // a stale record from an earlier launch of this attempt

  // The attempt's state goes to disk before the supervisor can start (without its pid, which
  // only the handshake tells) and again, complete, after the handshake: a restarted server
  // whose predecessor died in between finds the attempt through Recover and never starts a
  // second copy of it.
  AttemptState state;
  state.job_id = request.job_id;
  state.attempt = request.attempt;
  state.job_dir = dir;
  state.cwd = cwd;
  state.output_dir = dir + "/outputs";
  state.gpus = gpus;
  state.cgroup = spec.cgroup_path;
  const std::string state_path = StatePath(request.job_id, request.attempt);
  if (Status s = WriteFileAtomically(state_path, state.ToJson(), /*durable=*/false); !s.ok()) {
    return fail(s);
  }
  auto fail_unstarted = [&](Status status) {
    unlink(state_path.c_str());
    return fail(std::move(status));
  };

  // Spawn the supervisor: new session, default signal state, stdin /dev/null, stdout/stderr
  // the job log, the handshake pipe on fd 3 and nothing else (the rest is O_CLOEXEC or closed
  // by the supervisor).
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail_unstarted(InternalError("pipe: " + ErrnoText(errno)));
  int spec_fds[2];  // a socket pair so that writing to a dead reader is EPIPE, not SIGPIPE
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, spec_fds) != 0) {
    close(fds[0]);
    close(fds[1]);
    return fail_unstarted(InternalError("pipe: " + ErrnoText(errno)));
  }
  // dup2(fd, fd) would keep O_CLOEXEC, and one dup2 must not overwrite the other's source:
  // move both sources above the target numbers first.
  for (int* fd : {&fds[1], &spec_fds[0]}) {
    if (*fd <= kSpecFd) {
      int moved = fcntl(*fd, F_DUPFD_CLOEXEC, kSpecFd + 1);
      close(*fd);
      *fd = moved;
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, spec.log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], kHandshakeFd);
  posix_spawn_file_actions_adddup2(&actions, spec_fds[0], kSpecFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  std::vector<std::string> args = options_.supervisor_command;
  args.push_back(spec_path);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t spawned = 0;
  // The supervisor gets the allow-listed environment too: a job could read its parent's
  // /proc/<pid>/environ.
  std::vector<std::string> supervisor_env;
  for (const auto& [k, v] : base_env_) supervisor_env.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : supervisor_env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = posix_spawn(&spawned, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  close(spec_fds[0]);
  if (rc != 0) {
    close(fds[0]);
    close(spec_fds[1]);
    return fail_unstarted(
        InternalError("starting the supervisor " + args[0] + ": " + ErrnoText(rc)));
  }
  {
    // The supervisor reads the whole spec before it answers, so this cannot deadlock; if it
    // died first, the send fails and the handshake below reports it.
    const std::string full = AttemptSpecToJson(spec);
    size_t done = 0;
    while (done < full.size()) {
      ssize_t n = send(spec_fds[1], full.data() + done, full.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(spec_fds[1]);
  }

  // Wait for the handshake line (EOF once both supervisor processes closed the pipe).
  std::string answer;
  bool timed_out = false;
  while (true) {
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, kHandshakeTimeoutMillis);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = true;
      break;
    }
    char buf[4096];
    ssize_t got = read(fds[0], buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    answer.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  int wait_status = 0;
  if (timed_out) kill(spawned, SIGKILL);
  while (waitpid(spawned, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return fail_unstarted(
        InternalError("the supervisor did not report within 60 s; see " + spec.log_path));
  }
  if (answer.empty()) {
    return fail_unstarted(InternalError("the supervisor exited (wait status " +
                                        std::to_string(wait_status) +
                                        ") without starting the job; see " + spec.log_path));
  }
  StatusOr<Handshake> handshake = HandshakeFromJson(answer);
  if (!handshake.ok()) return fail_unstarted(handshake.status().WithContext("launching the job"));
  if (!handshake->ok) {
    int err = handshake->error_errno;
    bool caller_error = err == ENOENT || err == EACCES || err == ENOEXEC || err == ENOTDIR;
    return fail_unstarted(caller_error ? InvalidArgumentError(handshake->error)
                                       : InternalError(handshake->error));
  }

  state.supervisor_pid = handshake->supervisor_pid;
  if (StatusOr<ProcStat> stat = ReadProcStat(state.supervisor_pid);
      stat.ok() && stat->state != 'Z') {
    state.supervisor_start_time = stat->start_time;
  }
  state.pgid = handshake->pgid;
  state.leader_start_time = handshake->leader_start_time;
  state.pids = handshake->pids;
  if (Status s = WriteFileAtomically(state_path, state.ToJson(), /*durable=*/false); !s.ok()) {
    // Running but not recorded here: the caller still learns of it from the return value; a
    // Recover after a crash would find the supervisor by its command line and stop it.
    spdlog::warn("local executor: recording {}: {}", state_path, s.ToString());
  }

  Execution execution;
  execution.job_id = request.job_id;
  execution.attempt = request.attempt;
  execution.gpu_indices = gpus;
  execution.output_dir = state.output_dir;
  execution.state = state.ToJson();
  return execution;
}

StatusOr<Execution> LocalExecutor::Reattach(std::string_view job_id, std::string_view state_json) {
  ASSIGN_OR_RETURN(AttemptState state, AttemptState::FromJson(state_json));
  if (state.job_id != job_id) {
    return InvalidArgumentError("executor state belongs to job '" + state.job_id + "', not '" +
                                std::string(job_id) + "'");
  }
  const std::string owner = Owner(state.job_id, state.attempt);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int gpu : state.gpus) {
      if (gpu < 0 || gpu >= static_cast<int>(gpu_owner_.size())) {
        return FailedPreconditionError("job " + state.job_id + " ran on GPU " +
                                       std::to_string(gpu) + " but this executor has " +
                                       std::to_string(gpu_owner_.size()) + " GPU(s)");
      }
      const std::string& holder = gpu_owner_[static_cast<size_t>(gpu)];
      if (!holder.empty() && holder != owner) {
        return FailedPreconditionError("GPU " + std::to_string(gpu) + " of job " + state.job_id +
                                       " is held by " + holder);
      }
    }
    for (int gpu : state.gpus) gpu_owner_[static_cast<size_t>(gpu)] = owner;
  }
  Execution execution;
  execution.job_id = state.job_id;
  execution.attempt = state.attempt;
  execution.gpu_indices = state.gpus;
  execution.output_dir = state.output_dir;
  execution.state = std::string(state_json);
  return execution;
}

StatusOr<Execution> LocalExecutor::Recover(std::string_view job_id, int attempt) {
  RETURN_IF_ERROR(ValidateJobId(job_id));
  const std::string state_path = StatePath(job_id, attempt);
  StatusOr<std::string> text = ReadFile(state_path);
  if (text.status().code() == StatusCode::kNotFound) {
    // Launch writes the state before it spawns anything: nothing of this attempt was started.
    return NotFoundError("attempt " + std::to_string(attempt) + " of job " + std::string(job_id) +
                         " was never started here");
  }
  if (!text.ok()) return text.status();
  ASSIGN_OR_RETURN(AttemptState state, AttemptState::FromJson(*text));
  if (state.supervisor_pid != 0) return Reattach(job_id, *text);

  // The launching server died before the supervisor's handshake: the supervisor may be
  // starting, running, or gone. It is found by its command line (which names this attempt's
  // spec) and stopped with whatever it started, and the launch is undone, so the caller can
  // start the attempt again without a second copy running.
  std::vector<std::string> argv = options_.supervisor_command;
  argv.push_back(JobDir(job_id) + "/attempt-" + std::to_string(attempt) + ".spec.json");
  for (int round = 0; round < 200; ++round) {
    std::vector<int> pids = ProcessesRunning(argv);
    KillCgroupProcesses(state.cgroup);
    for (int pid : ProcessesMarked(Owner(job_id, attempt))) kill(pid, SIGKILL);
    if (pids.empty()) break;
    for (int pid : pids) kill(pid, SIGKILL);
    usleep(10'000);
  }
  if (!ProcessesRunning(argv).empty()) {
    return UnavailableError("the half-started supervisor of attempt " + std::to_string(attempt) +
                            " of job " + std::string(job_id) + " is still exiting");
  }
  RemoveCgroup(state.cgroup);
  unlink(state_path.c_str());
  return NotFoundError("attempt " + std::to_string(attempt) + " of job " + std::string(job_id) +
                       " had not finished starting and was stopped");
}

void LocalExecutor::KillAttempt(const AttemptState& state) {
  // The group id is only trusted while its leader is the process we started: once the whole
  // group is gone the number may name someone else's group.
  if (state.pgid > 0 && ProcessAlive(state.pgid, state.leader_start_time)) {
    kill(-state.pgid, SIGKILL);
  }
  KillCgroupProcesses(state.cgroup);
  // Without a cgroup, a process that called setsid left the group: it still carries the
  // attempt's marker. Round after round, as a dying process may have forked meanwhile.
  const std::string owner = Owner(state.job_id, state.attempt);
  for (int round = 0; round < 50; ++round) {
    const std::vector<int> marked = ProcessesMarked(owner);
    if (marked.empty()) break;
    for (int pid : marked) kill(pid, SIGKILL);
    usleep(10'000);
  }
}

std::vector<StatusOr<ExecutionStatus>> LocalExecutor::PollAll(
    const std::vector<Execution>& executions) {
  std::vector<StatusOr<ExecutionStatus>> statuses;
  statuses.reserve(executions.size());
  for (const Execution& execution : executions) statuses.push_back(PollOne(execution));
  return statuses;
}

StatusOr<ExecutionStatus> LocalExecutor::PollOne(const Execution& execution) {
  ASSIGN_OR_RETURN(AttemptState state, AttemptState::FromJson(execution.state));
  const std::string owner = Owner(state.job_id, state.attempt);
  auto read_exit = [&]() -> StatusOr<ExitRecord> {
    ASSIGN_OR_RETURN(std::string text, ReadFile(state.ExitPath()));
    return ExitRecordFromJson(text);
  };
  auto finished = [&](const ExitRecord& record) {
    std::lock_guard<std::mutex> lock(mu_);
    terminating_.erase(owner);
    return FromExitRecord(record);
  };

  StatusOr<ExitRecord> record = read_exit();
  if (record.ok()) return finished(*record);
  if (record.status().code() != StatusCode::kNotFound) return record.status();

  if (state.supervisor_start_time != 0 &&
      ProcessAlive(state.supervisor_pid, state.supervisor_start_time)) {
    // Backstop for Terminate: the supervisor normally SIGKILLs at the end of the grace period.
    std::optional<TerminateRequest> request;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = terminating_.find(owner);
      if (it != terminating_.end()) request = it->second;
    }
    if (request) {
      int64_t now = WallMillis();
      if (now >= request->kill_group_at_millis) KillAttempt(state);
      if (now >= request->kill_supervisor_at_millis) kill(state.supervisor_pid, SIGKILL);
    }
    return ExecutionStatus{};  // running
  }
  // The supervisor may have written the record and exited between the two checks.
  record = read_exit();
  if (record.ok()) return finished(*record);
  if (record.status().code() != StatusCode::kNotFound) return record.status();

  KillAttempt(state);
  {
    std::lock_guard<std::mutex> lock(mu_);
    terminating_.erase(owner);
  }
  ExecutionStatus status;
  status.phase = ExecutionPhase::kFinished;
  status.end = ExecutionEnd::kLost;
  status.exit_code = -1;
  status.message = "the supervisor (pid " + std::to_string(state.supervisor_pid) + ") of attempt " +
                   std::to_string(state.attempt) +
                   " is gone without recording how the attempt ended (killed from outside, or "
                   "the machine restarted)";
  return status;
}

Status LocalExecutor::Terminate(const Execution& execution, int grace_seconds) {
  ASSIGN_OR_RETURN(AttemptState state, AttemptState::FromJson(execution.state));
  grace_seconds = std::max(0, grace_seconds);
  if (access(state.ExitPath().c_str(), F_OK) == 0) return OkStatus();
  if (state.supervisor_start_time == 0 ||
      !ProcessAlive(state.supervisor_pid, state.supervisor_start_time)) {
    KillAttempt(state);
    return OkStatus();
  }
  sigval value{};
  value.sival_int = grace_seconds;
  if (sigqueue(state.supervisor_pid, SIGTERM, value) != 0 && errno != ESRCH) {
    return InternalError("signalling the supervisor of job " + state.job_id + ": " +
                         ErrnoText(errno));
  }
  int64_t now = WallMillis();
  TerminateRequest request;
  request.kill_group_at_millis = now + grace_seconds * 1000LL + kBackstopGroupMillis;
  request.kill_supervisor_at_millis = now + grace_seconds * 1000LL + kBackstopSupervisorMillis;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = terminating_.emplace(Owner(state.job_id, state.attempt), request);
  if (!inserted) {  // a second request may only shorten the deadlines
    it->second.kill_group_at_millis =
        std::min(it->second.kill_group_at_millis, request.kill_group_at_millis);
    it->second.kill_supervisor_at_millis =
        std::min(it->second.kill_supervisor_at_millis, request.kill_supervisor_at_millis);
  }
  return OkStatus();
}

Status LocalExecutor::Release(const Execution& execution) {
  ASSIGN_OR_RETURN(AttemptState state, AttemptState::FromJson(execution.state));
  const std::string owner = Owner(state.job_id, state.attempt);
  FreeGpus(owner);
  {
    std::lock_guard<std::mutex> lock(mu_);
    terminating_.erase(owner);
  }
  RemoveCgroup(state.cgroup);
  return OkStatus();
}

StatusOr<std::vector<OutputFile>> LocalExecutor::CollectOutputs(
    const Execution& execution, const std::map<std::string, std::string>& outputs) {
  ASSIGN_OR_RETURN(AttemptState state, AttemptState::FromJson(execution.state));
  std::error_code ec;
  const fs::path job_dir = fs::weakly_canonical(state.job_dir, ec);
  if (ec) return InternalError("resolving " + state.job_dir + ": " + ec.message());
  std::vector<OutputFile> files;
  std::vector<std::string> missing;
  for (const auto& [name, path] : outputs) {
    std::vector<fs::path> candidates;
    if (!path.empty() && path[0] == '/') {
      candidates.push_back(path);
    } else {
      candidates.push_back(fs::path(state.cwd) / path);
      candidates.push_back(fs::path(state.output_dir) / path);
    }
    std::optional<fs::path> found;
    std::string looked_in;
    for (const auto& candidate : candidates) {
      fs::path resolved = fs::weakly_canonical(candidate, ec);
      if (ec) continue;
      if (!IsWithin(resolved, job_dir)) {
        return InvalidArgumentError("output artifact '" + name + "' path '" + path +
                                    "' is outside the job's directory " + job_dir.string());
      }
      looked_in += (looked_in.empty() ? "" : " and ") + candidate.lexically_normal().string();
      if (!found && fs::exists(resolved, ec)) found = resolved;
    }
    if (!found) {
      missing.push_back("output artifact '" + name + "' not found: the job did not write " + path +
                        " (looked in " + looked_in + ")");
      continue;
    }
    if (fs::is_directory(*found, ec)) {
      std::vector<OutputFile> inside;
      for (auto it = fs::recursive_directory_iterator(*found, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string relative = fs::relative(it->path(), *found, ec).generic_string();
        inside.push_back({name + "/" + relative, "", it->path().string(),
                          static_cast<int64_t>(it->file_size(ec))});
      }
      if (ec) return InternalError("listing " + found->string() + ": " + ec.message());
      std::sort(inside.begin(), inside.end(),
                [](const OutputFile& a, const OutputFile& b) { return a.name < b.name; });
      files.insert(files.end(), inside.begin(), inside.end());
    } else if (fs::is_regular_file(*found, ec)) {
      files.push_back({name, "", found->string(), static_cast<int64_t>(fs::file_size(*found, ec))});
    } else {
      missing.push_back("output artifact '" + name + "' at " + found->string() +
                        " is not a regular file or directory");
    }
  }
  if (!missing.empty()) {
    std::string message;
    for (const auto& m : missing) message += (message.empty() ? "" : "; ") + m;
    return NotFoundError(message);
  }
  return files;
}

StatusOr<std::unique_ptr<ByteSource>> LocalExecutor::OpenLog(std::string_view job_id,
                                                             int64_t offset) {
  RETURN_IF_ERROR(ValidateJobId(job_id));
  if (offset < 0) return InvalidArgumentError("log offset must not be negative");
  StatusOr<std::unique_ptr<ByteSource>> log = OpenFileSource(JobDir(job_id) + "/job.log", offset);
  if (log.status().code() == StatusCode::kNotFound) {
    return NotFoundError("job " + std::string(job_id) + " has no local log");
  }
  return log;
}

StatusOr<int64_t> LocalExecutor::LogSize(std::string_view job_id) {
  RETURN_IF_ERROR(ValidateJobId(job_id));
  const std::string path = JobDir(job_id) + "/job.log";
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFoundError("job " + std::string(job_id) + " has no local log");
    return InternalError("reading " + path + ": " + ErrnoText(errno));
  }
  return static_cast<int64_t>(st.st_size);
}

Status LocalExecutor::RemoveWorkspace(std::string_view job_id) {
  RETURN_IF_ERROR(ValidateJobId(job_id));
  std::error_code ec;
  fs::remove_all(JobDir(job_id), ec);
  if (ec)
    return InternalError("removing the workspace of job " + std::string(job_id) + ": " +
                         ec.message());
  return OkStatus();
}

StatusOr<std::vector<std::string>> LocalExecutor::ListWorkspaces() {
  std::vector<std::string> jobs;
  std::error_code ec;
  for (auto it = fs::directory_iterator(options_.root, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_directory(ec) && ValidateJobId(name).ok()) jobs.push_back(std::move(name));
  }
  if (ec) return InternalError("listing " + options_.root + ": " + ec.message());
  std::sort(jobs.begin(), jobs.end());
  return jobs;
}

}  // namespace inet::exec::local
