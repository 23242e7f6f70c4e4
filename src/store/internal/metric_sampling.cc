#include "store/internal/metric_sampling.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace inet::store::internal {

std::vector<int64_t> SampleSteps(const std::vector<std::vector<int64_t>>& steps_per_run,
                                 std::optional<int64_t> start_step, std::optional<int64_t> end_step,
                                 int64_t max_results) {
  const size_t k = static_cast<size_t>(std::max<int64_t>(1, max_results));
  std::set<int64_t> union_steps;
  std::set<int64_t> ends;  // every run's first and last step
  for (const std::vector<int64_t>& steps : steps_per_run) {
    if (steps.empty()) continue;
    union_steps.insert(steps.begin(), steps.end());
    ends.insert(steps.front());
    ends.insert(steps.back());
  }
  std::vector<int64_t> all(union_steps.begin(), union_steps.end());
  int64_t lo = start_step.value_or(0);
  int64_t hi = end_step.value_or(all.empty() ? 0 : all.back());
  auto first = std::lower_bound(all.begin(), all.end(), lo);
  auto last = std::upper_bound(all.begin(), all.end(), hi);
  std::set<int64_t> chosen;
  for (int64_t step : ends) {
    if (step >= lo && step <= hi) chosen.insert(step);
  }
  const size_t n = first < last ? static_cast<size_t>(last - first) : 0;
  if (n <= k) {
    chosen.insert(first, last);
  } else {
    // MLflow computes int(i * (n / k)) in floating point; so do we, to pick the same steps.
    const double interval = static_cast<double>(n) / static_cast<double>(k);
    for (size_t i = 0; i < k; ++i) {
      auto idx = static_cast<size_t>(static_cast<double>(i) * interval);
      if (idx < n) chosen.insert(first[static_cast<std::ptrdiff_t>(idx)]);
    }
    chosen.insert(*(last - 1));
  }
  return {chosen.begin(), chosen.end()};
}

std::vector<size_t> EvenlySpacedIndices(size_t total, size_t max_results) {
  std::vector<size_t> out;
  if (total == 0) return out;
  if (total <= max_results) {
    for (size_t i = 0; i < total; ++i) out.push_back(i);
    return out;
  }
  if (max_results <= 1) return {total - 1};
  const double step = static_cast<double>(total - 1) / static_cast<double>(max_results - 1);
  std::set<size_t> picked;
  for (size_t i = 0; i < max_results; ++i) {
    picked.insert(static_cast<size_t>(std::nearbyint(static_cast<double>(i) * step)));
  }
  return {picked.begin(), picked.end()};
}

}  // namespace inet::store::internal
