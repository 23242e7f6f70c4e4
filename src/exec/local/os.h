// The operating-system pieces the local executor and its supervisor share: reading a process's
// identity from /proc (so a pid that was reused is not mistaken for ours), finding a program on
// PATH, picking a free TCP port, writing a file atomically, and UTC timestamps for log markers.
// Linux only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inet::exec::local {

// A few fields of /proc/<pid>/stat.
struct ProcStat {
  char state = '?';  // R, S, D, Z (zombie), X (dead), ...
  int ppid = 0;
  int pgid = 0;
  uint64_t start_time = 0;  // field 22: clock ticks after boot; with the pid, a unique identity
};

// kNotFound when the process does not exist; kInternal when /proc is unreadable or malformed.
StatusOr<ProcStat> ReadProcStat(int pid);

// True when `pid` exists, is not a zombie, and (when `start_time` != 0) started at `start_time`.
bool ProcessAlive(int pid, uint64_t start_time);

// The pids of every process whose parent is `ppid` (a scan of /proc).
std::vector<int> ChildrenOf(int ppid);

// Resolves `program` as execvp would: a name with a '/' relative to `cwd`, otherwise each
// directory of `path_env` (":"-separated; an empty entry means `cwd`). Returns the absolute
// path of an executable regular file, or "" if there is none.
std::string FindProgram(std::string_view program, std::string_view path_env,
                        const std::string& cwd);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
StatusOr<int> FreeTcpPort();

// Writes `content` to `path` through `<path>.tmp` and a rename, so readers see the old file, no
// file, or the whole new one; with `durable`, fsyncs before the rename so it also survives a
// machine crash. The file is private to this user (0600): specs and exit records are read by
// the server and the supervisor only.
Status WriteFileAtomically(const std::string& path, std::string_view content, bool durable = true);

// Whether user `uid` (group `gid`, no supplementary groups) could access(`path`, `mode`):
// checked in a forked child that switches to that user, so every directory on the way counts.
// Needs root to switch; for the calling user's own uid it is a plain access().
bool UserCanAccess(int64_t uid, int64_t gid, const std::string& path, int mode);

// Reads a whole (small) file. kNotFound when it does not exist.
StatusOr<std::string> ReadFile(const std::string& path);

// "2026-11-26T23:12:22Z" for `millis` since the epoch.
std::string UtcTimestamp(int64_t millis);

// Milliseconds since the epoch, from the wall clock.
int64_t WallMillis();

// errno as text: "No such file or directory".
std::string ErrnoText(int err);

}  // namespace inet::exec::local
