// Admission: decides, each controller pass, which queued jobs start now and which running jobs
// make room for them. It sees the whole picture a preempting scheduler needs: the queue, the
// running set (team, priority class, holdings, start time, whether it may be preempted) and
// each node pool's capacity; it answers admit / preempt (whom, and why) / wait (why). The
// embedded default is FifoCapacityAdmission (strict first-come-first-served by capacity, never
// preempts); the fair-share scheduler (quotas, weights, priorities, gangs) replaces it behind
// this interface in a later issue. Pure decisions: no clock, no I/O, so every policy is
// unit-testable.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/resources.h"

namespace inet::sched {

// One queued job's demand. The whole gang (all processes) is one demand: all or nothing.
struct Demand {
  std::string job_id;
  std::string team;
  std::string priority_class;  // "interactive" | "batch"
  int64_t queued_at = 0;       // ms; FIFO order
  Resources request;           // 0 cpu/memory = no request (always fits those dimensions)
};

// One job whose attempt holds resources now (launching, pending on the cluster or running).
struct RunningJob {
  std::string job_id;
  std::string team;
  std::string priority_class;  // "interactive" | "batch"
  Resources resources;         // what its attempt holds
  int64_t started_at = 0;      // ms; when its attempt was launched
  bool preemptible = false;    // the policy may stop it to make room (it is re-queued)
  std::string pool;            // the node pool it runs in ("" = the only one)
};

// What one node pool can hold at once.
struct PoolCapacity {
  std::string name;
  Resources allocatable;
};

// A running job to stop so that queued ones can start. The controller stops it (SIGTERM, the
// cancel grace period) and re-queues it without spending one of its retries.
struct Preemption {
  std::string job_id;
  std::string by_job_id;  // the queued job it makes room for ("" = none in particular)
  std::string reason;     // for the job's events, e.g. "interactive job nb-1 needs 1 GPU"
};

struct Decision {
  std::vector<std::string> admit;  // job ids to start now, in start order
  std::vector<Preemption> preempt;
  // Why each job that was not admitted waits, for its status (job id, reason), e.g.
  // "waiting for 2 GPUs (1 of 4 free)" or "queued behind bert-abc123".
  std::vector<std::pair<std::string, std::string>> waiting;
};

// The one check of whether `want` can ever run on capacity `total` (all node pools together):
// "" when it fits (Resources::FitsIn), else each dimension that does not, GPUs, CPU, memory,
// with its fix, joined by "; " ("requests 8 GPUs but this executor has 4; lower resources.gpu
// (--gpu)"). Admission's "can never start: " reasons, the job API's refusal at submit and the
// controller's failing of a queued job that no longer fits all use it.
std::string WhyNeverFits(const Resources& want, const Resources& total);

// The sum of the pools' allocatable resources, and what the running set leaves of it (never
// below zero in any dimension).
Resources TotalCapacity(const std::vector<PoolCapacity>& pools);
Resources FreeCapacity(const std::vector<PoolCapacity>& pools,
                       const std::vector<RunningJob>& running);

class Admission {
 public:
  virtual ~Admission() = default;
  // `queue` in arrival order. A job admitted in the same decision that preempts others starts
  // only once they have stopped: the controller admits it on a later pass, when the freed
  // capacity shows.
  virtual Decision Decide(const std::vector<Demand>& queue, const std::vector<RunningJob>& running,
                          const std::vector<PoolCapacity>& pools) = 0;
};

// Starts jobs in arrival order while they fit in what the running set leaves free; the first
// that does not fit blocks those behind it (no backfill, so large jobs are not starved). A job
// larger than all pools together in some dimension can never fit: it blocks nobody and waits
// with a reason starting "can never start: ". Never preempts.
class FifoCapacityAdmission : public Admission {
 public:
  Decision Decide(const std::vector<Demand>& queue, const std::vector<RunningJob>& running,
                  const std::vector<PoolCapacity>& pools) override;
};

}  // namespace inet::sched
