// Landlock for the local executor: an unprivileged file-system sandbox (Linux 5.13+) that hides
// the server's data directory from a job while leaving the rest of the machine as it was.
//
// Landlock only grants: a ruleset lists the hierarchies a process may still use, and everything
// else is denied. To deny one directory D and allow the rest, the ruleset grants every right
// beneath each sibling of each ancestor of D (for D = /srv/inet: everything in / but srv,
// everything in /srv but inet), listing of "/" itself, and then each path of `allowed` (the
// job's own workspace) beneath D. New entries created later directly in an ancestor of D (a
// new file in /srv, or in /tmp when D is under /tmp) are therefore refused: jobs get their own
// TMPDIR. With ABI 6 the domain also stops the job from signalling processes outside it (its
// supervisor, the server) and from reaching abstract unix sockets outside it; every Landlock
// domain already refuses ptrace and /proc/<pid>/environ of processes outside it.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace inet::exec::local {

// The Landlock ABI version the running kernel offers (1 = Linux 5.13, 6 = Linux 6.12), or 0
// when it has none (not built in, disabled at boot, or blocked by a seccomp filter).
int LandlockAbi();

// Builds a ruleset (an O_CLOEXEC descriptor the caller owns) that denies everything beneath
// each of `hidden` except beneath each of `allowed`, and allows the rest of the file system.
// Paths are resolved first (symlinks); a sibling symlink that resolves into a hidden path is not
// granted. kFailedPrecondition when the kernel has no Landlock; kInternal with the path that
// failed otherwise.
StatusOr<int> BuildLandlockRuleset(const std::vector<std::string>& hidden,
                                   const std::vector<std::string>& allowed);

// Sets no_new_privs and enforces `ruleset_fd` on the calling thread (and what it execs).
// Async-signal-safe: meant for a forked child before exec. Returns 0, or -1 with errno set.
int EnforceLandlockRuleset(int ruleset_fd);

}  // namespace inet::exec::local
