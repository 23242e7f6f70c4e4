#include "common/status.h"

#include <gtest/gtest.h>

#include "common/ids.h"
#include "common/io.h"

namespace inet {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  StatusOr<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "odd: 3");
}

TEST(StatusTest, WithContextKeepsCode) {
  Status s = NotFoundError("Run with id=x not found").WithContext("logging metric");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "logging metric: Run with id=x not found");
  EXPECT_TRUE(OkStatus().WithContext("ignored").ok());
}

TEST(IdsTest, RunIdsAreLowercaseHexAndUnique) {
  std::string a = NewRunId(), b = NewRunId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(NewLoggedModelId().rfind("m-", 0), 0u);
}

TEST(IdsTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(IdsTest, HexRoundTripsAndRejectsGarbage) {
  EXPECT_EQ(HexEncode(std::string("a/\x00\xff", 4)), "612f00ff");
  EXPECT_EQ(*HexDecode("612f00ff"), std::string("a/\x00\xff", 4));
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
  EXPECT_FALSE(HexDecode("AB").has_value());
}

TEST(IoTest, ReadAllEnforcesLimit) {
  StringByteSource small("hello");
  EXPECT_EQ(*ReadAll(small, 10), "hello");
  StringByteSource big(std::string(100, 'x'));
  EXPECT_EQ(ReadAll(big, 10).status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace inet
