#include "exec/local/os.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

namespace inet::exec::local {

std::string ErrnoText(int err) {
  char buf[256];
  // GNU strerror_r returns the message pointer (which may not be buf).
  return std::string(strerror_r(err, buf, sizeof(buf)));
}

StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ESRCH) return NotFoundError(path + " does not exist");
    return InternalError("opening " + path + ": " + ErrnoText(err));
  }
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      if (err == ESRCH) return NotFoundError(path + " does not exist");
      return InternalError("reading " + path + ": " + ErrnoText(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

StatusOr<ProcStat> ReadProcStat(int pid) {
  if (pid <= 0) return NotFoundError("no process " + std::to_string(pid));
  ASSIGN_OR_RETURN(std::string text, ReadFile("/proc/" + std::to_string(pid) + "/stat"));
  // The command name (field 2) may contain spaces and parentheses: fields resume after the
  // last ')'.
  size_t close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return InternalError("malformed /proc/<pid>/stat");
  std::istringstream in(text.substr(close_paren + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  std::string field;
  while (in >> field) fields.push_back(field);
  if (fields.size() < 20 || fields[0].empty()) return InternalError("short /proc/<pid>/stat");
  ProcStat stat;
  stat.state = fields[0][0];
  stat.ppid = std::atoi(fields[1].c_str());
  stat.pgid = std::atoi(fields[2].c_str());
  stat.start_time = std::strtoull(fields[19].c_str(), nullptr, 10);
  return stat;
}

bool ProcessAlive(int pid, uint64_t start_time) {
  StatusOr<ProcStat> stat = ReadProcStat(pid);
  if (!stat.ok()) return false;
  if (stat->state == 'Z' || stat->state == 'X' || stat->state == 'x') return false;
  return start_time == 0 || stat->start_time == start_time;
}

std::vector<int> ChildrenOf(int ppid) {
  std::vector<int> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || pid <= 0) continue;
    StatusOr<ProcStat> stat = ReadProcStat(static_cast<int>(pid));
    if (stat.ok() && stat->ppid == ppid) out.push_back(static_cast<int>(pid));
  }
  closedir(dir);
  return out;
}

namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string Absolute(const std::string& path, const std::string& cwd) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(cwd) / p;
  return p.lexically_normal().string();
}

}  // namespace

std::string FindProgram(std::string_view program, std::string_view path_env,
                        const std::string& cwd) {
  if (program.empty()) return "";
  std::string name(program);
  if (name.find('/') != std::string::npos) {
    std::string path = Absolute(name, cwd);
    return IsExecutableFile(path) ? path : "";
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string_view::npos) end = path_env.size();
    std::string dir(path_env.substr(start, end - start));
    std::string candidate = Absolute((dir.empty() ? cwd : dir) + "/" + name, cwd);
    if (IsExecutableFile(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

StatusOr<int> FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return InternalError("socket: " + ErrnoText(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    close(fd);
    return InternalError("finding a free port: " + ErrnoText(err));
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

Status WriteFileAtomically(const std::string& path, std::string_view content, bool durable) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("creating " + tmp + ": " + ErrnoText(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return InternalError("writing " + tmp + ": " + ErrnoText(err));
    }
    done += static_cast<size_t>(n);
  }
  if (durable && fsync(fd) != 0) {
    int err = errno;
    close(fd);
    return InternalError("syncing " + tmp + ": " + ErrnoText(err));
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return InternalError("renaming " + tmp + ": " + ErrnoText(errno));
  }
  return OkStatus();
}

bool UserCanAccess(int64_t uid, int64_t gid, const std::string& path, int mode) {
  if (uid < 0 || static_cast<uid_t>(uid) == geteuid()) return access(path.c_str(), mode) == 0;
  pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) {
    const gid_t g = static_cast<gid_t>(gid);
    if (setgroups(1, &g) != 0 || setgid(g) != 0 || setuid(static_cast<uid_t>(uid)) != 0) _exit(2);
    _exit(access(path.c_str(), mode) == 0 ? 0 : 1);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string UtcTimestamp(int64_t millis) {
  time_t seconds = static_cast<time_t>(millis / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace inet::exec::local
