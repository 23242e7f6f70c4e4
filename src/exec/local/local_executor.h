// LocalExecutor: the embedded default Executor. It runs each job attempt as processes on this
// machine, under a supervisor process (supervisor.h) that is not a child of the server, so
// attempts survive a server restart and are re-attached from Execution::state.
//
// Layout under options.root, one directory per job:
//   <job>/code/                  the code snapshot, fetched from the artifact store and unpacked
//                                on the first attempt, reused after
//   <job>/outputs/               INET_OUTPUT_DIR
//   <job>/checkpoints/           INET_CHECKPOINT_DIR, kept across attempts
//   <job>/tmp/                   TMPDIR
//   <job>/home/                  HOME when the job user has no home directory
//   <job>/job.log                stdout+stderr of every process of every attempt, with markers,
//                                capped at max_log_bytes (0600)
//   <job>/attempt-<n>.spec.json  what the supervisor runs, secrets redacted (0600); the
//                                supervisor reads the full spec from a socket, never a file
//   <job>/attempt-<n>.exit       how the attempt ended (written atomically by the supervisor)
//   <job>/attempt-<n>.state.json Execution::state, written before the supervisor is spawned
//                                (without its pid) and after its handshake, for Recover
// The directories a job uses (code, outputs, checkpoints, tmp, home) belong to the job user; the
// job directory itself and its control files belong to the server's user.
//
// A job is untrusted code. It gets an allow-listed environment (kInheritedEnvironment below,
// never the server's secrets), runs as `job_user` when one is set (the server must be root),
// and, where the kernel has Landlock, cannot reach beneath the root or `hidden_paths` except
// its own workspace; RLIMIT_NPROC and RLIMIT_FSIZE bound its processes and files.
// Resources: cgroup v2 (memory.max, memory.swap.max=0, cpu.max) when a writable cgroup v2
// subtree with the memory and cpu controllers is available; otherwise RLIMIT_AS for memory and
// no CPU rate limit. The one node pool's isolation says all of it. GPUs: whole devices, discovered
// through NVML or nvidia-smi or configured by count, handed out exclusively (lowest free
// indices first) and exposed through CUDA_VISIBLE_DEVICES.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "artifacts/artifact_store.h"
#include "exec/executor.h"

