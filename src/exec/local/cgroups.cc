#include "exec/local/cgroups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "exec/local/os.h"

namespace inet::exec::local {
namespace {

constexpr char kMount[] = "/sys/fs/cgroup";

Status WriteControlFile(const std::string& path, std::string_view value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return InternalError("opening " + path + ": " + ErrnoText(errno));
  ssize_t n = write(fd, value.data(), value.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return InternalError("writing '" + std::string(value) + "' to " + path + ": " + ErrnoText(err));
  }
  return OkStatus();
}

bool HasWord(const std::string& text, std::string_view word) {
  std::istringstream in(text);
  std::string w;
  while (in >> w) {
    if (w == word) return true;
  }
  return false;
}

bool MountIsCgroup2(const std::string& mount_point) {
  StatusOr<std::string> mounts = ReadFile("/proc/self/mounts");
  if (!mounts.ok()) return false;
  std::istringstream in(*mounts);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string device, where, type;
    fields >> device >> where >> type;
    if (where == mount_point && type == "cgroup2") return true;
  }
  return false;
}

// Enables memory and cpu for the children of `dir`, unless they already are.
Status EnableControllers(const std::string& dir) {
  StatusOr<std::string> enabled = ReadFile(dir + "/cgroup.subtree_control");
  if (!enabled.ok()) return FailedPreconditionError(enabled.status().message());
  if (HasWord(*enabled, "memory") && HasWord(*enabled, "cpu")) return OkStatus();
  Status written = WriteControlFile(dir + "/cgroup.subtree_control", "+memory +cpu");
  if (!written.ok()) return FailedPreconditionError(written.message());
  return OkStatus();
}

}  // namespace

StatusOr<std::string> PrepareCgroupParent(const std::string& requested) {
  std::string parent = requested.empty() ? std::string(kMount) + "/inet" : requested;
  if (requested.empty() && !MountIsCgroup2(kMount)) {
    return FailedPreconditionError(std::string(kMount) +
                                   " is not a cgroup v2 mount (cgroup v1 or hybrid)");
  }
  size_t slash = parent.find_last_of('/');
  if (slash == std::string::npos || slash == 0) {
    return FailedPreconditionError("cgroup parent '" + parent + "' is not an absolute path");
  }
  const std::string grandparent = parent.substr(0, slash);
  StatusOr<std::string> available = ReadFile(grandparent + "/cgroup.controllers");
  if (!available.ok()) {
    return FailedPreconditionError("reading " + grandparent +
                                   "/cgroup.controllers: " + available.status().message());
  }
  if (!HasWord(*available, "memory") || !HasWord(*available, "cpu")) {
    return FailedPreconditionError("the memory and cpu controllers are not delegated to " +
                                   grandparent + " (it has: " + *available + ")");
  }
  RETURN_IF_ERROR(EnableControllers(grandparent));
  if (mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    return FailedPreconditionError("creating " + parent + ": " + ErrnoText(errno));
  }
  RETURN_IF_ERROR(EnableControllers(parent));
  return parent;
}

Status CreateAttemptCgroup(const std::string& path, int64_t cpu_millis, int64_t memory_bytes) {
  rmdir(path.c_str());  // an empty leftover of an attempt that crashed before cleaning up
  if (mkdir(path.c_str(), 0755) != 0) {
    return InternalError("creating cgroup " + path + ": " + ErrnoText(errno));
  }
  Status status;
  if (memory_bytes > 0) {
    status = WriteControlFile(path + "/memory.max", std::to_string(memory_bytes));
    // Without swap accounting the file is absent; memory.max alone still bounds RAM.
    if (status.ok() && access((path + "/memory.swap.max").c_str(), F_OK) == 0) {
      status = WriteControlFile(path + "/memory.swap.max", "0");
    }
  }
  if (status.ok() && cpu_millis > 0) {
    // Quota per 100 ms period: 1000 millicores = one full CPU = 100000 us; the kernel's
    // minimum quota is 1000 us.
    const int64_t quota = std::max<int64_t>(1000, cpu_millis * 100);
    status = WriteControlFile(path + "/cpu.max", std::to_string(quota) + " 100000");
  }
  if (!status.ok()) rmdir(path.c_str());
  return status;
}

void KillCgroupProcesses(const std::string& path) {
  if (path.empty()) return;
  if (WriteControlFile(path + "/cgroup.kill", "1").ok()) return;
  StatusOr<std::string> procs = ReadFile(path + "/cgroup.procs");
  if (!procs.ok()) return;
  std::istringstream in(*procs);
  int pid = 0;
  while (in >> pid) {
    if (pid > 0) kill(pid, SIGKILL);
  }
}

void RemoveCgroup(const std::string& path) {
  if (path.empty()) return;
  for (int i = 0; i < 50; ++i) {
    if (rmdir(path.c_str()) == 0 || errno == ENOENT || errno != EBUSY) return;
    usleep(10'000);  // the last killed processes are still leaving
  }
}

}  // namespace inet::exec::local
