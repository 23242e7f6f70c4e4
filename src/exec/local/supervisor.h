// The supervisor: a small process that runs one attempt of a job for the local executor, so
// the attempt outlives the server that launched it. It is the `inet __supervise <spec.json>`
// subcommand (the cli's main() calls SupervisorMain before anything else).
//
// Started by LocalExecutor::Launch with its handshake pipe on fd 3 and its spec on fd 4, it
// forks once (so the server only waits for the short-lived first process and the supervisor is
// re-parented away from the server), makes itself a child subreaper, starts the attempt's
// processes in one process group (joining the attempt's cgroup or setting RLIMIT_AS, setting
// RLIMIT_NPROC/RLIMIT_FSIZE, switching to the job user and entering the Landlock domain first;
// all or none), writes the handshake, then relays their output into the capped log and waits.
// SIGTERM/SIGINT/SIGHUP are forwarded to the group as SIGTERM, and a SIGKILL follows after the
// grace period (sigqueue's value, else the spec's default). When every process has exited it kills
// whatever descendants remain, records the outcome atomically in the exit file, appends an end
// marker to the log, and exits. See docs/design/exec.md.
#pragma once

namespace inet::exec::local {

// argv: {<binary>, "__supervise", <spec.json path>}. Returns the process exit status: 0 when
// the attempt ran and its outcome was recorded (whatever the job's own exit code), 1 when the
// attempt could not start (told through the handshake), 2 for a usage error.
int SupervisorMain(int argc, char** argv);

}  // namespace inet::exec::local
