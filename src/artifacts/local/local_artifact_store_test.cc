#include "artifacts/local/local_artifact_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>

#include "artifacts/testing/artifact_store_conformance.h"

namespace inet::artifacts {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A fresh directory under the test's temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "inet-artifacts-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Owns the directories the conformance factory hands out for the whole test program.
TempDir* conformance_dirs = nullptr;
int conformance_counter = 0;

class ConformanceDirs : public testing::Environment {
 public:
  void SetUp() override { conformance_dirs = new TempDir(); }
  void TearDown() override {
    delete conformance_dirs;
    conformance_dirs = nullptr;
  }
};
const auto* const kEnv = testing::AddGlobalTestEnvironment(new ConformanceDirs);

std::unique_ptr<ArtifactStore> MakeLocalStore() {
  fs::path dir = conformance_dirs->path() / std::to_string(conformance_counter++);
  auto store = LocalArtifactStore::Open(dir.string());
  if (!store.ok()) return nullptr;
  return std::move(store).value();
}

INSTANTIATE_TEST_SUITE_P(Local, ArtifactStoreConformanceTest,
                         testing::Values(ArtifactStoreFactory{"local", MakeLocalStore}),
                         [](const auto& info) { return info.param.name; });

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

ListOptions Delimited(std::string prefix) { return ListOptions{std::move(prefix), true, "", 1000}; }
ListOptions Recursive(std::string prefix) {
  return ListOptions{std::move(prefix), false, "", 1000};
}

Status PutString(ArtifactStore& store, std::string_view key, std::string data) {
  StringByteSource source(std::move(data));
  return store.Put(key, source);
}

class LocalArtifactStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path() / "root";
    outside_ = tmp_.path() / "outside";
    WriteFile(outside_ / "secret", "top secret");
    auto opened = LocalArtifactStore::Open(root_.string());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  TempDir tmp_;
  fs::path root_;
  fs::path outside_;
  std::unique_ptr<LocalArtifactStore> store_;
};

TEST_F(LocalArtifactStoreTest, ObjectsArePlainFilesUnderTheRoot) {
  ASSERT_TRUE(PutString(*store_, "0/run/artifacts/model/MLmodel", "flavors: {}").ok());
  EXPECT_EQ(ReadFile(root_ / "0/run/artifacts/model/MLmodel"), "flavors: {}");
  EXPECT_EQ(store_->root(), root_.string());
}

// A body that, half-way through, runs `during` (while the store's temporary file is open).
class CallbackSource : public ByteSource {
 public:
  CallbackSource(std::string data, std::function<void()> during)
      : data_(std::move(data)), during_(std::move(during)) {}
  StatusOr<size_t> Read(char* buf, size_t n) override {
    if (pos_ > 0 && during_) std::exchange(during_, nullptr)();
    const size_t got = std::min({n, data_.size() - pos_, size_t{4}});
    std::memcpy(buf, data_.data() + pos_, got);
    pos_ += got;
    return got;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
  std::function<void()> during_;
};

TEST_F(LocalArtifactStoreTest, OpenRemovesTheTemporaryFilesOfDeadWritersOnly) {
  // What a writer killed mid-upload leaves behind.
  WriteFile(root_ / ".inet/tmp/tmp-0123456789abcdef01234567", std::string(1 << 16, 'x'));
  size_t temps_while_writing = 0;
  CallbackSource body("a body written in small pieces", [&] {
    // A second store opened on the same root (a restarted server) while this Put is writing.
    auto reopened = LocalArtifactStore::Open(root_.string());
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    temps_while_writing = static_cast<size_t>(
        std::distance(fs::directory_iterator(root_ / ".inet/tmp"), fs::directory_iterator()));
  });
  ASSERT_TRUE(store_->Put("a/b.txt", body).ok());
  // The orphan is gone, the live writer's file was left alone and completed.
  EXPECT_EQ(temps_while_writing, 1u);
  EXPECT_EQ(ReadFile(root_ / "a/b.txt"), "a body written in small pieces");
  EXPECT_TRUE(fs::is_empty(root_ / ".inet/tmp"));
}

TEST_F(LocalArtifactStoreTest, SeesFilesWrittenByOtherTools) {
  WriteFile(root_ / "exp/run/artifacts/a.txt", "abc");
  auto listed = store_->List(Delimited("exp/run/artifacts/"));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->objects.size(), 1u);
  EXPECT_EQ(listed->objects[0].key, "exp/run/artifacts/a.txt");
  EXPECT_EQ(listed->objects[0].size, 3);
}

