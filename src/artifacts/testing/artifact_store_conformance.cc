#include "artifacts/testing/artifact_store_conformance.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace inet::artifacts {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Deterministic pseudo-random bytes (xorshift64), generated on the fly so a large object never
// sits in the test's memory; the same generator verifies what comes back.
class PatternSource : public ByteSource {
 public:
  explicit PatternSource(int64_t size, uint64_t seed = 0x9e3779b97f4a7c15ULL)
      : remaining_(size), state_(seed) {}
  StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t count = static_cast<size_t>(std::min<int64_t>(remaining_, static_cast<int64_t>(n)));
    Fill(buf, count);
    remaining_ -= static_cast<int64_t>(count);
    return count;
  }
  // The next `count` bytes of the pattern, eight at a time (fast enough under sanitizers).
  void Fill(char* buf, size_t count) {
    size_t i = 0;
    while (i < count) {
      if (avail_ == 0) {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        avail_ = sizeof state_;
      }
      size_t take = std::min(avail_, count - i);
      std::memcpy(buf + i, reinterpret_cast<const char*>(&state_) + (sizeof state_ - avail_), take);
      i += take;
      avail_ -= take;
    }
  }

 private:
  int64_t remaining_;
  uint64_t state_;
  size_t avail_ = 0;
};

// A source that fails after producing some bytes, like a client disconnecting mid-upload.
class FailingSource : public ByteSource {
 public:
  StatusOr<size_t> Read(char* buf, size_t n) override {
    if (sent_) return UnavailableError("connection reset");
    sent_ = true;
    size_t count = std::min<size_t>(n, 5);
    std::memcpy(buf, "hello", count);
    return count;
  }

 private:
  bool sent_ = false;
};

ListOptions Delimited(std::string prefix) { return ListOptions{std::move(prefix), true, "", 1000}; }
ListOptions Recursive(std::string prefix) {
  return ListOptions{std::move(prefix), false, "", 1000};
}

Status PutString(ArtifactStore& store, std::string_view key, std::string data) {
  StringByteSource source(std::move(data));
  return store.Put(key, source);
}

StatusOr<std::string> GetString(ArtifactStore& store, std::string_view key, int64_t offset = 0,
                                int64_t length = -1) {
  ASSIGN_OR_RETURN(auto source, store.Get(key, offset, length));
  return ReadAll(*source, 1 << 30);
}

std::vector<std::string> Keys(const ListResult& result) {
  std::vector<std::string> keys;
  for (const ObjectInfo& o : result.objects) keys.push_back(o.key);
  return keys;
}

StatusCode CodeOf(const Status& s) { return s.code(); }
template <typename T>
StatusCode CodeOf(const StatusOr<T>& s) {
  return s.status().code();
}

}  // namespace

// Binaries that link this library only for the in-memory fake do not instantiate the suite.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ArtifactStoreConformanceTest);

void ArtifactStoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  ASSERT_NE(store_, nullptr);
}

TEST_P(ArtifactStoreConformanceTest, PutThenGetReturnsTheBytes) {
  ASSERT_TRUE(PutString(store(), "dir/sub/file.txt", "hello world").ok());
  auto got = GetString(store(), "dir/sub/file.txt");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "hello world");
}

TEST_P(ArtifactStoreConformanceTest, EmptyObjectRoundTrips) {
  ASSERT_TRUE(PutString(store(), "empty", "").ok());
  auto info = store().Head("empty");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 0);
  EXPECT_EQ(*GetString(store(), "empty"), "");
}

TEST_P(ArtifactStoreConformanceTest, MissingObjectIsNotFound) {
  EXPECT_EQ(CodeOf(store().Get("nope")), StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().Head("nope")), StatusCode::kNotFound);
  ASSERT_TRUE(PutString(store(), "dir/file", "x").ok());
  // A "directory" is not an object.
  EXPECT_EQ(CodeOf(store().Get("dir")), StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().Head("dir")), StatusCode::kNotFound);
}

