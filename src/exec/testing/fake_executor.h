// FakeExecutor: a scripted Executor for tests of the code above executors (the job
// controller, the platform routes). Nothing runs: Launch records the request and marks the
// attempt running (or pending, to script a cluster that has not placed it yet); the test
// decides when and how each attempt ends (Exit, OomKill, Preempt, Vanish), writes its log and
// output files, and inspects what was launched (argv, env, secrets, resources), terminated
// (with which grace) and how often it was polled. GPUs are allocated exclusively, lowest free
// indices first, as the local executor does, so admission and GPU-isolation logic can be tested
// without hardware. Output files and logs live in a temporary directory the fake owns and removes.
//
// Thread-safe: every method may be called from any thread (the controller's loop thread
// calls the Executor methods while the test thread scripts outcomes).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "artifacts/artifact_store.h"
#include "exec/executor.h"

namespace inet::exec {

struct FakeExecutorOptions {
  int64_t cpu_millis = 8'000;
  int64_t memory_bytes = 32LL << 30;
  int gpus = 0;  // "configured" devices 0..gpus-1
  // Reported by node_pools() after the fake's own pool ("fake"), for capacity views of a
  // cluster; attempts always run in (and take GPUs from) the fake's own pool.
  std::vector<NodePool> more_pools = {};
  // When true, Terminate ends the attempt at once as if SIGTERM killed it (signal 15);
  // when false the attempt keeps running until the test ends it (a job ignoring SIGTERM).
  bool exit_on_terminate = true;
  // When true, launched attempts stay pending until StartRunning (a pod not yet scheduled).
  bool launch_pending = false;
};

// One Terminate call, as recorded.
struct TerminateCall {
  std::string job_id;
  int attempt = 0;
  int grace_seconds = 0;
};

class FakeExecutor : public Executor {
 public:
  // Creates the fake and its temporary directory (aborts if the directory cannot be made:
  // a test set-up failure). Code snapshots are read from `artifacts` (borrowed, nullable: a
  // launch that names a snapshot then fails with kFailedPrecondition).
  explicit FakeExecutor(FakeExecutorOptions options = {},
                        artifacts::ArtifactStore* artifacts = nullptr);
  ~FakeExecutor() override;  // removes the temporary directory
  FakeExecutor(const FakeExecutor&) = delete;
  FakeExecutor& operator=(const FakeExecutor&) = delete;

  // --- Executor ------------------------------------------------------------------------------
  // One pool, "fake", of the configured size.
  std::vector<NodePool> node_pools() const override;
  // Records the request (and the code snapshot's bytes, fetched from the artifact store, when
  // one is named), takes the GPUs and marks the attempt running (pending with
  // launch_pending); appends "==> attempt N started <==" to the job's log. kInvalidArgument
  // for more GPUs than exist, kResourceExhausted when not enough are free, the snapshot's
  // kNotFound, or the status set by FailNextLaunch.
  StatusOr<Execution> Launch(const LaunchRequest& request) override;
  // Finds the attempt named by `state`. An attempt the fake never launched comes back as an
  // execution whose Poll reports lost. Re-takes the GPUs after
  // SimulateRestart; kFailedPrecondition if another attempt holds them; kInvalidArgument for
  // malformed state; or the status set by FailNextReattach.
  StatusOr<Execution> Reattach(std::string_view job_id, std::string_view state) override;
  // The attempt as Launch started it (GPUs re-taken after SimulateRestart), or kNotFound when
  // it was never launched.
  StatusOr<Execution> Recover(std::string_view job_id, int attempt) override;
  // Per execution: kNotFound for one this fake does not know. Counts the calls.
  std::vector<StatusOr<ExecutionStatus>> PollAll(const std::vector<Execution>& executions) override;
  // Records the call; see FakeExecutorOptions::exit_on_terminate.
  Status Terminate(const Execution& execution, int grace_seconds) override;
  // Frees the attempt's GPUs. Idempotent.
  Status Release(const Execution& execution) override;
  // Each output path resolves relative to the job's output directory (Execution::output_dir,
  // where WriteOutput writes); absolute paths are taken as they are. kNotFound naming every missing
  // output
  // ("output artifact 'model.pt' not found: the job did not write model.pt").
  StatusOr<std::vector<OutputFile>> CollectOutputs(
      const Execution& execution, const std::map<std::string, std::string>& outputs) override;
  // kNotFound when the job has no log (never launched, or after DropLog).
  StatusOr<std::unique_ptr<ByteSource>> OpenLog(std::string_view job_id, int64_t offset) override;
  StatusOr<int64_t> LogSize(std::string_view job_id) override;
  // Removes the job's log and output directory; FailedPrecondition while an attempt runs.
  Status RemoveWorkspace(std::string_view job_id) override;
  // Jobs with a log or an output directory.
  StatusOr<std::vector<std::string>> ListWorkspaces() override;

