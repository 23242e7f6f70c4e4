#include "store/testing/conformance_target.h"

#include <string>
#include <utility>

namespace inet::store::testing {

std::string ConformanceTargetName(const ::testing::TestParamInfo<ConformanceTarget>& info) {
  return info.param.name;
}

void MetadataStoreTest::SetUp() {
  StatusOr<StoreUnderTest> opened = GetParam().open(kArtifactRoot);
  // `open` may skip the test (e.g. no database server configured); the body then never runs.
  if (IsSkipped()) return;
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  under_test_ = std::move(*opened);
  ASSERT_NE(under_test_.store, nullptr);
}

void MetadataStoreTest::TearDown() {
  under_test_.store.reset();
  if (under_test_.cleanup) under_test_.cleanup();
}

}  // namespace inet::store::testing
