#include "tracking/metric_sampling.h"

#include <algorithm>

namespace inet::tracking {

std::vector<size_t> SampleMetricPoints(size_t total, int64_t max_results) {
  const auto buckets = static_cast<size_t>(std::max<int64_t>(1, max_results));
  std::vector<size_t> out;
  if (total == 0) return out;
  if (total <= buckets) {
    out.resize(total);
    for (size_t i = 0; i < total; ++i) out[i] = i;
    return out;
  }
  // NTILE(buckets): every bucket holds total / buckets points, the first total % buckets one
  // more, so bucket i starts at i * size + min(i, larger).
  const size_t size = total / buckets;
  const size_t larger = total % buckets;
  out.reserve(buckets);
  for (size_t i = 0; i < buckets; ++i) out.push_back(i * size + std::min(i, larger));
  out.back() = total - 1;
  return out;
}

}  // namespace inet::tracking
