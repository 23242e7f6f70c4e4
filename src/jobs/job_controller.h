// JobController: the one loop that owns every live attempt. Each pass it loads the active jobs
// from the job store, re-attaches and polls running attempts, enforces timeout_hours and
// cancel requests (SIGTERM, grace, SIGKILL), hands ended attempts to the AttemptFinalizer and
// records their outcome (retrying failures with exponential backoff up to spec.retries), asks
// the Admission policy which queued jobs start and hands them to the AttemptLauncher, and
// removes expired workspaces. JobService only writes the store and wakes it (Wake).
//
// Every state change is written to the store with its reason before it is acted on: a launch is
// recorded before its process can start, and an ended attempt before its log and outputs are
// stored, so a restarted controller (Start) re-attaches running attempts, finds launching ones
// and redoes unfinished finalizations; nothing stays Running forever.
//
// Several servers may share one database; only the one holding the store's "job-controller"
// lease (store/lease_store.h) controls its jobs, so no job runs twice. The others only serve
// the API and try for the lease every pass: when its holder stops or dies, one of them takes
// over and re-attaches what the holder ran. A controller that loses the lease stops acting at
// once and forgets its attempts (they keep running; the next holder re-attaches them).
//
// Thread safety: Wake, Capacity-free accessors and Start/Stop are thread-safe; RunOnceForTest
// is for tests with start_thread false.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/resources.h"
#include "common/status.h"
#include "exec/executor.h"
#include "jobs/attempt_finalizer.h"
#include "jobs/attempt_launcher.h"
#include "jobs/cost_meter.h"
#include "jobs/internal/job_records.h"
#include "jobs/internal/job_result_json.h"
#include "jobs/job_spec.h"
#include "store/job_store.h"
#include "store/job_types.h"
#include "store/lease_store.h"

namespace inet::sched {
class Admission;
struct Preemption;
}  // namespace inet::sched

namespace inet::jobs {

struct JobControllerOptions {
  int cancel_grace_seconds = 10;
  int64_t retry_backoff_millis = 5'000;  // first retry delay; doubles per attempt
  int64_t max_retry_backoff_millis = 300'000;
  int64_t poll_interval_millis = 200;  // how often running attempts are polled
  // How long a finished job's workspace (code, outputs, checkpoints, local log) is kept after
  // its outputs and log were stored: 0 removes it at once, < 0 keeps it forever.
  int64_t workspace_retention_millis = 3'600'000;
  int64_t workspace_sweep_interval_millis = 60'000;  // how often expired workspaces are looked for
  // false: Start() re-attaches but starts no controller thread; tests then drive the
  // controller one pass at a time with RunOnceForTest().
  bool start_thread = true;
};

class JobController {
 public:
  // Borrows everything; all must outlive the controller. `costs` (may be null: nothing is
  // priced) records what running attempts cost and says which to stop for their cost.
  JobController(store::JobStore& jobs, store::LeaseStore& leases, exec::Executor& executor,
                sched::Admission& admission, AttemptLauncher& launcher, AttemptFinalizer& finalizer,
                const Clock& clock, JobControllerOptions options, CostMeter* costs = nullptr);
  ~JobController();  // calls Stop()
  JobController(const JobController&) = delete;
  JobController& operator=(const JobController&) = delete;

  // Starts the launcher's and finalizer's workers and the controller thread, which first
  // re-attaches the attempts that were running (and finds those that were launching or being
  // finalized) when the server stopped; returns at once, so the server can listen meanwhile.
  // With options.start_thread false it re-attaches on the calling thread and starts no
  // controller thread. While another server holds the lease, it re-attaches nothing until it
  // takes the lease. kFailedPrecondition when called twice.
  Status Start();
  // Stops the controller thread and the workers; running attempts keep running (a restart
  // re-attaches them).
  void Stop();

  // Asks for a pass now (a submit or cancel): submit-to-launch is one store round trip plus
  // one pass. Thread-safe; cheap.
  void Wake();

  // Runs one controller pass on the calling thread (options.start_thread must be false).
  void RunOnceForTest();
  // Whether this controller holds the lease, i.e. controls the database's jobs. Thread-safe.
  bool leading() const;

 private:
  // An attempt this controller is watching: launching (recorded as launching, no execution
  // yet), running, or finalizing (ended; its log and outputs are being stored).
  struct LiveAttempt {
    exec::Execution execution;
    Resources resources;
    bool terminate_sent = false;
    int poll_failures = 0;          // consecutive
    bool launching = false;         // the launch is not yet recorded as Running
    bool launch_in_flight = false;  // the launcher is working on it
    bool finalizing = false;        // the finalizer is storing what it left
    bool have_execution = true;     // false: lost before it could be re-attached
    int64_t cost_accrued_at = 0;    // when its cost was last written; 0 = not by this process
  };

  // The outcome of an ended attempt for the job's record.
  struct Outcome {
    store::JobState state = store::JobState::kFailed;
    std::string reason;
    store::StopReason stop = store::StopReason::kNone;  // how the attempt ended
    std::string last_failure;
    int64_t next_attempt_at = 0;
    bool preempted = false;  // re-queued without spending a retry
  };

  void Loop();
  void Pass();
  // True when this controller holds the lease: checks it, or takes it when free (and then
  // re-attaches what the previous holder ran). A lost lease stands the controller down.
  bool Lead();
  // Forgets every attempt and drops the workers' tasks and results: after the lease is lost
  // they are the next holder's to find.
  void StandDown();
  // Re-attaches running attempts and recovers launching ones (after a restart).
  void Resume();