TEST_P(ArtifactStoreConformanceTest, RangeReads) {
  ASSERT_TRUE(PutString(store(), "r", "0123456789").ok());
  EXPECT_EQ(*GetString(store(), "r", 2, 3), "234");
  EXPECT_EQ(*GetString(store(), "r", 7), "789");
  EXPECT_EQ(*GetString(store(), "r", 8, 100), "89");
  EXPECT_EQ(*GetString(store(), "r", 10), "");
  EXPECT_EQ(CodeOf(store().Get("r", 11)), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store().Get("r", -1)), StatusCode::kInvalidArgument);
}

TEST_P(ArtifactStoreConformanceTest, HeadReportsSizeAndEtag) {
  ASSERT_TRUE(PutString(store(), "a/b.bin", "12345").ok());
  auto info = store().Head("a/b.bin");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->key, "a/b.bin");
  EXPECT_EQ(info->size, 5);
  EXPECT_FALSE(info->etag.empty());
  // Stable while unchanged.
  EXPECT_EQ(store().Head("a/b.bin")->etag, info->etag);
}

TEST_P(ArtifactStoreConformanceTest, OverwriteReplacesContentAndEtag) {
  ASSERT_TRUE(PutString(store(), "k", "first version").ok());
  std::string etag = store().Head("k")->etag;
  ASSERT_TRUE(PutString(store(), "k", "second").ok());
  EXPECT_EQ(*GetString(store(), "k"), "second");
  EXPECT_EQ(store().Head("k")->size, 6);
  EXPECT_NE(store().Head("k")->etag, etag);
}

TEST_P(ArtifactStoreConformanceTest, FailedPutLeavesNoObjectAndKeepsTheOldOne) {
  FailingSource failing;
  EXPECT_FALSE(store().Put("new", failing).ok());
  EXPECT_EQ(CodeOf(store().Head("new")), StatusCode::kNotFound);
  auto listed = store().List(Recursive(""));
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(Keys(*listed), IsEmpty());

  ASSERT_TRUE(PutString(store(), "old", "kept").ok());
  FailingSource failing2;
  EXPECT_FALSE(store().Put("old", failing2).ok());
  EXPECT_EQ(*GetString(store(), "old"), "kept");
}

TEST_P(ArtifactStoreConformanceTest, ObjectAndDirectoryCannotShareAName) {
  ASSERT_TRUE(PutString(store(), "a/b", "x").ok());
  EXPECT_FALSE(PutString(store(), "a", "y").ok());
  ASSERT_TRUE(PutString(store(), "f", "x").ok());
  EXPECT_FALSE(PutString(store(), "f/g", "y").ok());
  EXPECT_EQ(*GetString(store(), "a/b"), "x");
  EXPECT_EQ(*GetString(store(), "f"), "x");
}

TEST_P(ArtifactStoreConformanceTest, DelimitedListShowsOneLevel) {
  for (const char* key : {"run/artifacts/model/MLmodel", "run/artifacts/model/data/w.bin",
                          "run/artifacts/metrics.json", "run/artifacts/a.txt", "run/other.txt"}) {
    ASSERT_TRUE(PutString(store(), key, "x").ok()) << key;
  }
  auto root = store().List(Delimited(""));
  ASSERT_TRUE(root.ok());
  EXPECT_THAT(Keys(*root), IsEmpty());
  EXPECT_THAT(root->common_prefixes, ElementsAre("run/"));

  auto level = store().List(Delimited("run/artifacts/"));
  ASSERT_TRUE(level.ok()) << level.status().ToString();
  EXPECT_THAT(Keys(*level), ElementsAre("run/artifacts/a.txt", "run/artifacts/metrics.json"));
  EXPECT_THAT(level->common_prefixes, ElementsAre("run/artifacts/model/"));
  EXPECT_EQ(level->objects[0].size, 1);
  EXPECT_TRUE(level->next_page_token.empty());

  // A prefix that ends mid-name filters names at that level.
  auto partial = store().List(Delimited("run/artifacts/m"));
  ASSERT_TRUE(partial.ok());
  EXPECT_THAT(Keys(*partial), ElementsAre("run/artifacts/metrics.json"));
  EXPECT_THAT(partial->common_prefixes, ElementsAre("run/artifacts/model/"));
}

