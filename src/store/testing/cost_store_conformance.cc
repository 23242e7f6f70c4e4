#include "store/testing/cost_store_conformance.h"

#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "store/testing/conformance_helpers.h"

namespace inet::store::testing {
namespace {

using ::testing::ElementsAre;

AttemptCost Cost(std::string job_id, int attempt, std::string month, int64_t micros, int64_t until,
                 std::string team = "nlp-team") {
  AttemptCost c;
  c.job_id = std::move(job_id);
  c.attempt = attempt;
  c.month = std::move(month);
  c.team = std::move(team);
  c.run_id = "run-" + c.job_id;
  c.cost_micros = micros;
  c.accrued_until = until;
  return c;
}

}  // namespace

// A row holds the attempt's absolute cost: writing it again replaces it, never adds to it.
TEST_P(CostStoreConformanceTest, RewritingAnAttemptsCostReplacesIt) {
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 1, "2026-12", 1'000'000, 100)));
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 1, "2026-12", 2'500'000, 200)));
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 1, "2026-12", 2'500'000, 200)));
  EXPECT_THAT(ValueOrDie(store().ListAttemptCosts("a-1")),
              ElementsAre(Cost("a-1", 1, "2026-12", 2'500'000, 200)));
  EXPECT_EQ(ValueOrDie(store().TeamComputeMicros("nlp-team", "2026-12")), 2'500'000);
}

// A stale writer (an older accrual time) never moves the ledger back, nor does anything
// change an ended attempt's row.
TEST_P(CostStoreConformanceTest, StaleAndPostEndWritesAreIgnored) {
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 1, "2026-12", 3'000'000, 300)));
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 1, "2026-12", 1'000'000, 100)));
  EXPECT_EQ(ValueOrDie(store().ListAttemptCosts("a-1"))[0].cost_micros, 3'000'000);

  AttemptCost ended = Cost("a-1", 1, "2026-12", 4'000'000, 400);
  ended.ended = true;
  ASSERT_OK(store().PutAttemptCost(ended));
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 1, "2026-12", 9'000'000, 900)));
  EXPECT_THAT(ValueOrDie(store().ListAttemptCosts("a-1")), ElementsAre(ended));
}

// Sums per team and month, and per job (over its attempts), costliest job first.
TEST_P(CostStoreConformanceTest, SumsByTeamMonthAndJob) {
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 1, "2026-11", 1'000'000, 100)));
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 1, "2026-12", 2'000'000, 200)));
  ASSERT_OK(store().PutAttemptCost(Cost("a-1", 2, "2026-12", 3'000'000, 300)));
  ASSERT_OK(store().PutAttemptCost(Cost("b-1", 1, "2026-12", 7'000'000, 300)));
  ASSERT_OK(store().PutAttemptCost(Cost("c-1", 1, "2026-12", 50'000'000, 300, "cv-team")));

  EXPECT_EQ(ValueOrDie(store().TeamComputeMicros("nlp-team", "2026-12")), 12'000'000);
  EXPECT_EQ(ValueOrDie(store().TeamComputeMicros("nlp-team", "2026-11")), 1'000'000);
  EXPECT_EQ(ValueOrDie(store().TeamComputeMicros("nlp-team", "2027-01")), 0);
  EXPECT_THAT(
      ValueOrDie(store().ListJobCosts("nlp-team", "2026-12")),
      ElementsAre(JobCost{"b-1", "run-b-1", 7'000'000}, JobCost{"a-1", "run-a-1", 5'000'000}));
  EXPECT_EQ(ValueOrDie(store().ListAttemptCosts("a-1")).size(), 3u);
}

// Each sample adds the previous sample's bytes times the hours since it.
TEST_P(CostStoreConformanceTest, StorageSamplesAccumulateGibHours) {
  EXPECT_EQ(store().GetStorageCost("nlp-team", "2026-12").status().code(), StatusCode::kNotFound);
  constexpr int64_t kGib = int64_t{1} << 30;
  constexpr int64_t kHour = 3'600'000;
  ASSERT_OK(store().AddStorageSample("nlp-team", "2026-12", 2 * kGib, 10 * kHour));
  ASSERT_OK(store().AddStorageSample("nlp-team", "2026-12", 4 * kGib, 13 * kHour));
  ASSERT_OK(store().AddStorageSample("nlp-team", "2026-12", 1 * kGib, 12 * kHour));  // stale
  ASSERT_OK(store().AddStorageSample("nlp-team", "2026-12", 4 * kGib, 14 * kHour));
  StorageCost cost = ValueOrDie(store().GetStorageCost("nlp-team", "2026-12"));
  EXPECT_EQ(cost.bytes, 4 * kGib);
  EXPECT_EQ(cost.sampled_at, 14 * kHour);
  EXPECT_DOUBLE_EQ(cost.gib_hours, 2.0 * 3 + 4.0 * 1);
}

TEST_P(CostStoreConformanceTest, BudgetsRoundTripAndNeedTheTeam) {
  EXPECT_EQ(store().GetTeamBudget("nlp-team").status().code(), StatusCode::kNotFound);
  TeamBudget budget{"nlp-team", 500'000'000, false, 1234, "admin"};
  EXPECT_EQ(store().PutTeamBudget(budget).code(), StatusCode::kNotFound);
  ASSERT_OK(metadata().identity().CreateTeam(Team{"nlp-team", 0}));
  ASSERT_OK(store().PutTeamBudget(budget));
  EXPECT_EQ(ValueOrDie(store().GetTeamBudget("nlp-team")), budget);
  budget.monthly_micros = 750'000'000;
  budget.allow_overrun = true;
  ASSERT_OK(store().PutTeamBudget(budget));
  EXPECT_EQ(ValueOrDie(store().GetTeamBudget("nlp-team")), budget);
  ASSERT_OK(store().DeleteTeamBudget("nlp-team"));
  EXPECT_EQ(store().GetTeamBudget("nlp-team").status().code(), StatusCode::kNotFound);
  ASSERT_OK(store().DeleteTeamBudget("nlp-team"));
}

// Exactly one caller wins each (team, month, percent).
TEST_P(CostStoreConformanceTest, EachBudgetWarningIsMarkedOnce) {
  EXPECT_TRUE(ValueOrDie(store().MarkBudgetWarning("nlp-team", "2026-12", 50, 1)));
  EXPECT_FALSE(ValueOrDie(store().MarkBudgetWarning("nlp-team", "2026-12", 50, 2)));
  EXPECT_TRUE(ValueOrDie(store().MarkBudgetWarning("nlp-team", "2026-12", 80, 3)));
  EXPECT_TRUE(ValueOrDie(store().MarkBudgetWarning("nlp-team", "2027-01", 50, 4)));
  EXPECT_TRUE(ValueOrDie(store().MarkBudgetWarning("cv-team", "2026-12", 50, 5)));
}

}  // namespace inet::store::testing
