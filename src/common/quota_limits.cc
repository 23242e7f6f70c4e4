#include "common/quota_limits.h"

#include <string>

namespace inet {

std::string_view QuotaResourceName(QuotaResource resource) {
  switch (resource) {
    case QuotaResource::kGpu:
      return "gpu";
    case QuotaResource::kCpu:
      return "cpu";
    case QuotaResource::kMemory:
      return "memory";
    case QuotaResource::kJobs:
      return "jobs";
  }
  return "gpu";
}

StatusOr<QuotaResource> ParseQuotaResource(std::string_view name) {
  for (QuotaResource resource : kQuotaResources) {
    if (name == QuotaResourceName(resource)) return resource;
  }
  return InvalidArgumentError("unknown quota resource '" + std::string(name) +
                              "': use gpu, cpu, memory or jobs");
}

std::optional<int64_t>& QuotaLimits::operator[](QuotaResource resource) {
  switch (resource) {
    case QuotaResource::kGpu:
      return gpus;
    case QuotaResource::kCpu:
      return cpu_millis;
    case QuotaResource::kMemory:
      return memory_bytes;
    case QuotaResource::kJobs:
      return jobs;
  }
  return gpus;
}

const std::optional<int64_t>& QuotaLimits::operator[](QuotaResource resource) const {
  return const_cast<QuotaLimits&>(*this)[resource];
}

}  // namespace inet
