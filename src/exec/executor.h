// Executor: runs one attempt of a job somewhere and reports on it: launch, poll (in batches),
// terminate, logs, outputs, and re-attach after the control plane restarts. Shaped for a
// cluster: the code arrives as an artifact-store key the executor fetches itself, secrets
// travel apart from the environment, an attempt may sit pending before it runs and ends in a
// typed way (exited, killed, out of memory, preempted, lost), and capacity comes per node
// pool. The local executor (exec/local, the embedded default) runs processes on this machine;
// an Argo/Kubernetes executor comes later behind the same interface. The job controller
// (jobs/) owns the life cycle and calls these from its one loop thread; implementations must
// still be thread-safe because log reads come from HTTP handler threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/io.h"
#include "common/resources.h"
#include "common/status.h"

namespace inet::exec {

struct GpuDevice {
  int index = 0;     // the CUDA_VISIBLE_DEVICES index
  std::string uuid;  // "GPU-..." when known
  std::string name;  // "NVIDIA H100 80GB HBM3", or "configured" for a configured count
  int64_t memory_bytes = 0;
};

// A set of alike machines an executor places attempts on: a Kubernetes node pool, or the
// local executor's one machine ("local"). An attempt runs within one pool.
struct NodePool {
  std::string name;
  Resources allocatable;  // what attempts may hold at once; gpus == gpu_devices.size()
  std::vector<GpuDevice> gpu_devices;
  std::string gpu_source;  // "nvml", "nvidia-smi", "configured" or "none"
  std::string isolation;   // e.g. "cgroup v2 (memory.max, cpu.max)" or "rlimits (RLIMIT_AS)"
};

// Everything the pools can hold at once (the sum of their allocatable resources).
Resources TotalAllocatable(const std::vector<NodePool>& pools);

struct LaunchRequest {
  std::string job_id;
  int attempt = 1;                         // 1-based
  std::vector<std::string> argv;           // argv[0] is looked up on PATH
  std::map<std::string, std::string> env;  // added to the executor's base environment
  // Values only the job may read (its attempt token): in the job's environment like `env`
  // (a secret wins over an env entry of the same name), but never in anything the executor
  // persists or logs (spec and state files, log lines, Execution::state); a Kubernetes
  // executor puts them in a Secret.
  std::map<std::string, std::string> secrets;
  // The artifact-store key of the code snapshot (a .tar.gz), fetched and unpacked by the
  // executor on the first attempt (as an Argo pod's init step fetches it from S3); "" = none.
  std::string code_snapshot_key;
  // Bound on what the code may unpack to (the entries' declared sizes); the caller sets it
  // relative to the snapshot's size so a gzip bomb is refused before it fills the disk.
  // 0 = the executor's default.
  int64_t code_max_unpacked_bytes = 0;
  std::string workdir;              // relative to the code root; "" = its top
  Resources resources;              // what the whole attempt holds; 0 cpu/memory = no limit
  int processes = 1;                // > 1 with a distributed backend
  std::string distributed_backend;  // "" or "pytorch" (torchrun's env conventions)
};

// A running (or finished) attempt. `state` is opaque to callers and is persisted by them so
// Reattach can rebuild the execution after a restart; it never holds a secret.
struct Execution {
  std::string job_id;
  int attempt = 0;
  std::vector<int> gpu_indices;  // assigned GPUs (CUDA_VISIBLE_DEVICES)
  std::string output_dir;        // INET_OUTPUT_DIR given to the job
  std::string state;             // opaque JSON
};

// Where an attempt is in its life.
enum class ExecutionPhase {
  kPending,   // accepted, waiting on the cluster (unscheduled pod, image pull); holds its request
  kRunning,   // its processes run
  kFinished,  // over; `end` says how
};

// How a finished attempt ended.
enum class ExecutionEnd {
  kNone,         // not finished
  kExited,       // every process exited; exit_code is the first failing one's (0 = success)
  kKilled,       // killed by `signal` (Terminate, or from outside)
  kOutOfMemory,  // killed for exceeding its memory limit
  kPreempted,    // evicted by the cluster to make room (a Kubernetes preemption)
  kLost,         // gone without a recorded end (its node or supervisor died)
};

struct ExecutionStatus {
  ExecutionPhase phase = ExecutionPhase::kRunning;
  ExecutionEnd end = ExecutionEnd::kNone;
  int exit_code = 0;    // kExited: the code; kKilled/kOutOfMemory: 128 + signal; else -1
  int signal = 0;       // the terminating signal for kKilled/kOutOfMemory, else 0
  std::string message;  // human-readable summary ("exited with code 1", "killed: out of
                        // memory (limit 512Mi)", ...)