TEST_P(ArtifactStoreConformanceTest, RecursiveListIsSortedAndComplete) {
  for (const char* key : {"p/z", "p/a/b/c", "p/a.txt", "p/a/x", "q/1"}) {
    ASSERT_TRUE(PutString(store(), key, "x").ok());
  }
  auto all = store().List(Recursive("p/"));
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(Keys(*all), ElementsAre("p/a.txt", "p/a/b/c", "p/a/x", "p/z"));
  EXPECT_THAT(all->common_prefixes, IsEmpty());
  auto everything = store().List(Recursive(""));
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->objects.size(), 5u);
}

TEST_P(ArtifactStoreConformanceTest, ListOfMissingPrefixIsEmpty) {
  auto listed = store().List(Delimited("nothing/here/"));
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(Keys(*listed), IsEmpty());
  EXPECT_THAT(listed->common_prefixes, IsEmpty());
}

TEST_P(ArtifactStoreConformanceTest, ListPagesThroughEverything) {
  std::vector<std::string> expected;
  for (int i = 0; i < 23; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "pg/f%02d", i);
    expected.push_back(key);
    ASSERT_TRUE(PutString(store(), key, "x").ok());
  }
  for (int i = 0; i < 3; ++i) {
    std::string dir = "pg/d" + std::to_string(i) + "/";
    ASSERT_TRUE(PutString(store(), dir + "inner", "x").ok());
  }
  std::vector<std::string> keys, prefixes;
  std::string token;
  int pages = 0;
  do {
    auto page = store().List(ListOptions{"pg/", true, token, 10});
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->objects.size() + page->common_prefixes.size(), 10u);
    for (auto& k : Keys(*page)) keys.push_back(k);
    for (auto& p : page->common_prefixes) prefixes.push_back(p);
    token = page->next_page_token;
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(keys, expected);
  EXPECT_THAT(prefixes, ElementsAre("pg/d0/", "pg/d1/", "pg/d2/"));
}

TEST_P(ArtifactStoreConformanceTest, InvalidListArgumentsAreRejected) {
  EXPECT_EQ(CodeOf(store().List(ListOptions{"", true, "", 0})), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store().List(ListOptions{"", true, "not a token!", 1000})),
            StatusCode::kInvalidArgument);
}

TEST_P(ArtifactStoreConformanceTest, DeleteRemovesTheObjectAndEmptyDirectories) {
  ASSERT_TRUE(PutString(store(), "x/y/z.txt", "1").ok());
  ASSERT_TRUE(PutString(store(), "keep.txt", "2").ok());
  ASSERT_TRUE(store().Delete("x/y/z.txt").ok());
  EXPECT_EQ(CodeOf(store().Head("x/y/z.txt")), StatusCode::kNotFound);
  auto root = store().List(Delimited(""));
  ASSERT_TRUE(root.ok());
  EXPECT_THAT(Keys(*root), ElementsAre("keep.txt"));
  EXPECT_THAT(root->common_prefixes, IsEmpty());
  // Absent keys are fine (S3 semantics).
  EXPECT_TRUE(store().Delete("x/y/z.txt").ok());
  EXPECT_TRUE(store().Delete("never/existed").ok());
}

TEST_P(ArtifactStoreConformanceTest, DeletePrefixRemovesOnlyThatDirectory) {
  for (const char* key : {"exp/run1/a", "exp/run1/b/c", "exp/run10/a", "exp/run1.txt"}) {
    ASSERT_TRUE(PutString(store(), key, "x").ok());
  }
  ASSERT_TRUE(store().DeletePrefix("exp/run1").ok());
  auto all = store().List(Recursive(""));
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(Keys(*all), ElementsAre("exp/run1.txt", "exp/run10/a"));
  EXPECT_TRUE(store().DeletePrefix("exp/missing").ok());
  ASSERT_TRUE(store().DeletePrefix("").ok());
  all = store().List(Recursive(""));
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(Keys(*all), IsEmpty());
}

