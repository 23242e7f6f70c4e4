#include "artifacts/artifact_uri.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "artifacts/artifact_schemes.h"
#include "artifacts/local/local_artifact_store.h"
#include "artifacts/testing/in_memory_artifact_store.h"

namespace inet::artifacts {
namespace {

namespace fs = std::filesystem;

class ArtifactUriTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "inet-uri-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    auto store = LocalArtifactStore::Open((dir_ / "destination").string());
    ASSERT_TRUE(store.ok());
    destination_ = std::move(store).value();
    ASSERT_TRUE(schemes_.Register("file", OpenLocalArtifactStoreUri).ok());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
  std::unique_ptr<LocalArtifactStore> destination_;
  ArtifactSchemeRegistry schemes_;
};

TEST_F(ArtifactUriTest, ProxiedUrisMapToTheDestination) {
  ArtifactUriResolver resolver(*destination_, schemes_, {dir_.string()});
  struct Case {
    std::string uri;
    std::string prefix;
  };
  for (const Case& c : std::vector<Case>{
           {"mlflow-artifacts:/1/abc/artifacts", "1/abc/artifacts"},
           {"mlflow-artifacts:///1/abc/artifacts/", "1/abc/artifacts"},
           {"mlflow-artifacts://host:5000/1/models/m-1/artifacts", "1/models/m-1/artifacts"},
           {"mlflow-artifacts:/", ""},
           {"mlflow-artifacts:", ""},
           {"http://h:5000/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts", "0/r/artifacts"},
           {"https://h/prefix/api/2.0/mlflow-artifacts/artifacts/x%20y", "x y"},
           {"http://h/api/2.0/mlflow-artifacts/artifacts", ""},
       }) {
    SCOPED_TRACE(c.uri);
    EXPECT_TRUE(IsProxiedArtifactUri(c.uri));
    auto location = resolver.Resolve(c.uri);
    ASSERT_TRUE(location.ok()) << location.status().ToString();
    EXPECT_EQ(location->store.get(), destination_.get());
    EXPECT_EQ(location->key_prefix, c.prefix);
    EXPECT_TRUE(location->is_destination);
  }
}

TEST_F(ArtifactUriTest, KeyForJoinsPaths) {
  ArtifactLocation at_root{nullptr, "", true};
  ArtifactLocation nested{nullptr, "0/r/artifacts", true};
  EXPECT_EQ(at_root.KeyFor("a/b"), "a/b");
  EXPECT_EQ(nested.KeyFor("a/b"), "0/r/artifacts/a/b");
  EXPECT_EQ(nested.KeyFor(""), "0/r/artifacts");
}

TEST_F(ArtifactUriTest, UnsafeProxiedPathsAreRejected) {
  ArtifactUriResolver resolver(*destination_, schemes_, {dir_.string()});
  for (const char* uri : {"mlflow-artifacts:/../../etc", "mlflow-artifacts://h/a/%2e%2e/%2e%2e/x",
                          "http://h/api/2.0/mlflow-artifacts/artifacts/../x",
                          "mlflow-artifacts:/a%00b", "mlflow-artifacts:/a%zz"}) {
    SCOPED_TRACE(uri);
    EXPECT_EQ(resolver.Resolve(uri).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(ArtifactUriTest, LocalUrisOpenCachedLocalStores) {
  ArtifactUriResolver resolver(*destination_, schemes_, {dir_.string()}, /*max_local_stores=*/2);
  fs::path run_dir = dir_ / "mlruns/0/run/artifacts";
  fs::create_directories(run_dir);
  auto a = resolver.Resolve("file://" + run_dir.string());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FALSE(a->is_destination);
  EXPECT_EQ(a->key_prefix, "");
  EXPECT_EQ(static_cast<LocalArtifactStore*>(a->store.get())->root(), run_dir.string());
  // Same directory, other spellings: the same cached store.
  EXPECT_EQ(resolver.Resolve(run_dir.string() + "/")->store, a->store);
  EXPECT_EQ(resolver.Resolve("file:" + run_dir.string())->store, a->store);
  EXPECT_EQ(resolver.Resolve("file://localhost" + run_dir.string())->store, a->store);

  // Missing directories are created only on request.
  fs::path missing = dir_ / "mlruns/0/other/artifacts";
  EXPECT_EQ(resolver.Resolve("file://" + missing.string()).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(missing));
  ASSERT_TRUE(resolver.Resolve("file://" + missing.string(), /*create=*/true).ok());
  EXPECT_TRUE(fs::is_directory(missing));

  // Eviction keeps returned stores usable.
  std::shared_ptr<ArtifactStore> held = a->store;
  fs::create_directories(dir_ / "c");
  ASSERT_TRUE(resolver.Resolve((dir_ / "c").string()).ok());
  ASSERT_TRUE(resolver.Resolve(missing.string()).ok());
  StringByteSource body("x");
  EXPECT_TRUE(held->Put("still/works", body).ok());
  EXPECT_TRUE(fs::exists(run_dir / "still/works"));
}

TEST_F(ArtifactUriTest, LocalDirectoriesOutsideTheRootsAreRefused) {
  fs::create_directories(dir_ / "served/run");
  fs::create_directories(dir_ / "private");
  fs::create_directory_symlink(dir_ / "private", dir_ / "served/escape");
  ArtifactUriResolver resolver(*destination_, schemes_, {(dir_ / "served").string()});
  EXPECT_TRUE(resolver.Resolve("file://" + (dir_ / "served/run").string()).ok());
  for (const std::string& uri :
       {std::string("file:///etc"), std::string("FILE:///etc"), std::string("/"),
        (dir_ / "private").string(), (dir_ / "served-sibling").string(),
        (dir_ / "served/escape").string()}) {
    SCOPED_TRACE(uri);
    EXPECT_EQ(resolver.Resolve(uri, /*create=*/true).status().code(),
              StatusCode::kPermissionDenied);
  }
  EXPECT_FALSE(fs::exists(dir_ / "served-sibling"));
  // No local roots: only proxied locations resolve.
  ArtifactUriResolver proxied_only(*destination_, schemes_, {});
  EXPECT_EQ(proxied_only.Resolve("file://" + (dir_ / "served/run").string()).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(proxied_only.Resolve("mlflow-artifacts:/0/r/artifacts").ok());
}

TEST_F(ArtifactUriTest, UnsupportedUrisAreRejected) {
  ArtifactUriResolver resolver(*destination_, schemes_, {dir_.string()});
  for (const char* uri : {"s3://bucket/path", "relative/dir", "file://otherhost/x", "ftp://x/y",
                          "http://example.com/not-artifacts", "/a/../etc", ""}) {
    SCOPED_TRACE(uri);
    EXPECT_FALSE(IsProxiedArtifactUri(uri));
    EXPECT_EQ(resolver.Resolve(uri).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(ArtifactUriTest, UnregisteredSchemesNameTheRegisteredOnes) {
  ArtifactUriResolver resolver(*destination_, schemes_, {dir_.string()});
  EXPECT_EQ(resolver.Resolve("s3://bucket/path").status().message(),
            "unsupported artifact URI 's3://bucket/path': no adapter for scheme 's3' (this server "
            "resolves mlflow-artifacts, http(s) proxy URIs, file)");
  // Without a registry only proxied URIs resolve, local directories included.
  ArtifactUriResolver bare(*destination_);
  EXPECT_EQ(bare.Resolve((dir_ / "x").string()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(bare.Resolve("mlflow-artifacts:/0/r").ok());
}

// A scheme registered by the composition root (as s3 will be) resolves through its adapter,
// rooted at the URI, and its store is opened once.
TEST_F(ArtifactUriTest, OtherRegisteredSchemesOpenThroughTheirAdapter) {
  std::vector<std::string> opened;
  ASSERT_TRUE(
      schemes_
          .Register("mem",
                    [&](std::string_view uri, bool) -> StatusOr<std::unique_ptr<ArtifactStore>> {
                      opened.emplace_back(uri);
                      return std::unique_ptr<ArtifactStore>(
                          std::make_unique<InMemoryArtifactStore>());
                    })
          .ok());
  ArtifactUriResolver resolver(*destination_, schemes_, {});
  auto first = resolver.Resolve("mem://bucket/runs/1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->is_destination);
  EXPECT_EQ(first->key_prefix, "");
  StringByteSource body("x");
  ASSERT_TRUE(first->store->Put("a.txt", body).ok());
  auto again = resolver.Resolve("MEM://bucket/runs/1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->store.get(), first->store.get());
  EXPECT_EQ(opened, std::vector<std::string>{"mem://bucket/runs/1"});
}

TEST_F(ArtifactUriTest, OpenArtifactStoreAcceptsDirectories) {
  auto by_uri = OpenArtifactStore("file://" + (dir_ / "s1").string(), schemes_);
  ASSERT_TRUE(by_uri.ok()) << by_uri.status().ToString();
  EXPECT_TRUE(fs::is_directory(dir_ / "s1"));
  auto by_path = OpenArtifactStore((dir_ / "s2").string(), schemes_);
  ASSERT_TRUE(by_path.ok());
  EXPECT_TRUE(fs::is_directory(dir_ / "s2"));
  EXPECT_EQ(OpenArtifactStore("s3://bucket", schemes_).status().message(),
            "unsupported artifact store URI 's3://bucket': no adapter for scheme 's3' "
            "(registered: file)");
  EXPECT_EQ(OpenArtifactStore("", schemes_).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace inet::artifacts
