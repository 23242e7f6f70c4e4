// Admission: decides which queued jobs start now, given what is free. The embedded default is
// FifoCapacityAdmission (strict first-come-first-served by capacity); the fair-share scheduler
// (quotas, weights, priorities, gangs) replaces it behind this interface in a later issue.
// Pure decisions: no clock, no I/O, so every policy is unit-testable.
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

struct Decision {
  std::vector<std::string> admit;  // job ids to start now, in start order
  // Why each job that was not admitted waits, for its status (job id, reason), e.g.
  // "waiting for 2 GPUs (1 of 4 free)" or "queued behind bert-abc123".
  std::vector<std::pair<std::string, std::string>> waiting;
};

class Admission {
 public:
  virtual ~Admission() = default;
  // `queue` in arrival order; `free` and `total` are the executor's free and total capacity.
  virtual Decision Decide(const std::vector<Demand>& queue, const Resources& free,
                          const Resources& total) = 0;
};

// Starts jobs in arrival order while they fit; the first that does not fit blocks those
// behind it (no backfill, so large jobs are not starved). A job larger than `total` in some
// dimension can never fit: it blocks nobody and waits with a reason starting "can never start: ".
class FifoCapacityAdmission : public Admission {
 public:
  Decision Decide(const std::vector<Demand>& queue, const Resources& free,
                  const Resources& total) override;
};

}  // namespace inet::sched
