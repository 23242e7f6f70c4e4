// Step sampling for get-history-bulk-interval (the UI's charts), shared by every adapter so
// that all backends return the same points as MLflow's server.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace inet::store::internal {

// Which steps get-history-bulk-interval returns, by MLflow's rule. `steps_per_run` holds each
// requested run's distinct steps of the metric, ascending, over its whole history. Without a
// range, the range is [0, largest step]. When the union of all runs' steps in the range has
// more than `max_results` steps, the steps at index floor(i * n / max_results) for
// i < max_results are kept, plus the last; every run's first and last step (when in range)
// are always kept. Returns ascending steps; each run then returns its points at these steps.
// Pure; thread-safe.
std::vector<int64_t> SampleSteps(const std::vector<std::vector<int64_t>>& steps_per_run,
                                 std::optional<int64_t> start_step, std::optional<int64_t> end_step,
                                 int64_t max_results);

// Up to `max_results` evenly spaced indexes into `total` items, always the first and last
// (MLflow's cap on one run's points when many share a step). Ascending.
std::vector<size_t> EvenlySpacedIndices(size_t total, size_t max_results);

}  // namespace inet::store::internal
