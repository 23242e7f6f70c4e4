#include "store/testing/lease_store_conformance.h"

#include <memory>

#include "store/testing/conformance_helpers.h"

namespace inet::store::testing {

TEST_P(LeaseStoreConformanceTest, ALeaseIsHeldOnceUntilReleased) {
  std::unique_ptr<Lease> held = ValueOrDie(store().TryAcquire("job-controller"));
  ASSERT_NE(held, nullptr);
  EXPECT_OK(held->Check());
  EXPECT_EQ(ValueOrDie(store().TryAcquire("job-controller")), nullptr);
  held.reset();
  std::unique_ptr<Lease> again = ValueOrDie(store().TryAcquire("job-controller"));
  ASSERT_NE(again, nullptr);
  EXPECT_OK(again->Check());
}

TEST_P(LeaseStoreConformanceTest, NamesAreIndependent) {
  std::unique_ptr<Lease> a = ValueOrDie(store().TryAcquire("job-controller"));
  std::unique_ptr<Lease> b = ValueOrDie(store().TryAcquire("quota.expiry"));
  EXPECT_NE(a, nullptr);
  EXPECT_NE(b, nullptr);
}

TEST_P(LeaseStoreConformanceTest, InvalidNamesAreRefused) {
  EXPECT_EQ(store().TryAcquire("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().TryAcquire("../x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().TryAcquire("a b").status().code(), StatusCode::kInvalidArgument);
}

// Two servers on one database: only one holds the lease; the other takes it once released.
TEST_P(LeaseStoreConformanceTest, AnotherStoreOnTheSameDatabaseWaitsForTheHolder) {
  if (!open_another()) GTEST_SKIP() << "this database cannot be opened twice";
  std::unique_ptr<MetadataStore> other = ValueOrDie(open_another()());
  std::unique_ptr<Lease> held = ValueOrDie(store().TryAcquire("job-controller"));
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(ValueOrDie(other->leases().TryAcquire("job-controller")), nullptr);
  held.reset();
  std::unique_ptr<Lease> taken = ValueOrDie(other->leases().TryAcquire("job-controller"));
  ASSERT_NE(taken, nullptr);
  EXPECT_OK(taken->Check());
  EXPECT_EQ(ValueOrDie(store().TryAcquire("job-controller")), nullptr);
}

}  // namespace inet::store::testing
