#include "artifacts/artifact_schemes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "artifacts/testing/in_memory_artifact_store.h"

namespace inet::artifacts {
namespace {

using ::testing::ElementsAre;

// An opener that records the URIs it was asked for.
ArtifactStoreOpener Recording(std::vector<std::string>* calls) {
  return [calls](std::string_view uri, bool create) -> StatusOr<std::unique_ptr<ArtifactStore>> {
    calls->push_back(std::string(uri) + (create ? " create" : ""));
    return std::unique_ptr<ArtifactStore>(std::make_unique<InMemoryArtifactStore>());
  };
}

TEST(UriSchemeTest, LowerCasedOrEmpty) {
  EXPECT_EQ(UriScheme("s3://bucket/x"), "s3");
  EXPECT_EQ(UriScheme("FILE:///tmp"), "file");
  EXPECT_EQ(UriScheme("mlflow-artifacts:/0"), "mlflow-artifacts");
  EXPECT_EQ(UriScheme("/abs/dir"), "");
  EXPECT_EQ(UriScheme("relative/dir"), "");
  EXPECT_EQ(UriScheme("/a:b"), "");
  EXPECT_EQ(UriScheme("1x:y"), "");
}

TEST(ArtifactSchemeRegistryTest, OpensByScheme) {
  std::vector<std::string> files;
  std::vector<std::string> buckets;
  ArtifactSchemeRegistry registry;
  ASSERT_TRUE(registry.Register("file", Recording(&files)).ok());
  ASSERT_TRUE(registry.Register("S3", Recording(&buckets)).ok());
  EXPECT_THAT(registry.Schemes(), ElementsAre("file", "s3"));
  EXPECT_EQ(RegisteredSchemesText(registry), "file, s3");

  ASSERT_TRUE(registry.Open("s3://b/p", false).ok());
  ASSERT_TRUE(registry.Open("file:///srv/a", true).ok());
  ASSERT_TRUE(registry.Open("./relative", false).ok());  // a bare path is a file
  EXPECT_THAT(buckets, ElementsAre("s3://b/p"));
  EXPECT_THAT(files, ElementsAre("file:///srv/a create", "./relative"));
  ASSERT_TRUE(OpenArtifactStore("/srv/b", registry).ok());
  EXPECT_EQ(files.back(), "/srv/b create");
}

TEST(ArtifactSchemeRegistryTest, ClearErrors) {
  std::vector<std::string> calls;
  ArtifactSchemeRegistry registry;
  EXPECT_EQ(RegisteredSchemesText(registry), "none");
  EXPECT_EQ(registry.Open("/x", true).status().message(),
            "unsupported artifact store URI '/x': no adapter for scheme 'file' (registered: none)");
  ASSERT_TRUE(registry.Register("file", Recording(&calls)).ok());
  EXPECT_EQ(registry.Register("FILE", Recording(&calls)).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Register("no/scheme", Recording(&calls)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Open("gs://b", true).status().message(),
            "unsupported artifact store URI 'gs://b': no adapter for scheme 'gs' (registered: "
            "file)");
  EXPECT_EQ(registry.Open("", true).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(calls.empty());
}

}  // namespace
}  // namespace inet::artifacts
