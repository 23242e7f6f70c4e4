#include "store/testing/token_store_conformance.h"

#include <vector>

#include "common/ids.h"
#include "store/testing/conformance_helpers.h"

namespace inet::store::testing {

// --- Tokens ---------------------------------------------------------------------------------

TEST_P(TokenStoreConformanceTest, Tokens) {
  Token t;
  t.token_id = "tok1";
  t.token_hash = Sha256Hex("secret");
  t.user = "alice";
  t.is_admin = true;
  t.created_at = 10;
  ASSERT_OK(store().CreateToken(t));
  EXPECT_EQ(store().CreateToken(t).code(), StatusCode::kAlreadyExists);
  Token got = ValueOrDie(store().GetTokenByHash(t.token_hash));
  EXPECT_EQ(got.token_id, "tok1");
  EXPECT_EQ(got.user, "alice");
  EXPECT_TRUE(got.is_admin);
  EXPECT_EQ(got.created_at, 10);
  EXPECT_FALSE(got.revoked_at.has_value());
  EXPECT_EQ(store().GetTokenByHash("nope").status().code(), StatusCode::kNotFound);
  ASSERT_EQ(ValueOrDie(store().ListTokens()).size(), 1u);
  ASSERT_OK(store().RevokeToken("tok1"));
  EXPECT_EQ(store().GetTokenByHash(t.token_hash).status().code(), StatusCode::kNotFound);
  std::vector<Token> listed = ValueOrDie(store().ListTokens());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].revoked_at.has_value());
  EXPECT_EQ(store().RevokeToken("unknown").code(), StatusCode::kNotFound);
  EXPECT_EQ(listed[0].scope, "");
}

TEST_P(TokenStoreConformanceTest, TeamAndExpiryRoundTrip) {
  Token t;
  t.token_id = "tok-team";
  t.token_hash = Sha256Hex("team-secret");
  t.user = "alice";
  t.team = "nlp-team";
  t.expires_at = 1'800'000'000'000;
  ASSERT_OK(store().CreateToken(t));
  Token got = ValueOrDie(store().GetTokenByHash(t.token_hash));
  EXPECT_EQ(got.team, "nlp-team");
  EXPECT_EQ(got.expires_at, 1'800'000'000'000);
  t.token_id = "tok-plain";
  t.token_hash = Sha256Hex("plain-secret");
  t.team.clear();
  t.expires_at.reset();
  ASSERT_OK(store().CreateToken(t));
  got = ValueOrDie(store().GetTokenByHash(t.token_hash));
  EXPECT_EQ(got.team, "");
  EXPECT_FALSE(got.expires_at.has_value());
}

TEST_P(TokenStoreConformanceTest, TokenScopeRoundTrips) {
  Token t;
  t.token_id = "tok-scoped";
  t.token_hash = Sha256Hex("scoped");
  t.user = "bob";
  t.scope = R"({"kind":"attempt","job_id":"j-1"})";
  ASSERT_OK(store().CreateToken(t));
  EXPECT_EQ(ValueOrDie(store().GetTokenByHash(t.token_hash)).scope, t.scope);
  std::vector<Token> listed = ValueOrDie(store().ListTokens());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].scope, t.scope);
}

}  // namespace inet::store::testing
