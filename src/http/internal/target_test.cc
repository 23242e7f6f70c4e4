#include "http/internal/target.h"

#include <gtest/gtest.h>

namespace inet::http::internal {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

TEST(ParseTargetTest, PathAndQuery) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("/a%20b//c///d?x=1&y=a+b%2Bc&x=2&flag&&=v", path, query).ok());
  EXPECT_EQ(path, "/a b/c/d");
  EXPECT_EQ(query, (Query{{"x", "1"}, {"y", "a b+c"}, {"x", "2"}, {"flag", ""}, {"", "v"}}));
}

TEST(ParseTargetTest, PlusStaysInPath) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("/a+b", path, query).ok());
  EXPECT_EQ(path, "/a+b");
  EXPECT_TRUE(query.empty());
}

TEST(ParseTargetTest, EncodedTraversalIsDecodedNotResolved) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("/files/..%2F..%2Fetc%2Fpasswd", path, query).ok());
  EXPECT_EQ(path, "/files/../../etc/passwd");
}

TEST(ParseTargetTest, EncodedSlashIsNotCollapsed) {
  std::string path;
  Query query;
  // An absolute path smuggled as %2F must reach the handler as absolute, so it can reject it.
  ASSERT_TRUE(ParseTarget("/artifacts/%2Ftmp%2Fx", path, query).ok());
  EXPECT_EQ(path, "/artifacts//tmp/x");
  ASSERT_TRUE(ParseTarget("//artifacts//%2F", path, query).ok());
  EXPECT_EQ(path, "/artifacts//");
}

TEST(ParseTargetTest, Rejects) {
  std::string path;
  Query query;
  EXPECT_EQ(ParseTarget("/a%00b", path, query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a%zz", path, query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a%4", path, query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a?x=%", path, query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("a", path, query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("", path, query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("*", path, query).code(), StatusCode::kInvalidArgument);
}

TEST(ParseTargetTest, AbsoluteForm) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("http://host:80/x/y?a=1", path, query).ok());
  EXPECT_EQ(path, "/x/y");
  EXPECT_EQ(query, (Query{{"a", "1"}}));
  ASSERT_TRUE(ParseTarget("http://host", path, query).ok());
  EXPECT_EQ(path, "/");
}

TEST(ParseTargetTest, FragmentDropped) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("/x#frag", path, query).ok());
  EXPECT_EQ(path, "/x");
}

}  // namespace
}  // namespace inet::http::internal