  StatusOr<store::JobRecord> Mutate(store::JobRecord current, const internal::Mutation& mutate);
  StatusOr<std::vector<store::JobRecord>> LoadActive();

  // `polled`: this pass's status of the job's attempt, when PollLive had it.
  void TendRunning(const store::JobRecord& job, int64_t now,
                   const StatusOr<exec::ExecutionStatus>* polled = nullptr);
  // Records that the attempt ended (how, and that it is being finalized), then hands its log
  // and outputs to the finalizer.
  void BeginFinalize(const store::JobRecord& job, const exec::Execution& execution,
                     const exec::ExecutionStatus& status, bool have_execution);
  void PostFinalize(const store::JobRecord& job, bool have_execution);
  // Records the outcome of each finalized attempt, releases it and ends its run.
  void ApplyFinalizeResults();
  Outcome Decide(const store::JobRecord& r, const internal::PersistedResult& pr,
                 const JobSpec& spec, const exec::ExecutionStatus& status, int64_t now) const;

  // `holders`: the records of the jobs whose attempts are live, for the running set.
  void Admit(std::vector<store::JobRecord> queued,
             const std::map<std::string, store::JobRecord>& holders, int64_t now);
  // Records that the policy preempts the job's running attempt (who and why, in its events)
  // and stops it (SIGTERM, the cancel grace period); its end re-queues the job.
  void Preempt(const store::JobRecord& job, const sched::Preemption& preemption);
  // Records "launching attempt N" (with its token) and hands the launch to the launcher.
  Status BeginLaunch(const store::JobRecord& job);
  void ApplyLaunchResults();
  // A job recorded as launching that no launch in flight covers (a restart): asks the
  // executor whether it started, and records the answer.
  void TendLaunching(const store::JobRecord& job, const internal::PersistedResult& pr);
  void RecordLaunched(const store::JobRecord& job, int attempt, const exec::Execution& execution);
  // Ends the "launching attempt N" record in one write: clears the mark, hands `settle` the
  // record and its result to edit (and say what to write), and sets `token_id` to the
  // attempt's token. nullopt when the job is no longer launching that attempt.
  using Settle = std::function<internal::Write(store::JobRecord&, internal::PersistedResult&)>;
  StatusOr<std::optional<store::JobRecord>> SettleLaunch(const store::JobRecord& job, int attempt,
                                                         std::string& token_id,
                                                         const Settle& settle);
  // Settles the launch of an attempt that did not start: stops holding its resources and
  // revokes its token. Returns the record as written (nullopt when nothing was written).
  std::optional<store::JobRecord> ClearLaunch(const store::JobRecord& job, int attempt,
                                              const Settle& settle);
  void UndoLaunch(const store::JobRecord& job, int attempt, const std::string& waiting_reason);
  void FailToStart(const store::JobRecord& job, int attempt, const Status& error);

  // Writes the running attempt's cost when due and returns the stop it calls for, if any.
  std::optional<CostStop> AccrueCost(const store::JobRecord& job, LiveAttempt& live,
                                     const internal::PersistedResult& pr, int64_t now, bool ended);
  // The GPU-hour price of the GPUs `execution` was given (their model in the executor's pool).
  double GpuHourPrice(const exec::Execution& execution);

  void SweepWorkspaces(int64_t now);
  void RemoveWorkspace(const std::string& job_id);
  void SetWaitingReason(const store::JobRecord& job, const std::string& reason);
  void FailUnrunnable(const store::JobRecord& job, const std::string& why);
  void CancelQueued(const store::JobRecord& job);
  // Polls every live attempt and drained orphan in one batch (releasing the orphans that
  // ended): the live attempts' statuses by job id.
  std::map<std::string, StatusOr<exec::ExecutionStatus>> PollLive();
  // On start: revokes every attempt token that no active job's record holds.
  void RevokeEndedAttemptTokens();

  store::JobStore& jobs_;
  store::LeaseStore& leases_;
  exec::Executor& executor_;
  sched::Admission& admission_;
  AttemptLauncher& launcher_;
  AttemptFinalizer& finalizer_;
  const Clock& clock_;
  const JobControllerOptions options_;
  CostMeter* const costs_;
  std::optional<std::vector<exec::NodePool>> pools_;  // GUARDED_BY(pass_mu_): read once

  // Serialises passes (the loop thread, or RunOnceForTest) and Start's re-attach; guards the
  // controller's own state below.
  std::mutex pass_mu_;
  std::map<std::string, LiveAttempt> live_;  // GUARDED_BY(pass_mu_): job id -> attempt
  // Attempts launched but then refused by the store (a cancel won the race): stopped, and
  // released once they end. GUARDED_BY(pass_mu_)
  std::vector<exec::Execution> draining_;
  // Finalizations whose outcome could not be written yet; retried each pass.
  std::vector<FinalizeResult> unrecorded_;  // GUARDED_BY(pass_mu_)
  // Jobs whose expired workspace the finalizer is retiring. GUARDED_BY(pass_mu_)
  std::set<std::string> retiring_;
  std::optional<int64_t> last_sweep_;      // GUARDED_BY(pass_mu_)
  std::unique_ptr<store::Lease> lease_;    // GUARDED_BY(pass_mu_): null while another leads
  bool following_ = false;                 // GUARDED_BY(pass_mu_): "another leads" was logged
  std::optional<int64_t> last_lease_try_;  // GUARDED_BY(pass_mu_): a follower's last try
  std::atomic<bool> leading_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;     // GUARDED_BY(mu_)
  bool stop_ = false;     // GUARDED_BY(mu_)
  bool started_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace inet::jobs
