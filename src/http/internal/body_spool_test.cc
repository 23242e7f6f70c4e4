#include "http/internal/body_spool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace inet::http::internal {
namespace {

namespace fs = std::filesystem;

class BodySpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inet-spool-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(BodySpoolTest, ReadsBackWhatWasAppendedAndLeavesNoFile) {
  StatusOr<std::unique_ptr<BodySpool>> spool = BodySpool::Create(dir_.string());
  ASSERT_TRUE(spool.ok()) << spool.status().ToString();
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    std::string part(1000 + i, static_cast<char>('a' + i % 26));
    ASSERT_TRUE((*spool)->Append(part).ok());
    expected += part;
  }
  EXPECT_EQ((*spool)->size(), expected.size());
  // The file is unlinked: the directory stays empty while the spool holds the bytes.
  EXPECT_TRUE(fs::is_empty(dir_));
  std::unique_ptr<ByteSource> reader = (*spool)->Reader();
  StatusOr<std::string> all = ReadAll(*reader, expected.size() + 1);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(*all == expected);
}

TEST_F(BodySpoolTest, UncreatableDirectoryIsUnavailable) {
  StatusOr<std::unique_ptr<BodySpool>> spool = BodySpool::Create("/proc/no-such-dir/spool");
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace inet::http::internal
