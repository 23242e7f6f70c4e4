#include "jobs/storage_meter.h"

#include <gtest/gtest.h>

#include <string>

#include "artifacts/testing/in_memory_artifact_store.h"
#include "common/io.h"
#include "jobs/cost_meter.h"
#include "store/testing/temp_sqlite_store.h"

namespace inet::jobs {
namespace {

constexpr int64_t kHour = 3'600'000;

class StorageMeterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::testing::TempSqliteStore::Open(&clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->store().identity().CreateTeam(store::Team{"nlp-team", 0}).ok());
  }

  void Put(const std::string& key, size_t bytes) {
    StringByteSource body(std::string(bytes, 'x'));
    ASSERT_TRUE(artifacts_.Put(key, body, static_cast<int64_t>(bytes)).ok());
  }

  FakeClock clock_;
  std::unique_ptr<store::testing::TempSqliteStore> db_;
  artifacts::InMemoryArtifactStore artifacts_;
};

// Each team's bytes under its prefix are sampled, everything else is default's, and the
// GiB-hours accumulate between samples.
TEST_F(StorageMeterTest, SamplesEachTeamsPrefixIntoGibHours) {
  Put("workspaces/nlp-team/experiments/1/model.pt", 1 << 20);
  Put("workspaces/nlp-team/jobs/x/outputs/log", 1 << 20);
  Put("1/run/artifacts/model.pt", 3 << 20);
  Put("workspaces/no-such-team/x", 1 << 20);  // not a team's prefix: default's
  StorageMeter meter(artifacts_, db_->store().identity(), db_->store().costs(), clock_, {});
  ASSERT_TRUE(meter.SampleOnce().ok());
  clock_.Advance(10 * kHour);
  ASSERT_TRUE(meter.SampleOnce().ok());

  const std::string month = MonthOf(clock_.NowMillis());
  StatusOr<store::StorageCost> nlp = db_->store().costs().GetStorageCost("nlp-team", month);
  ASSERT_TRUE(nlp.ok()) << nlp.status().ToString();
  EXPECT_EQ(nlp->bytes, 2 << 20);
  EXPECT_DOUBLE_EQ(nlp->gib_hours, 2.0 / 1024 * 10);
  StatusOr<store::StorageCost> other = db_->store().costs().GetStorageCost("default", month);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->bytes, 4 << 20);
  EXPECT_DOUBLE_EQ(other->gib_hours, 4.0 / 1024 * 10);

  // Priced per GiB-month of 730 hours in the team's standing.
  CostOptions options;
  options.prices.storage_gib_month = 730.0 * 1024 / 20;  // $1.00 for 20/1024 GiB-hours
  CostMeter costs(db_->store().costs(), db_->store().jobs(), nullptr, nullptr, clock_, options);
  StatusOr<BudgetStanding> standing = costs.Standing("nlp-team", month);
  ASSERT_TRUE(standing.ok()) << standing.status().ToString();
  EXPECT_EQ(standing->storage_micros, 1'000'000);
  EXPECT_EQ(standing->compute_micros, 0);
}

}  // namespace
}  // namespace inet::jobs
