#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "sched/admission.h"

namespace inet::sched {
namespace {

// Bytes as a person reads them: an exact binary unit ("16Gi", "512Mi") when one divides, else
// the largest unit that fits with one decimal ("7.8Gi"). Local on purpose: sched depends on
// nothing but common, so it cannot use jobs::FormatMemory.
std::string FormatBytes(int64_t bytes) {
  if (bytes < 0) {
    return "-" + FormatBytes(bytes == std::numeric_limits<int64_t>::min()
                                 ? std::numeric_limits<int64_t>::max()
                                 : -bytes);
  }
  static constexpr const char* kUnits[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  int index = -1;
  for (int i = 0; i < 6 && (bytes >> (10 * (i + 1))) > 0; ++i) index = i;
  if (index < 0) return std::to_string(bytes);
  int shift = 10 * (index + 1);
  int64_t unit = int64_t{1} << shift;
  if (bytes % unit == 0) return std::to_string(bytes >> shift) + kUnits[index];
  // Tenths of the unit, rounded to nearest; 128-bit so Ei-sized values cannot overflow.
  auto tenths = static_cast<int64_t>((static_cast<__int128>(bytes) * 10 + unit / 2) / unit);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + kUnits[index];
}

// Millicores as cores: 4000 -> "4", 1500 -> "1.5", 250 -> "0.25".
std::string FormatCores(int64_t millis) {
  std::string sign = millis < 0 ? "-" : "";
  uint64_t m = millis < 0 ? 0 - static_cast<uint64_t>(millis) : static_cast<uint64_t>(millis);
  std::string text = sign + std::to_string(m / 1000);
  if (m % 1000 != 0) {
    std::string fraction = std::to_string(1000 + m % 1000).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text;
}

std::string Gpus(int n) { return std::to_string(n) + (n == 1 ? " GPU" : " GPUs"); }

// A zero request always fits its dimension, whatever is free.
bool Fits(const ResourceVector& request, const ResourceVector& available) {
  return (request.cpu_millis <= 0 || request.cpu_millis <= available.cpu_millis) &&
         (request.memory_bytes <= 0 || request.memory_bytes <= available.memory_bytes) &&
         (request.gpus <= 0 || request.gpus <= available.gpus);
}

// Why `request` does not fit `available`, one clause per short dimension.
std::string ShortReason(const ResourceVector& request, const ResourceVector& available,
                        const ResourceVector& total) {
  std::vector<std::string> parts;
  if (request.gpus > 0 && request.gpus > available.gpus) {
    parts.push_back("waiting for " + Gpus(request.gpus) + " (" + std::to_string(available.gpus) +
                    " of " + std::to_string(total.gpus) + " free)");
  }
  if (request.memory_bytes > 0 && request.memory_bytes > available.memory_bytes) {
    parts.push_back("waiting for memory: " + FormatBytes(request.memory_bytes) + " requested, " +
                    FormatBytes(available.memory_bytes) + " free");
  }
  if (request.cpu_millis > 0 && request.cpu_millis > available.cpu_millis) {
    parts.push_back("waiting for CPU: " + FormatCores(request.cpu_millis) + " cores requested, " +
                    FormatCores(available.cpu_millis) + " free");
  }
  std::string reason;
  for (const std::string& part : parts) reason += (reason.empty() ? "" : "; ") + part;
  return reason;
}

// Why `request` can never fit, even on an idle executor.
std::string ImpossibleReason(const ResourceVector& request, const ResourceVector& total) {
  std::vector<std::string> parts;
  if (request.gpus > 0 && request.gpus > total.gpus) {
    parts.push_back(Gpus(request.gpus) + " requested but the executor has " +
                    std::to_string(total.gpus) + " in total");
  }
  if (request.memory_bytes > 0 && request.memory_bytes > total.memory_bytes) {
    parts.push_back("memory " + FormatBytes(request.memory_bytes) +
                    " requested but the executor has " + FormatBytes(total.memory_bytes) +
                    " in total");
  }
  if (request.cpu_millis > 0 && request.cpu_millis > total.cpu_millis) {
    parts.push_back(FormatCores(request.cpu_millis) + " CPU cores requested but the executor has " +
                    FormatCores(total.cpu_millis) + " in total");
  }
  std::string reason = "can never start: ";
  for (size_t i = 0; i < parts.size(); ++i) reason += (i == 0 ? "" : "; ") + parts[i];
  return reason;
}

}  // namespace

Decision FifoCapacityAdmission::Decide(const std::vector<Demand>& queue, const ResourceVector& free,
                                       const ResourceVector& total) {
  Decision decision;
  ResourceVector available = free;
  const Demand* blocker = nullptr;
  for (const Demand& demand : queue) {
    // A job larger than the whole executor would block the queue forever; it waits with a
    // reason that says so (the controller decides whether to fail it) and blocks nobody.
    if (!Fits(demand.request, total)) {
      decision.waiting.emplace_back(demand.job_id, ImpossibleReason(demand.request, total));
      continue;
    }
    if (blocker != nullptr) {
      decision.waiting.emplace_back(demand.job_id, "queued behind " + blocker->job_id);
      continue;
    }
    if (Fits(demand.request, available)) {
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
