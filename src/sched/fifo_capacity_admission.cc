#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "common/format.h"
#include "common/quantity.h"
#include "sched/admission.h"

namespace inet::sched {
namespace {

std::string Gpus(int n) { return std::to_string(n) + (n == 1 ? " GPU" : " GPUs"); }

// Why `request` does not fit `available`, one clause per short dimension.
std::string ShortReason(const Resources& request, const Resources& available,
                        const Resources& total) {
  std::vector<std::string> parts;
  if (request.gpus > 0 && request.gpus > available.gpus) {
    parts.push_back("waiting for " + Gpus(request.gpus) + " (" + std::to_string(available.gpus) +
                    " of " + std::to_string(total.gpus) + " free)");
  }
  if (request.memory_bytes > 0 && request.memory_bytes > available.memory_bytes) {
    parts.push_back("waiting for memory: " + FormatMemoryQuantity(request.memory_bytes) +
                    " requested, " + FormatBytes(available.memory_bytes) + " free");
  }
  if (request.cpu_millis > 0 && request.cpu_millis > available.cpu_millis) {
    parts.push_back("waiting for CPU: " + FormatCpuQuantity(request.cpu_millis) +
                    " cores requested, " + FormatCpuQuantity(available.cpu_millis) + " free");
  }
  std::string reason;
  for (const std::string& part : parts) reason += (reason.empty() ? "" : "; ") + part;
  return reason;
}

}  // namespace

std::string WhyNeverFits(const Resources& want, const Resources& total) {
  std::vector<std::string> parts;
  if (want.gpus > 0 && want.gpus > total.gpus) {
    parts.push_back("requests " + Gpus(want.gpus) + " but this executor has " +
                    std::to_string(total.gpus) + "; lower resources.gpu (--gpu)");
  }
  if (want.cpu_millis > 0 && want.cpu_millis > total.cpu_millis) {
    parts.push_back("requests " + FormatCpuQuantity(want.cpu_millis) +
                    " CPU but this executor has " + FormatCpuQuantity(total.cpu_millis) +
                    "; lower resources.cpu (--cpu)");
  }
  if (want.memory_bytes > 0 && want.memory_bytes > total.memory_bytes) {
    parts.push_back("requests " + FormatMemoryQuantity(want.memory_bytes) +
                    " of memory but this executor has " + FormatMemoryQuantity(total.memory_bytes) +
                    "; lower resources.memory (--memory)");
  }
  std::string reason;
  for (const std::string& part : parts) reason += (reason.empty() ? "" : "; ") + part;
  return reason;
}

Resources TotalCapacity(const std::vector<PoolCapacity>& pools) {
  Resources total;
  for (const PoolCapacity& pool : pools) total += pool.allocatable;
  return total;
}

Resources FreeCapacity(const std::vector<PoolCapacity>& pools,
                       const std::vector<RunningJob>& running) {
  Resources free = TotalCapacity(pools);
  for (const RunningJob& job : running) free -= job.resources;
  // Pools that shrank below what runs (a restart with fewer GPUs) have nothing free.
  free.cpu_millis = std::max<int64_t>(free.cpu_millis, 0);
  free.memory_bytes = std::max<int64_t>(free.memory_bytes, 0);
  free.gpus = std::max(free.gpus, 0);
  return free;
}

Decision FifoCapacityAdmission::Decide(const std::vector<Demand>& queue,
                                       const std::vector<RunningJob>& running,
                                       const std::vector<PoolCapacity>& pools) {
  Decision decision;
  const Resources total = TotalCapacity(pools);
  Resources available = FreeCapacity(pools, running);
  const Demand* blocker = nullptr;
  for (const Demand& demand : queue) {
    // A job larger than the whole executor would block the queue forever; it waits with a
    // reason that says so (the controller decides whether to fail it) and blocks nobody.
    if (std::string never = WhyNeverFits(demand.request, total); !never.empty()) {
      decision.waiting.emplace_back(demand.job_id, "can never start: " + never);
      continue;
    }
    if (blocker != nullptr) {
      decision.waiting.emplace_back(demand.job_id, "queued behind " + blocker->job_id);
      continue;
    }
    if (demand.request.FitsIn(available)) {
      decision.admit.push_back(demand.job_id);
      available.cpu_millis -= std::max<int64_t>(demand.request.cpu_millis, 0);
      available.memory_bytes -= std::max<int64_t>(demand.request.memory_bytes, 0);
      available.gpus -= std::max(demand.request.gpus, 0);
      continue;
    }
    // No backfill: smaller jobs behind this one wait too, so a large job is not starved.
    blocker = &demand;
    decision.waiting.emplace_back(demand.job_id, ShortReason(demand.request, available, total));
  }
  return decision;
}

}  // namespace inet::sched