TEST_P(ArtifactStoreConformanceTest, MultipartUploadJoinsPartsInOrder) {
  auto id = store().CreateMultipartUpload("big/model.bin");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  StringByteSource p2("world"), p1("hello "), p3("!");
  // Parts may arrive in any order.
  auto e2 = store().UploadPart("big/model.bin", *id, 2, p2);
  auto e1 = store().UploadPart("big/model.bin", *id, 1, p1);
  auto e3 = store().UploadPart("big/model.bin", *id, 3, p3);
  ASSERT_TRUE(e1.ok() && e2.ok() && e3.ok());
  // Not visible before completion.
  EXPECT_EQ(CodeOf(store().Head("big/model.bin")), StatusCode::kNotFound);
  ASSERT_TRUE(store()
                  .CompleteMultipartUpload("big/model.bin", *id,
                                           {{1, *e1}, {2, "\"" + *e2 + "\""}, {3, *e3}})
                  .ok());
  EXPECT_EQ(*GetString(store(), "big/model.bin"), "hello world!");
  // The upload is gone once completed.
  StringByteSource again("x");
  EXPECT_EQ(CodeOf(store().UploadPart("big/model.bin", *id, 1, again)), StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().CompleteMultipartUpload("big/model.bin", *id, {{1, *e1}})),
            StatusCode::kNotFound);
}

TEST_P(ArtifactStoreConformanceTest, MultipartReuploadedPartReplacesTheOldOne) {
  auto id = store().CreateMultipartUpload("m");
  ASSERT_TRUE(id.ok());
  StringByteSource first("aaaa"), second("bb");
  auto old_etag = store().UploadPart("m", *id, 1, first);
  auto new_etag = store().UploadPart("m", *id, 1, second);
  ASSERT_TRUE(old_etag.ok() && new_etag.ok());
  EXPECT_NE(*old_etag, *new_etag);
  EXPECT_EQ(CodeOf(store().CompleteMultipartUpload("m", *id, {{1, *old_etag}})),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(store().CompleteMultipartUpload("m", *id, {{1, *new_etag}}).ok());
  EXPECT_EQ(*GetString(store(), "m"), "bb");
}

TEST_P(ArtifactStoreConformanceTest, MultipartRejectsBadCompletions) {
  auto id = store().CreateMultipartUpload("m");
  ASSERT_TRUE(id.ok());
  StringByteSource p1("a"), p2("b");
  auto e1 = store().UploadPart("m", *id, 1, p1);
  auto e2 = store().UploadPart("m", *id, 2, p2);
  ASSERT_TRUE(e1.ok() && e2.ok());
  EXPECT_EQ(CodeOf(store().CompleteMultipartUpload("m", *id, {})), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store().CompleteMultipartUpload("m", *id, {{2, *e2}, {1, *e1}})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store().CompleteMultipartUpload("m", *id, {{1, *e1}, {3, "x"}})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store().CompleteMultipartUpload("m", *id, {{1, "wrong"}})),
            StatusCode::kInvalidArgument);
  // The upload id is bound to its key.
  EXPECT_EQ(CodeOf(store().CompleteMultipartUpload("other", *id, {{1, *e1}})),
            StatusCode::kNotFound);
  StringByteSource p0("z");
  EXPECT_EQ(CodeOf(store().UploadPart("m", *id, 0, p0)), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store().UploadPart("m", "0123456789abcdef0123456789abcdef", 1, p0)),
            StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().UploadPart("m", "../../etc", 1, p0)), StatusCode::kNotFound);
  // Still completable after the failures.
  ASSERT_TRUE(store().CompleteMultipartUpload("m", *id, {{1, *e1}, {2, *e2}}).ok());
  EXPECT_EQ(*GetString(store(), "m"), "ab");
}