TEST_F(LocalArtifactStoreTest, SymlinkedDirectoryInsideTheRootIsNeverFollowed) {
  fs::create_directory_symlink(outside_, root_ / "link");
  EXPECT_EQ(PutString(*store_, "link/planted", "x").code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(outside_ / "planted"));
  EXPECT_EQ(store_->Get("link/secret").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Head("link/secret").status().code(), StatusCode::kNotFound);
  auto root_list = store_->List(Delimited(""));
  ASSERT_TRUE(root_list.ok());
  EXPECT_THAT(root_list->common_prefixes, IsEmpty());
  auto inside = store_->List(Recursive("link/"));
  ASSERT_TRUE(inside.ok());
  EXPECT_THAT(inside->objects, IsEmpty());
  EXPECT_TRUE(store_->Delete("link/secret").ok());
  EXPECT_TRUE(store_->DeletePrefix("link").ok());
  ASSERT_TRUE(store_->DeletePrefix("").ok());
  EXPECT_EQ(ReadFile(outside_ / "secret"), "top secret");
  auto id = store_->CreateMultipartUpload("link/big");
  ASSERT_TRUE(id.ok());
  StringByteSource part("x");
  auto etag = store_->UploadPart("link/big", *id, 1, part);
  ASSERT_TRUE(etag.ok());
  EXPECT_FALSE(store_->CompleteMultipartUpload("link/big", *id, {{1, *etag}}).ok());
  EXPECT_FALSE(fs::exists(outside_ / "big"));
}

TEST_F(LocalArtifactStoreTest, SymlinkedFileIsInvisibleAndReplacedNotFollowed) {
  fs::create_symlink(outside_ / "secret", root_ / "file");
  EXPECT_EQ(store_->Get("file").status().code(), StatusCode::kNotFound);
  auto listed = store_->List(Recursive(""));
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(listed->objects, IsEmpty());
  ASSERT_TRUE(PutString(*store_, "file", "mine").ok());
  EXPECT_EQ(ReadFile(outside_ / "secret"), "top secret");
  EXPECT_EQ(ReadFile(root_ / "file"), "mine");
  EXPECT_FALSE(fs::is_symlink(root_ / "file"));
}

TEST_F(LocalArtifactStoreTest, ScratchSpaceIsReservedAndHidden) {
  EXPECT_EQ(PutString(*store_, ".inet/tmp/x", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Get(".inet").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->DeletePrefix(".inet").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->CreateMultipartUpload("pending").ok());
  ASSERT_TRUE(PutString(*store_, "visible", "x").ok());
  auto listed = store_->List(Recursive(""));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->objects.size(), 1u);
  EXPECT_EQ(listed->objects[0].key, "visible");
  auto top = store_->List(Delimited(""));
  ASSERT_TRUE(top.ok());
  EXPECT_THAT(top->common_prefixes, IsEmpty());
  // Deleting everything keeps uploads in progress.
  ASSERT_TRUE(store_->DeletePrefix("").ok());
  EXPECT_TRUE(fs::exists(root_ / ".inet/uploads"));
  // ".inet" is reserved only at the top level.
  EXPECT_TRUE(PutString(*store_, "a/.inet", "x").ok());
}

TEST_F(LocalArtifactStoreTest, NamesLongerThanTheFileSystemAllowsAreInvalidArguments) {
  const std::string long_name(300, 'n');
  Status put = PutString(*store_, "dir/" + long_name + "/file", "x");
  EXPECT_EQ(put.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(put.message(),
            "artifact path component '" + long_name.substr(0, 32) +
                "...' is 300 bytes; the local artifact store allows at most 255 bytes per file or "
                "directory name");
  EXPECT_EQ(store_->Get(long_name).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Head("a/" + long_name).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Delete(long_name).code(), StatusCode::kInvalidArgument);
  // 255 bytes is a legal name.
  EXPECT_TRUE(PutString(*store_, std::string(255, 'm'), "x").ok());
}

class BrokenSource : public ByteSource {
 public:
  StatusOr<size_t> Read(char*, size_t) override { return DataLossError("truncated body"); }
};

TEST_F(LocalArtifactStoreTest, FailedWritesLeaveNoTemporaryFiles) {
  BrokenSource broken;
  Status status = store_->Put("a/b", broken);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_TRUE(fs::is_empty(root_ / ".inet/tmp"));
  auto id = store_->CreateMultipartUpload("m");
  ASSERT_TRUE(id.ok());
  BrokenSource broken_part;
  EXPECT_FALSE(store_->UploadPart("m", *id, 1, broken_part).ok());
  // Only the upload's key record remains.
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ / ".inet/uploads" / *id),
                          fs::directory_iterator()),
            1);
  ASSERT_TRUE(store_->AbortMultipartUpload("m", *id).ok());
  EXPECT_TRUE(fs::is_empty(root_ / ".inet/uploads"));
}

TEST_F(LocalArtifactStoreTest, OpenValidatesTheRoot) {
  EXPECT_EQ(LocalArtifactStore::Open("relative/dir").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LocalArtifactStore::Open((outside_ / "secret").string()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LocalArtifactStore::Open((tmp_.path() / "missing").string(), {.create_root = false})
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(tmp_.path() / "missing"));
  auto nested = LocalArtifactStore::Open((tmp_.path() / "x/y/z/").string());
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ((*nested)->root(), (tmp_.path() / "x/y/z").string());
  EXPECT_TRUE(fs::is_directory(tmp_.path() / "x/y/z"));
}

}  // namespace
}  // namespace inet::artifacts