namespace inet::exec::local {

// The server's environment variables a job inherits (names; a trailing '*' is a prefix):
// the locale, the time zone, the search path and proxy/CA settings. Nothing else of the
// server's environment (its tokens, database passwords, cloud credentials) reaches a job.
inline constexpr const char* kInheritedEnvironment[] = {
    "PATH",          "HOME",         "USER",
    "LOGNAME",       "LANG",         "LANGUAGE",
    "LC_*",          "TZ",           "TERM",
    "http_proxy",    "https_proxy",  "no_proxy",
    "HTTP_PROXY",    "HTTPS_PROXY",  "NO_PROXY",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE"};

struct LocalExecutorOptions {
  std::string root;  // <data-dir>/jobs: one directory per job (created if missing)
  // argv prefix that runs SupervisorMain, e.g. {"/usr/bin/inet", "__supervise"}; the attempt's
  // spec path is appended. argv[0] must be an absolute path to an executable.
  std::vector<std::string> supervisor_command;
  int gpu_count = -1;           // -1 = discover (NVML, then nvidia-smi); >= 0 = configured count
  int64_t cpu_millis = 0;       // 0 = this machine's (nproc * 1000)
  int64_t memory_bytes = 0;     // 0 = this machine's (MemTotal)
  bool use_cgroups = true;      // false forces rlimits (tests)
  std::string cgroup_parent;    // "" = /sys/fs/cgroup/inet; or a delegated cgroup v2 directory
  int gang_grace_seconds = 10;  // when one process of a gang fails, the others get this long

  // --- confinement of jobs ---
  // A user name: job processes switch to it (the server must run as root; kInvalidArgument
  // otherwise or when it does not exist). "" = jobs run as the server's user.
  std::string job_user;
  // Directories jobs must not reach (the server's data directory), besides `root`; enforced
  // with Landlock where the kernel has it. Each job keeps its own workspace.
  std::vector<std::string> hidden_paths;
  bool use_landlock = true;              // false: no Landlock (tests of the fallback)
  std::vector<std::string> path_prefix;  // put first on the job's PATH (the job Python's bin)
  int64_t max_log_bytes = 256LL << 20;   // job.log stops growing past this; 0 = no limit
  int64_t max_processes = 4096;          // RLIMIT_NPROC (per user); 0 = no limit
  int64_t max_file_bytes = 64LL << 30;   // RLIMIT_FSIZE; 0 = no limit
};

class LocalExecutor final : public Executor {
 public:
  // Checks the options, discovers CPUs, memory and GPUs, chooses the isolation and logs (spdlog)
  // what it found. Code snapshots are read from `artifacts` (borrowed; must outlive the
  // executor). kInvalidArgument for an empty root, a missing supervisor program or a
  // negative resource; kInternal when the root cannot be created.
  static StatusOr<std::unique_ptr<LocalExecutor>> Create(LocalExecutorOptions options,
                                                         artifacts::ArtifactStore& artifacts);

  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;
  ~LocalExecutor() override = default;

  // One pool, "local": this machine's CPUs, memory and GPUs and the isolation in force.
  std::vector<NodePool> node_pools() const override;

  // Also: kInvalidArgument for an unsafe job id or workdir, a workdir missing from the code,
  // or a program not on PATH ("program 'pythn' not found on PATH"). Returns once every process
  // has started (or none has): the execution is never pending. The code snapshot is streamed
  // from the artifact store into the job's directory, unpacked and deleted. The environment is
  // the server's allow-listed variables (kInheritedEnvironment; PATH with path_prefix first;
  // HOME, USER and LOGNAME those of the job user when there is one; TMPDIR the job's tmp/),
  // then request.env, then request.secrets, then
  // INET_OUTPUT_DIR, INET_CHECKPOINT_DIR, INET_ATTEMPT, INET_ATTEMPT_ID ("<job>#<attempt>": the
  // marker by which the attempt's processes are found and killed once they left its process
  // group and its supervisor is gone, where no cgroup holds them), CUDA_VISIBLE_DEVICES (the
  // assigned indices, "" when no GPU was requested), CUDA_DEVICE_ORDER=PCI_BUS_ID (so indices match
  // nvidia-smi's), PYTHONUNBUFFERED=1, and for the "pytorch" backend torchrun's WORLD_SIZE,
  // RANK, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT.
  StatusOr<Execution> Launch(const LaunchRequest& request) override;

  // kInvalidArgument for state that is not this executor's or names another job;
  // kFailedPrecondition when a GPU it records is held by another attempt or no longer exists.
  StatusOr<Execution> Reattach(std::string_view job_id, std::string_view state) override;

  // Reads attempt-<n>.state.json: absent means Launch never spawned anything (kNotFound);
  // complete, it re-attaches; without the supervisor's pid (the server died during the
  // handshake) the supervisor is found by its command line and stopped with everything it
  // started, and the answer is kNotFound.
  StatusOr<Execution> Recover(std::string_view job_id, int attempt) override;

  // Running while the supervisor lives; finished when the exit record exists (exited, killed,
  // or out of memory); lost when the supervisor is gone without one (any processes left in the
  // attempt's group or cgroup are then killed). exit_code is 128+signal for a process killed
  // by a signal. After Terminate, if the supervisor has not finished the attempt 5 s past the
  // grace period, polling kills the group itself (and, 5 s later, the supervisor).
  std::vector<StatusOr<ExecutionStatus>> PollAll(const std::vector<Execution>& executions) override;

  // Sends SIGTERM carrying the grace period to the supervisor, which forwards SIGTERM to the
  // attempt's processes and SIGKILLs them after the grace period. Returns at once. OK when the
  // attempt has already ended.
  Status Terminate(const Execution& execution, int grace_seconds) override;

  // Frees the GPUs and removes the attempt's cgroup. Idempotent. The job's directory stays.
  Status Release(const Execution& execution) override;

  // Each path is looked up relative to the working directory (code/<workdir>), then relative to
  // the output directory; an absolute path must lie inside the job's directory. A directory
  // yields one OutputFile per regular file inside it, named "<name>/<relative path>".
  // kNotFound naming every missing output ("output artifact 'model.pt' not found: the job did
  // not write model.pt (looked in ...)"); kInvalidArgument for a path outside the job's
  // directory. To collect what exists when some outputs may be missing, call once per name.
  StatusOr<std::vector<OutputFile>> CollectOutputs(
      const Execution& execution, const std::map<std::string, std::string>& outputs) override;

  // kInvalidArgument for a negative offset or an unsafe job id; an offset past the end gives
  // an empty stream.
  StatusOr<std::unique_ptr<ByteSource>> OpenLog(std::string_view job_id, int64_t offset) override;
  StatusOr<int64_t> LogSize(std::string_view job_id) override;

  // Removes <root>/<job> (kInvalidArgument for an unsafe job id).
  Status RemoveWorkspace(std::string_view job_id) override;
  // The directories under the root named like job ids.
  StatusOr<std::vector<std::string>> ListWorkspaces() override;

 private:
  struct AttemptState;  // the parsed Execution::state
  struct TerminateRequest {
    int64_t kill_group_at_millis = 0;
    int64_t kill_supervisor_at_millis = 0;
  };

  struct JobUser {
    std::string name;  // "" = the server's own user
    int64_t uid = -1;
    int64_t gid = -1;
    std::string home;  // "" when it has none that exists
  };

  LocalExecutor(LocalExecutorOptions options, NodePool pool, std::string cgroup_parent,
                std::map<std::string, std::string> base_env, JobUser job_user, bool use_landlock,
                artifacts::ArtifactStore& artifacts);

  std::string JobDir(std::string_view job_id) const;
  std::string StatePath(std::string_view job_id, int attempt) const;
  StatusOr<std::vector<int>> AllocateGpus(const std::string& owner, int count);
  void FreeGpus(const std::string& owner);
  Status PrepareWorkspace(const LaunchRequest& request, std::string& cwd);
  // Streams the snapshot at `key` into `archive_path` and unpacks it into `destination`.
  Status FetchCode(const LaunchRequest& request, const std::string& archive_path,
                   const std::string& destination);
  StatusOr<ExecutionStatus> PollOne(const Execution& execution);
  // Writes the attempt spec, creates the cgroup and spawns the supervisor; waits for its
  // handshake. The GPUs are already taken by the caller.
  StatusOr<Execution> StartAttempt(const LaunchRequest& request, const std::string& cwd,
                                   const std::string& program,
                                   std::map<std::string, std::string> env,
                                   const std::vector<int>& gpus);
  void KillAttempt(const AttemptState& state);

  const LocalExecutorOptions options_;
  const NodePool pool_;
  const std::string cgroup_parent_;                    // "" = rlimits
  const std::map<std::string, std::string> base_env_;  // allow-listed, from Create
  const JobUser job_user_;
  const bool use_landlock_;
  artifacts::ArtifactStore& artifacts_;

  mutable std::mutex mu_;
  std::vector<std::string> gpu_owner_;  // per GPU index: "" or "<job>#<attempt>"; GUARDED_BY(mu_)
  // "<job>#<attempt>" -> backstop deadlines after Terminate; GUARDED_BY(mu_)
  std::map<std::string, TerminateRequest> terminating_;
};

}  // namespace inet::exec::local
