#include "tracking/metric_sampling.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inet::tracking {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SampleMetricPointsTest, KeepsEverythingThatFits) {
  EXPECT_THAT(SampleMetricPoints(0, 5), IsEmpty());
  EXPECT_THAT(SampleMetricPoints(3, 5), ElementsAre(0, 1, 2));
  EXPECT_THAT(SampleMetricPoints(5, 5), ElementsAre(0, 1, 2, 3, 4));
}

// Steps 0-9 each logged at timestamps 1 and 2 are 20 ordered points (0,1) (0,2) (1,1) ...;
// mlflow server 3.17.2 answers max_results=5 with (0,1) (2,1) (4,1) (6,1) (9,2).
TEST(SampleMetricPointsTest, MatchesMlflowServerWhenStepsRepeat) {
  EXPECT_THAT(SampleMetricPoints(20, 5), ElementsAre(0, 4, 8, 12, 19));
}

// NTILE makes the first total % max_results buckets one point larger.
TEST(SampleMetricPointsTest, UnevenBucketsAreLargerFirst) {
  EXPECT_THAT(SampleMetricPoints(10, 4), ElementsAre(0, 3, 6, 9));
  EXPECT_THAT(SampleMetricPoints(11, 4), ElementsAre(0, 3, 6, 10));
  EXPECT_THAT(SampleMetricPoints(100, 10), ElementsAre(0, 10, 20, 30, 40, 50, 60, 70, 80, 99));
}

TEST(SampleMetricPointsTest, OneResultIsTheLastPoint) {
  EXPECT_THAT(SampleMetricPoints(7, 1), ElementsAre(6));
  EXPECT_THAT(SampleMetricPoints(7, 0), ElementsAre(6));
  EXPECT_THAT(SampleMetricPoints(1, 1), ElementsAre(0));
}

}  // namespace
}  // namespace inet::tracking
