#include "store/internal/metric_sampling.h"

#include <gtest/gtest.h>

#include <numeric>

namespace inet::store::internal {
namespace {

std::vector<int64_t> Range(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST(SampleStepsTest, KeepsEverythingThatFits) {
  EXPECT_EQ(SampleSteps({1, 5, 9}, 3), (std::vector<int64_t>{1, 5, 9}));
  EXPECT_EQ(SampleSteps({}, 5), std::vector<int64_t>{});
}

TEST(SampleStepsTest, MatchesMlflowEvenSamplingPlusLastStep) {
  // MLflow's test_get_metric_history_bulk_interval_respects_max_results expects these steps.
  EXPECT_EQ(SampleSteps(Range(10), 5), (std::vector<int64_t>{0, 2, 4, 6, 8, 9}));
  EXPECT_EQ(SampleSteps(Range(10), 1), (std::vector<int64_t>{0, 9}));
  EXPECT_EQ(SampleSteps({3, 7, 20, 21, 40}, 2), (std::vector<int64_t>{3, 20, 40}));
}

TEST(SampleStepsTest, NeverExceedsMaxResultsPlusOne) {
  for (int64_t n : {7, 100, 1001}) {
    for (int64_t k : {2, 3, 50, 999}) {
      std::vector<int64_t> s = SampleSteps(Range(n), k);
      EXPECT_LE(static_cast<int64_t>(s.size()), std::min(n, k + 1)) << n << " " << k;
      EXPECT_EQ(s.front(), 0);
      EXPECT_EQ(s.back(), n - 1);
      EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    }
  }
}

}  // namespace
}  // namespace inet::store::internal
