// cgroup v2 for the local executor: checking that a delegated subtree is usable (the memory
// and cpu controllers can be enabled for our children), and creating, limiting and removing
// one cgroup per attempt under it. When this is not possible the executor falls back to
// rlimits and says so.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace inet::exec::local {

// Makes `parent` ("" = "<cgroup2 mount at /sys/fs/cgroup>/inet") a cgroup whose children get
// the memory and cpu controllers, creating it if needed. Returns its path, or
// kFailedPrecondition saying why cgroups cannot be used here (not cgroup v2, controllers not
// delegated, not writable, ...).
StatusOr<std::string> PrepareCgroupParent(const std::string& parent);

// Creates `path` (removing an empty leftover first) and sets memory.max / memory.swap.max=0
// when `memory_bytes` > 0 and cpu.max when `cpu_millis` > 0. kInternal with the file that
// failed.
Status CreateAttemptCgroup(const std::string& path, int64_t cpu_millis, int64_t memory_bytes);

// SIGKILLs every process in the cgroup (cgroup.kill, or one by one on kernels before 5.14).
void KillCgroupProcesses(const std::string& path);

// Removes the cgroup if it is empty; ignores a cgroup that is already gone. Never blocks long.
void RemoveCgroup(const std::string& path);

}  // namespace inet::exec::local
