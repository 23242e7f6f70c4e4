// QuotaLimits: a team's limit per quota dimension (Kubernetes ResourceQuota "hard" and
// LimitRange "max"), shared by the store that keeps them (store/quota_store.h), the service
// that owns their rules (teams/quota_service.h) and the admission policy that enforces them
// (sched/admission.h). Units: whole GPUs, CPU millicores, memory bytes, concurrently running
// jobs; nullopt = no limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace inet {

enum class QuotaResource { kGpu, kCpu, kMemory, kJobs };
inline constexpr QuotaResource kQuotaResources[] = {QuotaResource::kGpu, QuotaResource::kCpu,
                                                    QuotaResource::kMemory, QuotaResource::kJobs};

// "gpu", "cpu", "memory", "jobs".
std::string_view QuotaResourceName(QuotaResource resource);
// The names above; kInvalidArgument naming them otherwise.
StatusOr<QuotaResource> ParseQuotaResource(std::string_view name);

struct QuotaLimits {
  std::optional<int64_t> gpus;
  std::optional<int64_t> cpu_millis;
  std::optional<int64_t> memory_bytes;
  std::optional<int64_t> jobs;

  std::optional<int64_t>& operator[](QuotaResource resource);
  const std::optional<int64_t>& operator[](QuotaResource resource) const;
  friend bool operator==(const QuotaLimits&, const QuotaLimits&) = default;
};

}  // namespace inet
