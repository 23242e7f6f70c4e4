#include "server/attempt_token_issuer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "auth/token_scope.h"
#include "common/ids.h"
#include "store/sqlite/sqlite_metadata_store.h"
#include "store/testing/temp_sqlite_store.h"

namespace inet::server {
namespace {

class StoreAttemptTokenIssuerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::testing::TempSqliteStore::Open(&clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    store_ = &db_->store();
  }

  static TokenScope Scope(const std::string& job_id) {
    TokenScope scope;
    scope.kind = TokenScope::Kind::kAttempt;
    scope.job_id = job_id;
    scope.attempt = 1;
    return scope;
  }

  FakeClock clock_;
  std::unique_ptr<store::testing::TempSqliteStore> db_;
  store::MetadataStore* store_ = nullptr;  // db_'s
};

TEST_F(StoreAttemptTokenIssuerTest, IssuesScopedUserTokensStoredAsHashes) {
  StoreAttemptTokenIssuer issuer(store_->tokens(), clock_);
  StatusOr<jobs::AttemptToken> issued = issuer.Issue("alice", "default", Scope("train-abc123"));
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  StatusOr<store::Token> stored = store_->tokens().GetTokenByHash(Sha256Hex(issued->token));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->token_id, issued->token_id);
  EXPECT_EQ(stored->user, "alice");
  EXPECT_FALSE(stored->is_admin);
  StatusOr<TokenScope> scope = auth::DecodeTokenScope(stored->scope);
  ASSERT_TRUE(scope.ok());
  EXPECT_EQ(scope->job_id, "train-abc123");

  ASSERT_TRUE(issuer.Revoke(issued->token_id).ok());
  EXPECT_EQ(store_->tokens().GetTokenByHash(Sha256Hex(issued->token)).status().code(),
            StatusCode::kNotFound);
}

TEST_F(StoreAttemptTokenIssuerTest, RevokesEveryAttemptTokenButTheLiveOnes) {
  StoreAttemptTokenIssuer issuer(store_->tokens(), clock_);
  StatusOr<jobs::AttemptToken> live = issuer.Issue("alice", "default", Scope("a-000001"));
  StatusOr<jobs::AttemptToken> ended = issuer.Issue("alice", "default", Scope("b-000002"));
  ASSERT_TRUE(live.ok() && ended.ok());
  StatusOr<int> revoked = issuer.RevokeAllExcept({live->token_id});
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, 1);
  EXPECT_TRUE(store_->tokens().GetTokenByHash(Sha256Hex(live->token)).ok());
  EXPECT_EQ(store_->tokens().GetTokenByHash(Sha256Hex(ended->token)).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace inet::server
