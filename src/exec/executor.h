// Executor: runs one attempt of a job somewhere and reports on it: launch, poll, terminate,
// logs, outputs, and re-attach after the control plane restarts. The local executor
// (exec/local, the embedded default) runs processes on this machine; an Argo/Kubernetes
// executor comes later behind the same interface. The job controller (jobs/) owns the life
// cycle and calls these from its one loop thread; implementations must still be thread-safe
// because log reads come from HTTP handler threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
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

// What this executor can run at once, and how it isolates jobs.
struct Capacity {
  int64_t cpu_millis = 0;    // schedulable CPU (1000 per core)
  int64_t memory_bytes = 0;  // schedulable memory
  std::vector<GpuDevice> gpus;
  std::string gpu_source;  // "nvml", "nvidia-smi", "configured" or "none"
  std::string isolation;   // e.g. "cgroup v2 (memory.max, cpu.max)" or "rlimits (RLIMIT_AS)"
};

struct LaunchRequest {
  std::string job_id;
  int attempt = 1;                         // 1-based
  std::vector<std::string> argv;           // argv[0] is looked up on PATH
  std::map<std::string, std::string> env;  // added to the executor's base environment
  std::string code_archive_path;           // local .tar.gz to unpack as the code; "" = none
  // Bound on what the code archive may unpack to (the entries' declared sizes); the caller
  // sets it relative to the archive's size so a gzip bomb is refused before it fills the disk.
  // 0 = the executor's default.
  int64_t code_max_unpacked_bytes = 0;
  std::string workdir;              // relative to the code root; "" = its top
  Resources resources;              // what the whole attempt holds; 0 cpu/memory = no limit
  int processes = 1;                // > 1 with a distributed backend
  std::string distributed_backend;  // "" or "pytorch" (torchrun's env conventions)
};

// A running (or finished) attempt. `state` is opaque to callers and is persisted by them so
// Reattach can rebuild the execution after a restart.
struct Execution {
  std::string job_id;
  int attempt = 0;
  std::vector<int> gpu_indices;  // assigned GPUs (CUDA_VISIBLE_DEVICES)
  std::string output_dir;        // INET_OUTPUT_DIR given to the job
  std::string state;             // opaque JSON
};

struct ExecutionStatus {
  bool finished = false;
  int exit_code = 0;        // when finished; the first failing process's code for gangs
  int signal = 0;           // terminating signal, 0 if exited
  bool oom_killed = false;  // the memory limit was hit
  bool vanished = false;    // the process disappeared without a recorded exit
  std::string message;      // human-readable summary ("exited with code 1", "killed: out of
                            // memory (limit 512Mi)", ...)
};

// A file an attempt produced, found by Executor::CollectOutputs.
struct OutputFile {
  std::string name;        // the output_artifacts key
  std::string local_path;  // readable by the control plane
  int64_t size = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;

  virtual Capacity capacity() const = 0;

  // Prepares the workspace (unpacking the code on the first attempt; the checkpoint directory
  // persists across attempts) and starts all `processes` of the attempt, or none.
  // kResourceExhausted when the GPUs asked for are not free; kInvalidArgument for a request
  // that can never run here (more GPUs than exist, a missing program); kInternal otherwise.
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

  // Non-blocking.
  virtual StatusOr<ExecutionStatus> Poll(const Execution& execution) = 0;

  // Asks every process of the attempt to stop (SIGTERM to the group), and kills whatever is
  // left after `grace_seconds` (SIGKILL), descendants included. Returns at once; Poll reports
  // the end.
  virtual Status Terminate(const Execution& execution, int grace_seconds) = 0;

  // Frees the attempt's resources (GPUs, cgroup) once Poll said finished. Idempotent.
  virtual Status Release(const Execution& execution) = 0;

  // Resolves output_artifacts (name -> path relative to the workdir, or absolute under the
  // output dir) after an attempt. Missing files are reported in the status, naming them.
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
