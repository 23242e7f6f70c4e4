#include "store/internal/job_backfill.h"

#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "common/quantity.h"

namespace inet::store::internal {
namespace {

namespace json = boost::json;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The cause of a failed attempt, from the words the controller has always used for it.
StopReason FailureOf(std::string_view reason) {
  if (Contains(reason, "No module named 'mlflow'")) return StopReason::kMissingMlflow;
  if (reason.starts_with("can never start")) return StopReason::kNeverFits;
  if (Contains(reason, "could not start")) return StopReason::kLaunchFailed;
  if (Contains(reason, "needs more memory than its limit")) return StopReason::kOutOfMemory;
  if (Contains(reason, " lost: ")) return StopReason::kLost;
  if (Contains(reason, "killed by signal")) return StopReason::kKilled;
  return StopReason::kFailed;
}

StopReason StopReasonOf(JobState state, std::string_view reason) {
  switch (state) {
    case JobState::kSucceeded:
      return StopReason::kSucceeded;
    case JobState::kTimedOut:
      return StopReason::kTimedOut;
    case JobState::kCancelled:
      return StopReason::kCancelled;
    case JobState::kFailed:
      return FailureOf(reason);
    case JobState::kQueued:
      // Waiting again after an attempt ended: preempted, or failed and waiting to retry.
      if (Contains(reason, " was preempted (")) return StopReason::kPreempted;
      if (Contains(reason, "; retrying in ")) return FailureOf(reason);
      return StopReason::kNone;
    case JobState::kPending:
    case JobState::kRunning:
      return StopReason::kNone;
  }
  return StopReason::kNone;
}

std::string_view StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return "";
  return v->get_string();
}

Resources ResourcesOf(std::string_view spec_json) {
  Resources r;
  boost::system::error_code ec;
  json::value spec = json::parse(spec_json, ec);
  if (ec || !spec.is_object()) return r;
  const json::value* resources = spec.get_object().if_contains("resources");
  if (resources == nullptr || !resources->is_object()) return r;
  const json::object& o = resources->get_object();
  if (StatusOr<int64_t> cpu = ParseCpuQuantity(StringAt(o, "cpu")); cpu.ok()) r.cpu_millis = *cpu;
  if (StatusOr<int64_t> memory = ParseMemoryQuantity(StringAt(o, "memory")); memory.ok()) {
    r.memory_bytes = *memory;
  }
  if (const json::value* gpu = o.if_contains("gpu"); gpu != nullptr && gpu->is_int64()) {
    r.gpus = static_cast<int>(gpu->get_int64());
  }
  return r;
}

}  // namespace

BackfilledJobColumns BackfillJobColumns(std::string_view spec_json, JobState state,
                                        std::string_view reason) {
  return BackfilledJobColumns{ResourcesOf(spec_json), StopReasonOf(state, reason)};
}

}  // namespace inet::store::internal
