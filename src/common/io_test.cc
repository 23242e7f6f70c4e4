#include "common/io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace inet {
namespace {

class OpenFileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/inet-io-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/log";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void Append(const std::string& text) {
    std::ofstream(path_, std::ios::app | std::ios::binary) << text;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(OpenFileSourceTest, ReadsFromTheOffsetToTheEnd) {
  Append("hello, world");
  StatusOr<std::unique_ptr<ByteSource>> source = OpenFileSource(path_, 7);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  StatusOr<std::string> text = ReadAll(**source, 1024);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "world");
}

TEST_F(OpenFileSourceTest, SeesBytesAppendedAfterOpening) {
  Append("first ");
  StatusOr<std::unique_ptr<ByteSource>> source = OpenFileSource(path_);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(*ReadAll(**source, 1024), "first ");
  Append("second");
  EXPECT_EQ(*ReadAll(**source, 1024), "second");
}

TEST_F(OpenFileSourceTest, MissingFileIsNotFound) {
  StatusOr<std::unique_ptr<ByteSource>> source = OpenFileSource(dir_ + "/absent");
  EXPECT_EQ(source.status().code(), StatusCode::kNotFound);
}

TEST_F(OpenFileSourceTest, ReadErrorIsDataLoss) {
  // Linux opens a directory read-only, then read() fails with EISDIR.
  StatusOr<std::unique_ptr<ByteSource>> source = OpenFileSource(dir_);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  char buf[16];
  EXPECT_EQ((*source)->Read(buf, sizeof buf).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace inet