TEST_P(ArtifactStoreConformanceTest, MultipartAbortDiscardsTheUpload) {
  auto id = store().CreateMultipartUpload("aborted");
  ASSERT_TRUE(id.ok());
  StringByteSource p1("data");
  auto e1 = store().UploadPart("aborted", *id, 1, p1);
  ASSERT_TRUE(e1.ok());
  ASSERT_TRUE(store().AbortMultipartUpload("aborted", *id).ok());
  EXPECT_EQ(CodeOf(store().CompleteMultipartUpload("aborted", *id, {{1, *e1}})),
            StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().AbortMultipartUpload("aborted", *id)), StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().Head("aborted")), StatusCode::kNotFound);
  auto all = store().List(Recursive(""));
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(Keys(*all), IsEmpty());
}

TEST_P(ArtifactStoreConformanceTest, TraversalAndMalformedKeysAreRejected) {
  ASSERT_TRUE(PutString(store(), "inside/file", "x").ok());
  const std::string bad_keys[] = {
      "../x", "/etc/passwd", "a/../../b",           "a/./b", "a//b", "..", ".", "a\\b",
      "",     "x/..",        std::string("a\0b", 3)};
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE("key: '" + key + "'");
    StringByteSource body("x");
    EXPECT_EQ(CodeOf(store().Put(key, body)), StatusCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(store().Get(key)), StatusCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(store().Head(key)), StatusCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(store().Delete(key)), StatusCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(store().CreateMultipartUpload(key)), StatusCode::kInvalidArgument);
    if (!key.empty()) {
      EXPECT_EQ(CodeOf(store().DeletePrefix(key)), StatusCode::kInvalidArgument);
      EXPECT_EQ(CodeOf(store().List(Delimited(key))), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_EQ(*GetString(store(), "inside/file"), "x");
}

TEST_P(ArtifactStoreConformanceTest, LargeObjectStreamsThrough) {
  const int64_t size = GetParam().large_object_bytes;
  PatternSource upload(size);
  ASSERT_TRUE(store().Put("large/blob.bin", upload, size).ok());
  auto info = store().Head("large/blob.bin");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, size);

  auto download = store().Get("large/blob.bin");
  ASSERT_TRUE(download.ok());
  PatternSource expected(size);
  std::vector<char> buf(1 << 20), want(1 << 20);
  int64_t total = 0;
  int64_t first_mismatch = -1;
  for (;;) {
    auto n = (*download)->Read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    expected.Fill(want.data(), *n);
    if (first_mismatch < 0 && std::memcmp(buf.data(), want.data(), *n) != 0) {
      first_mismatch = total;
    }
    total += static_cast<int64_t>(*n);
  }
  EXPECT_EQ(total, size);
  EXPECT_EQ(first_mismatch, -1);

  // A range from the middle matches the same stream.
  auto tail = GetString(store(), "large/blob.bin", size - 3, 3);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 3u);
}

TEST_P(ArtifactStoreConformanceTest, ConcurrentWritersNeverExposePartialObjects) {
  constexpr int kWriters = 4;
  constexpr size_t kSize = 256 * 1024;
  ASSERT_TRUE(PutString(store(), "shared", std::string(kSize, 'a')).ok());
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([this, w] {
      for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(
            PutString(store(), "shared", std::string(kSize, static_cast<char>('b' + w))).ok());
        EXPECT_TRUE(
            PutString(store(), "own/" + std::to_string(w) + "/" + std::to_string(i), "v").ok());
      }
    });
  }
  for (int r = 0; r < 20; ++r) {
    auto got = GetString(store(), "shared");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), kSize);
    EXPECT_EQ(std::count(got->begin(), got->end(), (*got)[0]), static_cast<long>(kSize));
  }
  for (auto& t : threads) t.join();
  auto own = store().List(Recursive("own/"));
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->objects.size(), static_cast<size_t>(kWriters * 5));
}

}  // namespace inet::artifacts
