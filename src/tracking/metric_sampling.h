// Which points get-history-bulk-interval returns (the UI's charts): MLflow's sampling rule,
// kept here once so that every store adapter only fetches the points it is told to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace inet::tracking {

// Indexes of the points to return out of one run's `total` points of a metric, ordered by
// (step, timestamp, value, is_nan), as MLflow 3's SQL store samples them: the points are cut
// into `max_results` buckets as SQL's NTILE does (the first total % max_results buckets one
// point larger), the first point of each bucket is kept, and the last point replaces the last
// bucket's when it is not already kept, so at most `max_results` points come back, always the
// last one (only the last when max_results is 1). All points when total <= max_results.
// Ascending. `max_results` below 1 counts as 1. Pure; thread-safe.
std::vector<size_t> SampleMetricPoints(size_t total, int64_t max_results);

}  // namespace inet::tracking