  bool finished() const { return phase == ExecutionPhase::kFinished; }
  bool succeeded() const { return end == ExecutionEnd::kExited && exit_code == 0; }
};

// "pending", "running", "finished"; and "exited", "killed", "out of memory", "preempted",
// "lost" (and "" for kNone), for logs and messages.
const char* PhaseName(ExecutionPhase phase);
const char* EndName(ExecutionEnd end);

// A file an attempt produced, found by Executor::CollectOutputs.
struct OutputFile {
  std::string name;  // the output_artifacts key
  // Where to read it: an artifact-store key when the executor stored it there itself (a pod's
  // output step uploads to S3), else a path readable by the control plane (the local executor).
  std::string artifact_key;
  std::string local_path;
  int64_t size = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;

  // The pools this executor places attempts on, with what each can hold and how it isolates
  // jobs. The local executor reports one pool, "local".
  virtual std::vector<NodePool> node_pools() const = 0;

  // Prepares the workspace (fetching and unpacking the code snapshot on the first attempt; the
  // checkpoint directory persists across attempts) and starts all `processes` of the attempt,
  // or none; the returned execution may still be pending. kResourceExhausted when the GPUs
  // asked for are not free; kInvalidArgument for a request that can never run here (more GPUs
  // than exist, a missing program, a snapshot that cannot be unpacked); kNotFound when the
  // snapshot key names nothing; kInternal otherwise.
  virtual StatusOr<Execution> Launch(const LaunchRequest& request) = 0;

  // Rebuilds an execution from its persisted `state` after a restart and takes back its
  // resources (GPUs). The processes may since have finished or vanished: Poll says which.
  virtual StatusOr<Execution> Reattach(std::string_view job_id, std::string_view state) = 0;

  // Finds attempt `attempt` of `job_id` when its caller may have died between asking Launch
  // for it and recording the returned Execution (the caller records "launching attempt N"
  // durably before calling Launch, so a restart knows to ask). Returns the execution, with its
  // resources taken back as Reattach does, when the attempt was started; kNotFound when
  // nothing of it runs (it was never started, or what had barely started was stopped) and
  // none of it will start later: the caller may launch it again. Other errors: unknown yet;
  // ask again later, never launch a second copy meanwhile.
  virtual StatusOr<Execution> Recover(std::string_view job_id, int attempt) = 0;

  // Where each execution is now, in the order given: one answer per execution, each an error
  // of its own (kNotFound or kInvalidArgument for an execution this executor does not know;
  // others may pass). Non-blocking; one call per controller pass covers every live attempt
  // (a Kubernetes executor answers from its watch of the pods).
  virtual std::vector<StatusOr<ExecutionStatus>> PollAll(
      const std::vector<Execution>& executions) = 0;

  // PollAll for one execution.
  StatusOr<ExecutionStatus> Poll(const Execution& execution) {
    return std::move(PollAll({execution}).front());
  }

  // Asks every process of the attempt to stop (SIGTERM to the group), and kills whatever is
  // left after `grace_seconds` (SIGKILL), descendants included. Returns at once; Poll reports
  // the end.
  virtual Status Terminate(const Execution& execution, int grace_seconds) = 0;

  // Frees the attempt's resources (GPUs, cgroup) once Poll said finished. Idempotent.
  virtual Status Release(const Execution& execution) = 0;

  // Resolves output_artifacts (name -> path relative to the workdir, or absolute under the
  // output dir) after an attempt, as local paths or artifact-store keys (OutputFile). Missing
  // files are reported in the status, naming them.
  virtual StatusOr<std::vector<OutputFile>> CollectOutputs(
      const Execution& execution, const std::map<std::string, std::string>& outputs) = 0;

  // The job's combined stdout/stderr (all attempts, each opened by a marker line), from byte
  // `offset`. kNotFound when the job has no local log (never started, or cleaned up).
  virtual StatusOr<std::unique_ptr<ByteSource>> OpenLog(std::string_view job_id,
                                                        int64_t offset) = 0;
  // Size in bytes of that log so far; kNotFound as above.
  virtual StatusOr<int64_t> LogSize(std::string_view job_id) = 0;

  // Removes everything the executor keeps for the job (code, outputs, checkpoints, local log)
  // once the caller has stored what it needs; the job must have no running attempt. OK when
  // there is nothing to remove. After it, OpenLog is kNotFound and a new attempt would start
  // from a fresh workspace.
  virtual Status RemoveWorkspace(std::string_view job_id) = 0;

  // The jobs that have a workspace here, for sweeping those past their retention (after a
  // restart, say).
  virtual StatusOr<std::vector<std::string>> ListWorkspaces() = 0;
};

}  // namespace inet::exec
