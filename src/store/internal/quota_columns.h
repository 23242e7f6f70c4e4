// The limit columns of the team_quotas table, shared by the SQLite and PostgreSQL adapters.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "store/quota_store.h"

namespace inet::store::internal {

// The nine nullable limit columns in table order (hard_gpus, hard_cpu_millis,
// hard_memory_bytes, hard_jobs, max_gpus, max_cpu_millis, max_memory_bytes, default_cpu_millis,
// default_memory_bytes) as pointers into `q`, for reading and binding them in one loop.
inline std::vector<std::optional<int64_t>*> LimitColumns(TeamQuota& q) {
  return {&q.hard.gpus,
          &q.hard.cpu_millis,
          &q.hard.memory_bytes,
          &q.hard.jobs,
          &q.per_job_max.gpus,
          &q.per_job_max.cpu_millis,
          &q.per_job_max.memory_bytes,
          &q.per_job_default.cpu_millis,
          &q.per_job_default.memory_bytes};
}

}  // namespace inet::store::internal
