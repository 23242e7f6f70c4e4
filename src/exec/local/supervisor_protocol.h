// The files and messages the local executor and its supervisor process exchange: the attempt
// spec the executor writes for the supervisor (attempt-<n>.spec.json), the one-line handshake
// the supervisor sends back on fd 3 once every process started (or why none did), and the exit
// record it leaves in attempt-<n>.exit when the attempt ends. All are JSON so a human can read
// them in the job directory, and so a restarted server can read what an older one started.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inet::exec::local {

// The file descriptor on which the supervisor writes its handshake line.
inline constexpr int kHandshakeFd = 3;
// The file descriptor from which the supervisor reads its attempt spec (JSON, to EOF) when it
// is open; the spec file named on its command line is then only what a human reads (secrets
// redacted). Without it (a supervisor started by hand) the file is read.
inline constexpr int kSpecFd = 4;

// Everything the supervisor needs to run one attempt; written by LocalExecutor::Launch.
struct AttemptSpec {
  std::string job_id;
  int attempt = 1;
  std::string program;                                // absolute path executed (argv[0] resolved)
  std::vector<std::string> argv;                      // as given (argv[0] unresolved)
  std::vector<std::vector<std::string>> process_env;  // one "K=V" list per process (rank)
  std::string cwd;
  std::string log_path;            // stdout/stderr of every process, appended
  std::string exit_path;           // where the exit record goes (written via <exit_path>.tmp)
  std::string cgroup_path;         // "" = no cgroup; else processes join it before exec
  int64_t rlimit_as_bytes = 0;     // > 0: RLIMIT_AS for every process (no cgroup)
  int64_t rlimit_nproc = 0;        // > 0: RLIMIT_NPROC for every process
  int64_t rlimit_fsize_bytes = 0;  // > 0: RLIMIT_FSIZE for every process
  int64_t max_log_bytes = 0;       // > 0: job.log stops growing (a marker says so) past this
  int64_t run_as_uid = -1;         // >= 0: processes switch to this user (and run_as_gid)
  int64_t run_as_gid = -1;
  bool drop_capabilities = false;  // processes give up every capability (uid 0 without a job user)
  // Landlock (landlock.h): when non-empty, the processes cannot reach beneath these paths
  // except beneath landlock_allowed.
  std::vector<std::string> landlock_hidden;
  std::vector<std::string> landlock_allowed;
  int64_t memory_limit_bytes = 0;  // the memory request, for messages
  int default_grace_seconds = 10;  // SIGTERM -> SIGKILL when the stop request carries none
  int gang_grace_seconds = 10;     // after one process of a gang fails, the others get this long
};

std::string AttemptSpecToJson(const AttemptSpec& spec);
// kInvalidArgument for malformed JSON or missing fields.
StatusOr<AttemptSpec> AttemptSpecFromJson(std::string_view json);

// The supervisor's answer to Launch.
struct Handshake {
  bool ok = false;
  std::string error;               // why no process runs (when !ok)
  int error_errno = 0;             // errno of the failed exec, if that was the cause
  int supervisor_pid = 0;          // the long-lived supervisor (the spawned process forks once)
  int pgid = 0;                    // the attempt's process group
  std::vector<int> pids;           // one per process
  uint64_t leader_start_time = 0;  // /proc/<pgid>/stat field 22 of the group leader
};

std::string HandshakeToJson(const Handshake& handshake);
StatusOr<Handshake> HandshakeFromJson(std::string_view json);

// How an attempt ended.
struct ExitRecord {
  int exit_code = 0;
  int signal = 0;
  bool oom_killed = false;
  std::string message;
  int64_t finished_at_millis = 0;
};

std::string ExitRecordToJson(const ExitRecord& record);
StatusOr<ExitRecord> ExitRecordFromJson(std::string_view json);

}  // namespace inet::exec::local