  // --- Scripting -----------------------------------------------------------------------------
  // Ends the job's current attempt: exited with `exit_code`, or killed by `signal` when
  // non-zero. kNotFound when the job has no running attempt.
  Status Exit(std::string_view job_id, int exit_code, int signal = 0);
  // Ends the current attempt as killed by the memory limit (kOutOfMemory, signal 9, a message
  // naming the limit).
  Status OomKill(std::string_view job_id);
  // The cluster evicts the current attempt (kPreempted); its GPUs are freed.
  Status Preempt(std::string_view job_id);
  // The attempt's processes disappear without a recorded exit (kLost); its GPUs are freed.
  Status Vanish(std::string_view job_id);
  // A pending attempt (launch_pending) starts running. kNotFound when none is pending.
  Status StartRunning(std::string_view job_id);
  // Appends to the job's log (creating it).
  void AppendLog(std::string_view job_id, std::string_view text);
  // Removes the job's local log, as an executor that cleaned up its workspace.
  void DropLog(std::string_view job_id);
  // Writes an output file at `relative_path` under the job's output directory.
  void WriteOutput(std::string_view job_id, std::string_view relative_path,
                   std::string_view contents);
  // Called (without the fake's lock held) after every successful Launch, e.g. to make
  // something happen while the caller is between launching and recording the launch.
  void SetLaunchHook(std::function<void(const LaunchRequest&)> hook);
  // Called (without the fake's lock held) at the start of every Reattach and Recover, e.g. to
  // hold a re-attach while the test checks what else proceeds meanwhile.
  void SetReattachHook(std::function<void(std::string_view job_id)> hook);
  // The next Launch / Reattach fails with `status` (once).
  void FailNextLaunch(Status status);
  void FailNextReattach(Status status);
  // The next `count` executions polled fail with `status`.
  void FailPolls(Status status, int count);
  // Forgets every GPU assignment, as a fresh executor process would after a control-plane
  // restart; attempts keep "running" and Reattach re-takes their GPUs.
  void SimulateRestart();

  // --- Inspection ----------------------------------------------------------------------------
  // Every launch request, in order.
  std::vector<LaunchRequest> launches() const;
  // The job's last launch request; nullopt if never launched.
  std::optional<LaunchRequest> LastLaunch(std::string_view job_id) const;
  // Bytes of the code archive as they were at Launch ("" when none was given).
  std::string CodeArchiveAt(std::string_view job_id, int attempt) const;
  std::vector<TerminateCall> terminations() const;
  // GPUs held by the job's current attempt (empty when none or released).
  std::vector<int> HeldGpus(std::string_view job_id) const;
  int FreeGpus() const;
  // Whether the job has an attempt that has not finished.
  bool IsRunning(std::string_view job_id) const;
  int release_count() const;
  // How many PollAll calls were made (one per controller pass, however many attempts live).
  int poll_all_calls() const;
  // Waits (on a condition variable, up to `timeout`) until at least `count` launches
  // happened; true if they did. For tests that run the controller thread.
  bool WaitForLaunches(size_t count, std::chrono::milliseconds timeout) const;

 private:
  struct Attempt {
    std::string job_id;
    int attempt = 0;
    std::vector<int> gpus;
    bool gpus_held = false;
    ExecutionStatus status;  // phase kRunning (or kPending) until it ends
    std::string code_archive;
  };

  StatusOr<Execution> LaunchLocked(const LaunchRequest& request,
                                   std::function<void(const LaunchRequest&)>& hook);
  std::string JobDir(std::string_view job_id) const;
  Attempt* CurrentLocked(std::string_view job_id);
  const Attempt* CurrentLocked(std::string_view job_id) const;
  void FreeGpusLocked(Attempt& attempt);
  void FinishLocked(Attempt& attempt, ExecutionEnd end, int exit_code, int signal,
                    std::string message);
  StatusOr<ExecutionStatus> PollLocked(const Execution& execution);

  const FakeExecutorOptions options_;
  artifacts::ArtifactStore* const artifacts_;  // nullable
  std::string root_;  // temporary directory: <root>/<job>/outputs, <root>/<job>/job.log

  mutable std::mutex mu_;
  mutable std::condition_variable launched_cv_;
  // job_id -> attempt number -> attempt; GUARDED_BY(mu_)
  std::map<std::string, std::map<int, Attempt>, std::less<>> jobs_;
  std::vector<std::string> gpu_owner_;   // per GPU index: "" or "<job>#<attempt>"; GUARDED_BY(mu_)
  std::vector<LaunchRequest> launches_;  // GUARDED_BY(mu_)
  std::vector<TerminateCall> terminations_;                // GUARDED_BY(mu_)
  std::map<std::string, std::string, std::less<>> logs_;   // job -> log bytes; GUARDED_BY(mu_)
  std::optional<Status> fail_next_launch_;                 // GUARDED_BY(mu_)
  std::function<void(const LaunchRequest&)> launch_hook_;  // GUARDED_BY(mu_)
  std::function<void(std::string_view)> reattach_hook_;    // GUARDED_BY(mu_)
  std::optional<Status> fail_polls_status_;                // GUARDED_BY(mu_)
  int fail_polls_count_ = 0;                               // GUARDED_BY(mu_)
  std::optional<Status> fail_next_reattach_;               // GUARDED_BY(mu_)
  int release_count_ = 0;                                  // GUARDED_BY(mu_)
  int poll_all_calls_ = 0;                                 // GUARDED_BY(mu_)
};

}  // namespace inet::exec
