#include "artifacts/testing/in_memory_artifact_store.h"

#include <gtest/gtest.h>

#include "artifacts/testing/artifact_store_conformance.h"

namespace inet::artifacts {
namespace {

INSTANTIATE_TEST_SUITE_P(InMemory, ArtifactStoreConformanceTest,
                         testing::Values(ArtifactStoreFactory{
                             "in_memory", [] { return std::make_unique<InMemoryArtifactStore>(); },
                             // The fake holds objects in memory; keep the large one moderate.
                             16LL << 20}),
                         [](const auto& info) { return info.param.name; });

TEST(InMemoryArtifactStoreTest, CompleteAndAbortForgetUploads) {
  InMemoryArtifactStore store;
  auto a = store.CreateMultipartUpload("a");
  auto b = store.CreateMultipartUpload("b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(store.PendingUploads(), 2u);
  StringByteSource part("x");
  auto etag = store.UploadPart("a", *a, 1, part);
  ASSERT_TRUE(etag.ok());
  ASSERT_TRUE(store.CompleteMultipartUpload("a", *a, {{1, *etag}}).ok());
  ASSERT_TRUE(store.AbortMultipartUpload("b", *b).ok());
  EXPECT_EQ(store.PendingUploads(), 0u);
}

TEST(InMemoryArtifactStoreTest, StampsModificationTimeFromTheClock) {
  FakeClock clock(1234);
  InMemoryArtifactStore store(&clock);
  StringByteSource body("x");
  ASSERT_TRUE(store.Put("k", body).ok());
  EXPECT_EQ(store.Head("k")->last_modified_ms, 1234);
}

}  // namespace
}  // namespace inet::artifacts
