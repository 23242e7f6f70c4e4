// What every store conformance suite (tracking_store_conformance.h, token_store_conformance.h,
// job_store_conformance.h, lease_store_conformance.h) runs against: a target that opens a fresh
// MetadataStore, and the fixture base that opens one per test. An adapter's test file instantiates
// each suite with its target:
//
//   using inet::store::testing::TrackingStoreConformanceTest;  // the macro needs a bare name
//   INSTANTIATE_TEST_SUITE_P(
//       Sqlite, TrackingStoreConformanceTest,
//       ::testing::Values(inet::store::testing::ConformanceTarget{"sqlite", &OpenFreshStore}),
//       inet::store::testing::ConformanceTargetName);
//
// (and the same for TokenStoreConformanceTest and JobStoreConformanceTest). Link the test with
// the `inet_store_testing` library (it defines the TEST_P cases).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/metadata_store.h"

namespace inet::store::testing {

// A store opened for one test, and what to do after it is destroyed (delete a temp file, drop
// a schema). `cleanup` may be empty.
struct StoreUnderTest {
  std::unique_ptr<MetadataStore> store;
  std::function<void()> cleanup;
  // Opens another MetadataStore on the same database, as a second server would; empty when
  // the database cannot be shared (in-memory).
  std::function<StatusOr<std::unique_ptr<MetadataStore>>()> open_another;
};

struct ConformanceTarget {
  std::string name;  // suffix of the instantiated test names: letters, digits, '_'
  // Opens a fresh, empty store (only experiment "0" present) whose default artifact root is
  // `artifact_root`. Called once per test. To skip the test instead (say, no server is
  // configured), call GTEST_SKIP() from a void helper and return any error.
  std::function<StatusOr<StoreUnderTest>(std::string_view artifact_root)> open;
};

// Prints a target by name in test listings (instead of its bytes).
inline void PrintTo(const ConformanceTarget& target, std::ostream* os) { *os << target.name; }

// Name generator for INSTANTIATE_TEST_SUITE_P.
std::string ConformanceTargetName(const ::testing::TestParamInfo<ConformanceTarget>& info);

// Fixture base: metadata() is a fresh store for each test; kArtifactRoot its default artifact
// root.
class MetadataStoreTest : public ::testing::TestWithParam<ConformanceTarget> {
 protected:
  static constexpr std::string_view kArtifactRoot = "file:///tmp/inet-conformance-artifacts";

  void SetUp() override;
  void TearDown() override;

  MetadataStore& metadata() { return *under_test_.store; }
  // StoreUnderTest::open_another of this test's store (may be empty).
  const std::function<StatusOr<std::unique_ptr<MetadataStore>>()>& open_another() const {
    return under_test_.open_another;
  }

 private:
  StoreUnderTest under_test_;
};

}  // namespace inet::store::testing
