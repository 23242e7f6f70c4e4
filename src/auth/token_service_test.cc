#include "auth/token_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/ids.h"
#include "store/sqlite/sqlite_metadata_store.h"

namespace inet::auth {
namespace {

using ::testing::HasSubstr;

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteMetadataStore("sqlite://", "file:///a");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->identity().CreateUser({"alice", false, 0}).ok());
    ASSERT_TRUE(store_->identity().CreateUser({"bob", false, 0}).ok());
    ASSERT_TRUE(store_->identity().CreateUser({"admin", true, 0}).ok());
    ASSERT_TRUE(store_->identity().CreateTeam({"nlp-team", 0}).ok());
    ASSERT_TRUE(
        store_->identity().PutMembership({"nlp-team", "alice", store::TeamRole::kMember, 0}).ok());
    service_ = std::make_unique<TokenService>(store_->tokens(), store_->identity(), clock_);
  }

  Identity Authenticated(const std::string& token) {
    TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
    http::Request r;
    r.headers.emplace_back("authorization", "Bearer " + token);
    StatusOr<Identity> who = authenticator.Authenticate(r);
    EXPECT_TRUE(who.ok()) << who.status().ToString();
    return who.ok() ? *who : Identity{};
  }

  FakeClock clock_;
  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<TokenService> service_;
  Identity alice_{"alice", "tok-a", false};
  Identity bob_{"bob", "tok-b", false};
  Identity admin_{"admin", "tok-admin", true};
};

TEST_F(TokenServiceTest, ACreatedTokenIsShownOnceAndStoredAsItsHash) {
  StatusOr<CreatedToken> created = service_->Create(alice_, {"", "nlp-team", 30});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->token.starts_with(kTokenPrefix));
  EXPECT_EQ(created->info.token_hash, Sha256Hex(created->token));
  EXPECT_EQ(created->info.user, "alice");
  EXPECT_EQ(created->info.expires_at, clock_.NowMillis() + 30LL * 86'400'000);
  Identity who = Authenticated(created->token);
  EXPECT_EQ(who.user, "alice");
  EXPECT_EQ(who.team, "nlp-team");
  EXPECT_FALSE(who.is_admin);
}

TEST_F(TokenServiceTest, TheTeamMustBeOneTheUserBelongsTo) {
  Status foreign = service_->Create(bob_, {"", "nlp-team", 0}).status();
  EXPECT_EQ(foreign.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(foreign.message(), HasSubstr("not a member of team 'nlp-team'"));
  EXPECT_EQ(service_->Create(alice_, {"", "cv-team", 0}).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(service_->Create(admin_, {"", "nlp-team", 0}).ok()) << "admins act in every team";
}

TEST_F(TokenServiceTest, OnlyPlatformAdminsCreateTokensForOthers) {
  EXPECT_EQ(service_->Create(alice_, {"bob", "", 0}).status().code(),
            StatusCode::kPermissionDenied);
  StatusOr<CreatedToken> for_bob = service_->Create(admin_, {"bob", "", 0});
  ASSERT_TRUE(for_bob.ok()) << for_bob.status().ToString();
  EXPECT_EQ(Authenticated(for_bob->token).user, "bob");
  Status unknown = service_->Create(admin_, {"carol", "", 0}).status();
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("inet platform user create carol"));
}

TEST_F(TokenServiceTest, ExpiryIsBounded) {
  EXPECT_EQ(service_->Create(alice_, {"", "", -1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Create(alice_, {"", "", kMaxTokenDays + 1}).status().code(),
            StatusCode::kInvalidArgument);
  StatusOr<CreatedToken> forever = service_->Create(alice_, {"", "", 0});
  ASSERT_TRUE(forever.ok());
  EXPECT_FALSE(forever->info.expires_at.has_value());
}

TEST_F(TokenServiceTest, EveryoneListsAndRevokesTheirOwnTokensOnly) {
  StatusOr<CreatedToken> mine = service_->Create(alice_, {"", "", 0});
  StatusOr<CreatedToken> bobs = service_->Create(bob_, {"", "", 0});
  ASSERT_TRUE(mine.ok() && bobs.ok());
  StatusOr<std::vector<store::Token>> listed = service_->List(alice_, "");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].token_id, mine->info.token_id);
  EXPECT_EQ(service_->List(alice_, "bob").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->List(admin_, "bob")->size(), 1u);

  // Another user's token answers as if absent.
  EXPECT_EQ(service_->Revoke(alice_, bobs->info.token_id).code(), StatusCode::kNotFound);
  ASSERT_TRUE(service_->Revoke(alice_, mine->info.token_id).ok());
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  http::Request r;
  r.headers.emplace_back("authorization", "Bearer " + mine->token);
  EXPECT_EQ(authenticator.Authenticate(r).status().code(), StatusCode::kUnauthenticated)
      << "a revoked token is refused on the next request";
  ASSERT_TRUE(service_->Revoke(admin_, bobs->info.token_id).ok());
  EXPECT_TRUE(service_->List(alice_, "")->at(0).revoked_at.has_value());
}

}  // namespace
}  // namespace inet::auth
