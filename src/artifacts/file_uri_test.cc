#include "artifacts/file_uri.h"

#include <gtest/gtest.h>

namespace inet::artifacts {
namespace {

TEST(FileUriPathTest, Forms) {
  EXPECT_EQ(*FileUriPath("file:///srv/a"), "/srv/a");
  EXPECT_EQ(*FileUriPath("file://localhost/srv/a"), "/srv/a");
  EXPECT_EQ(*FileUriPath("file:/srv/a"), "/srv/a");
  EXPECT_EQ(*FileUriPath("FILE:///srv/a%20b?x#y"), "/srv/a b");
  EXPECT_EQ(*FileUriPath("/bare/path"), "/bare/path");
  EXPECT_EQ(*FileUriPath("rel/dir"), "rel/dir");
  EXPECT_EQ(FileUriPath("file://other/x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FileUriPath("file:///a%2").status().code(), StatusCode::kInvalidArgument);
}

TEST(FileUriForTest, RoundTripsAwkwardNames) {
  for (const char* dir : {"/srv/a", "/a%20b", "/what?", "/x#1", "/sp ace"}) {
    EXPECT_EQ(*FileUriPath(FileUriFor(dir)), dir) << dir;
  }
  EXPECT_EQ(FileUriFor("/a%b"), "file:///a%25b");
}

}  // namespace
}  // namespace inet::artifacts
