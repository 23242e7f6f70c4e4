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

constexpr std::nullopt_t kAll = std::nullopt;

TEST(SampleStepsTest, KeepsEverythingThatFits) {
  EXPECT_EQ(SampleSteps({{1, 5, 9}}, kAll, kAll, 3), (std::vector<int64_t>{1, 5, 9}));
  EXPECT_EQ(SampleSteps({{}}, kAll, kAll, 5), std::vector<int64_t>{});
  EXPECT_EQ(SampleSteps({}, kAll, kAll, 5), std::vector<int64_t>{});
}

// The expectations of MLflow's test_get_metric_history_bulk_interval_respects_max_results.
TEST(SampleStepsTest, MatchesMlflowForOneRun) {
  EXPECT_EQ(SampleSteps({Range(10)}, kAll, kAll, 5), (std::vector<int64_t>{0, 2, 4, 6, 8, 9}));
  EXPECT_EQ(SampleSteps({Range(10)}, 0, 4, 5), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(SampleSteps({Range(10)}, kAll, kAll, 1), (std::vector<int64_t>{0, 9}));
}

TEST(SampleStepsTest, MatchesMlflowAcrossRuns) {
  EXPECT_EQ(SampleSteps({Range(10), Range(20)}, kAll, kAll, 5),
            (std::vector<int64_t>{0, 4, 8, 9, 12, 16, 19}));
}

TEST(SampleStepsTest, RangeDropsOutsideStepsAndDefaultsToFromZero) {
  EXPECT_EQ(SampleSteps({{-5, 2, 3}}, kAll, kAll, 10), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(SampleSteps({Range(100)}, 20, 29, 100),
            (std::vector<int64_t>{20, 21, 22, 23, 24, 25, 26, 27, 28, 29}));
}

TEST(EvenlySpacedIndicesTest, KeepsFirstAndLast) {
  EXPECT_EQ(EvenlySpacedIndices(0, 3), std::vector<size_t>{});
  EXPECT_EQ(EvenlySpacedIndices(3, 5), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(EvenlySpacedIndices(10, 4), (std::vector<size_t>{0, 3, 6, 9}));
  EXPECT_EQ(EvenlySpacedIndices(10, 1), std::vector<size_t>{9});
}

}  // namespace
}  // namespace inet::store::internal
