// Step sampling for get-history-bulk-interval (the UI's charts), shared by every adapter so
// that all backends return the same points as MLflow's server.
#pragma once

#include <cstdint>
#include <vector>

namespace inet::store::internal {

// Picks which of a run's distinct, ascending `steps` (already limited to the requested range)
// to return when at most about `max_results` are wanted. MLflow's rule: all steps when they
// fit; otherwise the steps at indexes floor(i * n / max_results) for i < max_results, plus the
// last step (so up to max_results + 1). Returns ascending steps. Pure; thread-safe.
std::vector<int64_t> SampleSteps(const std::vector<int64_t>& steps, int64_t max_results);

}  // namespace inet::store::internal
