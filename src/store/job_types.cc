#include "store/job_types.h"

#include <array>
#include <cctype>
#include <utility>

namespace inet::store {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 7> kJobStateNames = {{
    {JobState::kPending, "Pending"},
    {JobState::kQueued, "Queued"},
    {JobState::kRunning, "Running"},
    {JobState::kSucceeded, "Succeeded"},
    {JobState::kFailed, "Failed"},
    {JobState::kCancelled, "Cancelled"},
    {JobState::kTimedOut, "TimedOut"},
}};

constexpr std::array<std::pair<StopReason, std::string_view>, 14> kStopReasonNames = {{
    {StopReason::kNone, ""},
    {StopReason::kSucceeded, "succeeded"},
    {StopReason::kFailed, "failed"},
    {StopReason::kKilled, "killed"},
    {StopReason::kOutOfMemory, "out_of_memory"},
    {StopReason::kLost, "lost"},
    {StopReason::kTimedOut, "timed_out"},
    {StopReason::kCancelled, "cancelled"},
    {StopReason::kPreempted, "preempted"},
    {StopReason::kMissingMlflow, "missing_mlflow"},
    {StopReason::kNeverFits, "never_fits"},
    {StopReason::kLaunchFailed, "launch_failed"},
    {StopReason::kMaxCost, "max_cost"},
    {StopReason::kBudgetCeiling, "budget_ceiling"},
}};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view JobStateName(JobState state) {
  for (const auto& [s, name] : kJobStateNames) {
    if (s == state) {
      return name;
    }
  }
  return "Unknown";  // unreachable for valid enum values
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (const auto& [s, n] : kJobStateNames) {
    if (EqualsIgnoreCase(n, name)) {
      return s;
    }
  }
  return std::nullopt;
}

std::string_view StopReasonName(StopReason reason) {
  for (const auto& [r, name] : kStopReasonNames) {
    if (r == reason) return name;
  }
  return "";  // unreachable for valid enum values
}

std::optional<StopReason> ParseStopReason(std::string_view name) {
  for (const auto& [r, n] : kStopReasonNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

bool IsTerminal(JobState state) {
  switch (state) {
    case JobState::kSucceeded:
    case JobState::kFailed:
    case JobState::kCancelled:
    case JobState::kTimedOut:
      return true;
    case JobState::kPending:
    case JobState::kQueued:
    case JobState::kRunning:
      return false;
  }
  return false;
}

}  // namespace inet::store
