#include "store/internal/metric_sampling.h"

#include <algorithm>

namespace inet::store::internal {

std::vector<int64_t> SampleSteps(const std::vector<int64_t>& steps, int64_t max_results) {
  const size_t n = steps.size();
  const size_t k = static_cast<size_t>(std::max<int64_t>(1, max_results));
  if (n <= k) return steps;
  std::vector<int64_t> out;
  out.reserve(k + 1);
  for (size_t i = 0; i < k; ++i) {
    // floor(i * n / k) in integers: MLflow computes int(i * (n / k)) in floating point, which
    // agrees for every n and k a request can carry.
    size_t idx = i * n / k;
    if (out.empty() || out.back() != steps[idx]) out.push_back(steps[idx]);
  }
  if (out.back() != steps.back()) out.push_back(steps.back());
  return out;
}

}  // namespace inet::store::internal
