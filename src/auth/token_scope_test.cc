#include "auth/token_scope.h"

#include <gtest/gtest.h>

namespace inet::auth {
namespace {

TEST(TokenScopeTest, UserScopeIsStoredAsEmpty) {
  EXPECT_EQ(EncodeTokenScope(TokenScope{}), "");
  auto decoded = DecodeTokenScope("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->kind, TokenScope::Kind::kUser);
}

TEST(TokenScopeTest, AttemptScopeRoundTrips) {
  TokenScope scope;
  scope.kind = TokenScope::Kind::kAttempt;
  scope.job_id = "j-1";
  scope.attempt = 2;
  scope.run_id = "r1";
  scope.experiment_id = "7";
  scope.artifact_prefixes = {"7/r1/artifacts"};
  scope.models_prefix = "7/models";
  auto decoded = DecodeTokenScope(EncodeTokenScope(scope));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->kind, TokenScope::Kind::kAttempt);
  EXPECT_EQ(decoded->job_id, "j-1");
  EXPECT_EQ(decoded->attempt, 2);
  EXPECT_EQ(decoded->run_id, "r1");
  EXPECT_EQ(decoded->experiment_id, "7");
  EXPECT_EQ(decoded->artifact_prefixes, scope.artifact_prefixes);
  EXPECT_EQ(decoded->models_prefix, "7/models");
}

TEST(TokenScopeTest, UnknownOrDamagedScopesAreErrors) {
  for (std::string_view bad : {"{", "[]", R"({"kind":"team"})", R"({"kind":"attempt"})",
                               R"({"kind":"attempt","job_id":"j","artifact_prefixes":[1]})"}) {
    EXPECT_EQ(DecodeTokenScope(bad).status().code(), StatusCode::kInternal) << bad;
  }
}

}  // namespace
}  // namespace inet::auth
