#include "exec/local/supervisor.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/format.h"
#include "common/quantity.h"
#include "exec/local/cgroups.h"
#include "exec/local/landlock.h"
#include "exec/local/os.h"
#include "exec/local/supervisor_protocol.h"

namespace inet::exec::local {
namespace {

using SteadyClock = std::chrono::steady_clock;

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// The supervisor's stdout and stderr are the job log (set up by the executor's spawn).
void LogLine(const std::string& line) { WriteAll(STDOUT_FILENO, line + "\n"); }

void SendHandshake(bool have_pipe, const Handshake& handshake) {
  if (!have_pipe) return;
  WriteAll(kHandshakeFd, HandshakeToJson(handshake) + "\n");
  close(kHandshakeFd);
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "killed by " + SignalName(sig) + " (signal " + std::to_string(sig) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

bool Failed(int status) { return !WIFEXITED(status) || WEXITSTATUS(status) != 0; }

int64_t CgroupOomKills(const std::string& cgroup) {
  if (cgroup.empty()) return 0;
  StatusOr<std::string> events = ReadFile(cgroup + "/memory.events");
  if (!events.ok()) return 0;
  size_t pos = events->find("oom_kill ");
  if (pos == std::string::npos) return 0;
  return std::atoll(events->c_str() + pos + 9);
}

// Under RLIMIT_AS a process that runs out of memory sees a failed allocation, not the OOM
// killer: recognise the usual runtimes' reports in what this attempt wrote to the log.
bool LogMentionsOutOfMemory(const std::string& log_path, int64_t from_offset) {
  constexpr int64_t kWindow = int64_t{64} * 1024;
  int fd = open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  std::string tail;
  if (fstat(fd, &st) == 0 && st.st_size > from_offset) {
    int64_t start = std::max<int64_t>(from_offset, st.st_size - kWindow);
    tail.resize(static_cast<size_t>(st.st_size - start));
    ssize_t n = pread(fd, tail.data(), tail.size(), start);
    tail.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(fd);
  for (std::string_view needle :
       {"MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory: allocator"}) {
    if (tail.find(needle) != std::string::npos) return true;
  }
  return false;
}

// argv/envp arrays built before fork, so the child only makes system calls.
struct ExecArrays {
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

// What a child reports through its error pipe when it could not exec.
struct ChildFailure {
  int stage = 0;  // one of the kStage* below
  int err = 0;
};
constexpr int kStageCgroup = 1, kStageRlimit = 2, kStageChdir = 3, kStageExec = 4, kStageUser = 5,
              kStageLandlock = 6, kStageOutput = 7, kStageCapabilities = 8;

[[noreturn]] void ChildFail(int pipe_fd, int stage) {
  ChildFailure failure{stage, errno};
  ssize_t ignored = write(pipe_fd, &failure, sizeof(failure));
  (void)ignored;
  _exit(127);
}

// Empties the bounding set (so no exec regains a capability) and the thread's own sets.
// Only system calls: runs in the forked child.
bool DropCapabilities() {
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return false;
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  return syscall(SYS_capset, &header, data) == 0;
}

bool SetLimit(int resource, int64_t value) {
  if (value <= 0) return true;
  rlimit limit{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
  return setrlimit(resource, &limit) == 0;
}

// Runs in the forked child: joins the group (and cgroup), sets limits, sends its output to the
// supervisor's relay pipe, becomes the job user, enters the Landlock domain, restores the
// signal state the job expects, and execs. Only system calls here.
[[noreturn]] void RunChild(const AttemptSpec& spec, const ExecArrays& arrays, int pgid,
                           const std::string& cgroup_procs, int pipe_fd, pid_t supervisor,
                           int output_fd, int landlock_fd) {
  setpgid(0, pgid);
  if (!cgroup_procs.empty()) {
    int fd = open(cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) ChildFail(pipe_fd, kStageCgroup);
    close(fd);
  }
  if (!SetLimit(RLIMIT_AS, spec.rlimit_as_bytes) || !SetLimit(RLIMIT_NPROC, spec.rlimit_nproc) ||
      !SetLimit(RLIMIT_FSIZE, spec.rlimit_fsize_bytes)) {
    ChildFail(pipe_fd, kStageRlimit);
  }
  if (dup2(output_fd, STDOUT_FILENO) < 0 || dup2(output_fd, STDERR_FILENO) < 0) {
    ChildFail(pipe_fd, kStageOutput);
  }
  if (spec.run_as_uid >= 0) {
    const gid_t gid = static_cast<gid_t>(spec.run_as_gid);
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 ||
        setuid(static_cast<uid_t>(spec.run_as_uid)) != 0) {
      ChildFail(pipe_fd, kStageUser);
    }
  }
  if (landlock_fd >= 0 && EnforceLandlockRuleset(landlock_fd) != 0) {
    ChildFail(pipe_fd, kStageLandlock);
  }
  if (spec.drop_capabilities && !DropCapabilities()) ChildFail(pipe_fd, kStageCapabilities);
  // If the supervisor dies (kill -9), its direct children die with it instead of running
  // unsupervised beside a retry. (After setuid, which clears the setting.)
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != supervisor) _exit(127);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  }
  // glibc's posix_spawn leaves its internal signals (32, 33) ignored in the spawned program and
  // glibc's sigaction refuses to touch them; an all-zero kernel sigaction is SIG_DFL, no flags,
  // empty mask on every architecture.
  for (int sig = 32; sig < SIGRTMIN; ++sig) {
    uint64_t zeroed[4] = {};  // larger than any architecture's struct sigaction for the kernel
    syscall(SYS_rt_sigaction, sig, zeroed, nullptr, 8 /* the kernel's sigset_t */);
  }
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  umask(022);  // the server runs with 077; a job's files get the usual modes
  if (chdir(spec.cwd.c_str()) != 0) ChildFail(pipe_fd, kStageChdir);
  execve(spec.program.c_str(), arrays.argv.data(), arrays.envp.data());
  ChildFail(pipe_fd, kStageExec);
}

std::string DescribeChildFailure(const AttemptSpec& spec, const ChildFailure& failure) {
  std::string what;
  switch (failure.stage) {
    case kStageCgroup:
      what = "joining cgroup " + spec.cgroup_path;
      break;
    case kStageRlimit:
      what = "setting the resource limits (RLIMIT_AS " +
             FormatMemoryQuantity(spec.rlimit_as_bytes) + ", RLIMIT_NPROC " +
             std::to_string(spec.rlimit_nproc) + ", RLIMIT_FSIZE " +
             FormatBytes(spec.rlimit_fsize_bytes) + ")";
      break;
    case kStageUser:
      what = "switching to uid " + std::to_string(spec.run_as_uid) + " gid " +
             std::to_string(spec.run_as_gid);
      break;
    case kStageLandlock:
      what = "entering the Landlock sandbox";
      break;
    case kStageOutput:
      what = "connecting stdout/stderr to the log";
      break;
    case kStageCapabilities:
      what = "dropping root's capabilities";
      break;
    case kStageChdir:
      what = "changing to directory " + spec.cwd;
      break;
    default:
      what = "executing " + spec.program;
  }
  return what + ": " + ErrnoText(failure.err);
}

void ReapAll() {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

// Kills every remaining descendant: the process group, the cgroup, and (as a subreaper) every
// orphan re-parented to us, round after round until we have no children left.
void KillLeftovers(int pgid, const std::string& cgroup) {
  for (int round = 0; round < 500; ++round) {
    if (pgid > 0) kill(-pgid, SIGKILL);
    KillCgroupProcesses(cgroup);
    for (int pid : ChildrenOf(getpid())) kill(pid, SIGKILL);
    pid_t reaped;
    while ((reaped = waitpid(-1, nullptr, WNOHANG)) > 0) {
    }
    if (reaped < 0 && errno == ECHILD) return;
    usleep(10'000);
  }
}

// Copies what the attempt's processes write (one pipe for all of them) into the job log, up to
// the spec's max_log_bytes for the whole file; past it, one marker line says so and the rest is
// read and dropped, so a job that writes without end can neither fill the disk nor block.
class LogRelay {
 public:
  LogRelay(int read_fd, int64_t log_size, int64_t max_bytes, int attempt)
      : fd_(read_fd), size_(log_size), max_(max_bytes), attempt_(attempt) {}
  LogRelay(const LogRelay&) = delete;
  LogRelay& operator=(const LogRelay&) = delete;
  ~LogRelay() {
    if (fd_ >= 0) close(fd_);
  }

  int fd() const { return fd_; }

  // Copies what is readable now; closes the pipe at end of file.
  void Pump() {
    char buf[65536];
    while (fd_ >= 0) {
      ssize_t n = read(fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return;  // EAGAIN: nothing more for now
      if (n == 0) {
        close(fd_);
        fd_ = -1;
        return;
      }
      Append(std::string_view(buf, static_cast<size_t>(n)));
    }
  }

 private:
  void Append(std::string_view data) {
    if (truncated_) return;
    if (max_ > 0 && size_ + static_cast<int64_t>(data.size()) > max_) {
      WriteAll(STDOUT_FILENO,
               data.substr(0, static_cast<size_t>(std::max<int64_t>(0, max_ - size_))));
      LogLine("\n==> log truncated: the job log reached its limit of " + FormatBytes(max_) +
              " (inet server --max-log-bytes); the rest of attempt " + std::to_string(attempt_) +
              "'s output is discarded <==");
      truncated_ = true;
      return;
    }
    WriteAll(STDOUT_FILENO, data);
    size_ += static_cast<int64_t>(data.size());
  }

  int fd_;
  int64_t size_;
  const int64_t max_;
  const int attempt_;
  bool truncated_ = false;
};

// The attempt spec: from kSpecFd when the executor passed it there (the file then holds only
// what a human may read), else from the file.
StatusOr<AttemptSpec> ReadSpec(const char* path) {
  if (fcntl(kSpecFd, F_GETFD) < 0) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    return AttemptSpecFromJson(text);
  }
  std::string text;
  char buf[65536];
  while (true) {
    ssize_t n = read(kSpecFd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(kSpecFd);
      return InternalError("reading the spec from descriptor 4: " + ErrnoText(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(kSpecFd);
  return AttemptSpecFromJson(text);
}

}  // namespace

int SupervisorMain(int argc, char** argv) {
  if (argc != 3 || std::string_view(argv[1]) != "__supervise") {
    std::fprintf(stderr,
                 "usage: %s __supervise <attempt-spec.json>\n(internal: started by the "
                 "local executor to run one job attempt)\n",
                 argc > 0 ? argv[0] : "inet");
    return 2;
  }
  // Not dumpable: a job running as this user cannot read our memory or /proc/<pid>/environ.
  prctl(PR_SET_DUMPABLE, 0);
  StatusOr<AttemptSpec> parsed = ReadSpec(argv[2]);
  // Keep stdin/stdout/stderr and the handshake pipe; the server's other descriptors (its
  // listening socket, database files) must not leak into jobs.
  close_range(kHandshakeFd + 1, ~0U, 0);
  const bool have_pipe = fcntl(kHandshakeFd, F_GETFD) >= 0;
  if (have_pipe) fcntl(kHandshakeFd, F_SETFD, FD_CLOEXEC);

  Handshake handshake;
  if (!parsed.ok()) {
    handshake.error = "reading the attempt spec: " + parsed.status().message();
    LogLine("==> supervisor: " + handshake.error + " <==");
    SendHandshake(have_pipe, handshake);
    return 1;
  }
  const AttemptSpec& spec = *parsed;
  const int n = static_cast<int>(spec.process_env.size());

  // Signals are taken synchronously (a signalfd); SIGCHLD must not be ignored (children
  // would be reaped behind our back) and SIGPIPE must not kill us.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1}) sigaddset(&handled, sig);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  signal(SIGCHLD, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);

  // Fork once: the server waits for the first process (which exits now) and the supervisor
  // proper is re-parented to init or a subreaper, so it never lingers as the server's zombie.
  pid_t detached = fork();
  if (detached < 0) {
    handshake.error = "fork: " + ErrnoText(errno);
    SendHandshake(have_pipe, handshake);
    return 1;
  }
  if (detached > 0) _exit(0);

  const pid_t self = getpid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  handshake.supervisor_pid = self;

  LogLine("==> attempt " + std::to_string(spec.attempt) + " started at " +
          UtcTimestamp(WallMillis()) + " <==");
  struct stat log_stat {};
  const int64_t attempt_log_offset = fstat(STDOUT_FILENO, &log_stat) == 0 ? log_stat.st_size : 0;

  // Build every exec array first: a gang starts all together or not at all.
  std::vector<std::string> argv_storage = spec.argv;
  std::vector<ExecArrays> arrays(n);
  for (int i = 0; i < n; ++i) {
    arrays[i].env_storage = spec.process_env[i];
    for (auto& a : argv_storage) arrays[i].argv.push_back(a.data());
    arrays[i].argv.push_back(nullptr);
    for (auto& e : arrays[i].env_storage) arrays[i].envp.push_back(e.data());
    arrays[i].envp.push_back(nullptr);
  }
  const std::string cgroup_procs =
      spec.cgroup_path.empty() ? std::string() : spec.cgroup_path + "/cgroup.procs";

  // One pipe carries every process's stdout and stderr to the relay.
  int output_pipe[2];
  if (pipe2(output_pipe, O_CLOEXEC) != 0) {
    handshake.error = "pipe: " + ErrnoText(errno);
    SendHandshake(have_pipe, handshake);
    return 1;
  }
  fcntl(output_pipe[0], F_SETFL, O_NONBLOCK);
  LogRelay relay(output_pipe[0], attempt_log_offset, spec.max_log_bytes, spec.attempt);

  int landlock_fd = -1;
  if (!spec.landlock_hidden.empty()) {
    StatusOr<int> ruleset = BuildLandlockRuleset(spec.landlock_hidden, spec.landlock_allowed);
    if (!ruleset.ok()) {
      handshake.error = "preparing the Landlock sandbox: " + ruleset.status().message();
      LogLine("==> attempt " + std::to_string(spec.attempt) +
              " failed to start: " + handshake.error + " <==");
      SendHandshake(have_pipe, handshake);
      return 1;
    }
    landlock_fd = *ruleset;
  }

  int pgid = 0;
  std::vector<pid_t> pids;
  std::optional<std::string> start_error;
  int start_errno = 0;
  for (int i = 0; i < n && !start_error; ++i) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      start_error = "pipe: " + ErrnoText(errno);
      break;
    }
    pid_t pid = fork();
    if (pid == 0) {
      close(pipe_fds[0]);
      RunChild(spec, arrays[i], pgid, cgroup_procs, pipe_fds[1], self, output_pipe[1], landlock_fd);
    }
    close(pipe_fds[1]);
    if (pid < 0) {
      start_error = "fork: " + ErrnoText(errno);
      close(pipe_fds[0]);
      break;
    }
    // Both sides set the group, so it is right whichever runs first.
    setpgid(pid, pgid == 0 ? pid : pgid);
    if (pgid == 0) pgid = pid;
    pids.push_back(pid);
    ChildFailure failure;
    ssize_t got;
    do {
      got = read(pipe_fds[0], &failure, sizeof(failure));
    } while (got < 0 && errno == EINTR);
    close(pipe_fds[0]);
    if (got == static_cast<ssize_t>(sizeof(failure))) {
      start_error =
          "starting process " + std::to_string(i) + ": " + DescribeChildFailure(spec, failure);
      if (failure.stage == kStageExec) start_errno = failure.err;
    }
  }
  close(output_pipe[1]);  // the children hold the write ends now
  if (landlock_fd >= 0) close(landlock_fd);
  if (start_error) {
    for (pid_t pid : pids) kill(pid, SIGKILL);
    KillLeftovers(pgid, spec.cgroup_path);
    handshake.error = *start_error;
    handshake.error_errno = start_errno;
    LogLine("==> attempt " + std::to_string(spec.attempt) + " failed to start: " + *start_error +
            " <==");
    SendHandshake(have_pipe, handshake);
    RemoveCgroup(spec.cgroup_path);
    return 1;
  }

  handshake.ok = true;
  handshake.pgid = pgid;
  handshake.pids.assign(pids.begin(), pids.end());
  if (StatusOr<ProcStat> leader = ReadProcStat(pgid); leader.ok()) {
    handshake.leader_start_time = leader->start_time;
  }
  SendHandshake(have_pipe, handshake);

  // Signals arrive through a descriptor so one poll() waits for them and for output.
  const int signal_fd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd < 0) LogLine("==> supervisor: signalfd: " + ErrnoText(errno) + " <==");

  // Wait for every process; forward stop requests; escalate to SIGKILL at the deadline.
  std::vector<std::optional<int>> statuses(n);
  int remaining = n;
  std::optional<int> first_failure;
  // time_point::max() = no deadline (std::optional here trips GCC 12's -Wmaybe-uninitialized).
  constexpr SteadyClock::time_point kNoDeadline = SteadyClock::time_point::max();
  SteadyClock::time_point kill_deadline = kNoDeadline;
  auto kill_everything = [&] {
    kill(-pgid, SIGKILL);
    KillCgroupProcesses(spec.cgroup_path);
    for (int i = 0; i < n; ++i) {
      if (!statuses[i]) kill(pids[i], SIGKILL);
    }
    kill_deadline = kNoDeadline;
  };
  auto stop = [&](int grace_seconds) {
    kill(-pgid, SIGTERM);
    for (int i = 0; i < n; ++i) {
      if (!statuses[i]) kill(pids[i], SIGTERM);
    }
    auto deadline = SteadyClock::now() + std::chrono::seconds(std::max(0, grace_seconds));
    kill_deadline = std::min(kill_deadline, deadline);
  };
  while (remaining > 0) {
    int status = 0;
    pid_t reaped;
    while ((reaped = waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = std::find(pids.begin(), pids.end(), reaped);
      if (it == pids.end()) continue;  // an orphaned descendant we adopted
      int index = static_cast<int>(it - pids.begin());
      statuses[index] = status;
      --remaining;
      if (Failed(status) && !first_failure) {
        first_failure = index;
        // One failed rank leaves the others of a gang waiting forever: stop them.
        if (remaining > 0) stop(spec.gang_grace_seconds);
      }
    }
    if (remaining == 0) break;
    if (kill_deadline != kNoDeadline && SteadyClock::now() >= kill_deadline) kill_everything();

    auto wait_for = std::chrono::milliseconds(1000);
    if (kill_deadline != kNoDeadline) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(kill_deadline - SteadyClock::now());
      wait_for = std::clamp(left, std::chrono::milliseconds(1), wait_for);
    }
    // Wait for output to relay, a signal (SIGCHLD included) or the timeout.
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {relay.fd(), POLLIN, 0}};
    poll(fds, relay.fd() >= 0 ? 2 : 1, static_cast<int>(wait_for.count()));
    if (relay.fd() >= 0 && fds[1].revents != 0) relay.Pump();
    signalfd_siginfo info{};
    while (signal_fd >= 0 && read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
      const int sig = static_cast<int>(info.ssi_signo);
      if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
        stop(info.ssi_code == SI_QUEUE ? info.ssi_int : spec.default_grace_seconds);
      } else if (sig == SIGUSR1) {
        kill_everything();
      }
    }
  }

  const bool cgroup_oom = CgroupOomKills(spec.cgroup_path) > 0;
  KillLeftovers(pgid, spec.cgroup_path);
  relay.Pump();  // what the last writers left in the pipe (not waiting for an end of file)

  const int reported = first_failure.value_or(0);
  const int wait_status = *statuses[reported];
  ExitRecord record;
  if (WIFEXITED(wait_status)) {
    record.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    record.signal = WTERMSIG(wait_status);
    record.exit_code = 128 + record.signal;  // the shell's convention
  }
  record.message = DescribeWaitStatus(wait_status);
  if (record.signal == SIGXFSZ && spec.rlimit_fsize_bytes > 0) {
    record.message += ": a file reached the jobs' file-size limit of " +
                      FormatBytes(spec.rlimit_fsize_bytes) + " (inet server --job-max-file-bytes)";
  }
  if (n > 1 && first_failure) {
    record.message =
        "process " + std::to_string(reported) + " of " + std::to_string(n) + " " + record.message;
  }
  const std::string limit = FormatMemoryQuantity(spec.memory_limit_bytes);
  if (cgroup_oom) {
    record.oom_killed = true;
    record.message = record.signal == SIGKILL ? "killed: out of memory (limit " + limit + ")"
                                              : record.message + ": out of memory (limit " + limit +
                                                    "; the kernel's OOM killer stopped a process)";
  } else if (spec.rlimit_as_bytes > 0 && first_failure &&
             LogMentionsOutOfMemory(spec.log_path, attempt_log_offset)) {
    record.oom_killed = true;
    record.message += ": likely out of memory (limit " +
                      FormatMemoryQuantity(spec.rlimit_as_bytes) + ", enforced with RLIMIT_AS)";
  }
  record.finished_at_millis = WallMillis();
  LogLine("==> attempt " + std::to_string(spec.attempt) + " finished at " +
          UtcTimestamp(record.finished_at_millis) + ": " + record.message + " <==");
  Status written = WriteFileAtomically(spec.exit_path, ExitRecordToJson(record));
  if (!written.ok()) LogLine("==> supervisor: " + written.message() + " <==");
  RemoveCgroup(spec.cgroup_path);
  ReapAll();
  return written.ok() ? 0 : 1;
}

}  // namespace inet::exec::local
