#include <gtest/gtest.h>

#include "artifacts/artifact_store.h"

namespace inet::artifacts {
namespace {

TEST(ValidateKeyTest, AcceptsAndNormalisesRelativeKeys) {
  EXPECT_EQ(*ValidateKey("a/b/c.txt"), "a/b/c.txt");
  EXPECT_EQ(*ValidateKey("dir/"), "dir");
  EXPECT_EQ(*ValidateKey("..hidden/x..y/.z"), "..hidden/x..y/.z");
  EXPECT_EQ(*ValidateKey("%2e%2e"), "%2e%2e");  // literal name; the HTTP layer decodes first
  EXPECT_EQ(*ValidateKey("", /*allow_empty=*/true), "");
  EXPECT_EQ(*ValidateKey("/", /*allow_empty=*/true), "");
}

TEST(ValidateKeyTest, RejectsKeysThatCouldEscapeOrAlias) {
  for (std::string key : {"", "/abs", "/etc/passwd", "..", "../x", "a/../../b", "a/..", ".", "./a",
                          "a/./b", "a//b", "a\\b", "..\\x", "a///"}) {
    auto result = ValidateKey(key);
    EXPECT_FALSE(result.ok()) << key;
    if (!result.ok()) {
      EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << key;
    }
  }
  EXPECT_FALSE(ValidateKey(std::string("a\0b", 3)).ok());
}

}  // namespace
}  // namespace inet::artifacts
