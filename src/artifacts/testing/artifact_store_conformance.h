// The ArtifactStore conformance suite: one set of value-parameterised tests that every adapter
// (local directory, in-memory fake, S3) must pass, so they stay interchangeable.
//
// An adapter's test file instantiates it with a factory that returns a fresh, empty store:
//
//   INSTANTIATE_TEST_SUITE_P(Local, ArtifactStoreConformanceTest,
//       testing::Values(ArtifactStoreFactory{"local", [] { return ...; }}),
//       [](const auto& info) { return info.param.name; });
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "artifacts/artifact_store.h"

namespace inet::artifacts {

struct ArtifactStoreFactory {
  std::string name;  // a valid gtest name: letters, digits, '_'
  // Returns a new empty store; the fixture owns it for one test.
  std::function<std::unique_ptr<ArtifactStore>()> make;
  // Size of the streamed large-object test (the S3 adapter may pick less).
  int64_t large_object_bytes = 100LL << 20;
};

class ArtifactStoreConformanceTest : public testing::TestWithParam<ArtifactStoreFactory> {
 protected:
  void SetUp() override;
  ArtifactStore& store() { return *store_; }

 private:
  std::unique_ptr<ArtifactStore> store_;
};

}  // namespace inet::artifacts
