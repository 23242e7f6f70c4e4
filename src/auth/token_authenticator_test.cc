#include "auth/token_authenticator.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/ids.h"
#include "store/sqlite/sqlite_metadata_store.h"

namespace inet::auth {
namespace {

namespace fs = std::filesystem;

class TokenAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("inet-auth-" + RandomHex(6));
    fs::create_directories(dir_);
    auto opened =
        store::OpenSqliteMetadataStore("sqlite:///" + (dir_ / "db").string(), "mlflow-artifacts:/");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  static http::Request WithAuthorization(std::string value) {
    http::Request r;
    r.headers.emplace_back("authorization", std::move(value));
    return r;
  }

  fs::path dir_;
  std::unique_ptr<store::MetadataStore> store_;
  FakeClock clock_;
};

TEST(TokenFromAuthorizationTest, AcceptsBearerAndBasicPassword) {
  EXPECT_EQ(*TokenFromAuthorization("Bearer inet_abc"), "inet_abc");
  EXPECT_EQ(*TokenFromAuthorization("bearer   inet_abc  "), "inet_abc");
  // base64("user:inet_abc")
  EXPECT_EQ(*TokenFromAuthorization("Basic dXNlcjppbmV0X2FiYw=="), "inet_abc");
  // Padded forms: base64("ab:inet_abc") ends in "=", base64("abc:inet_a") in "==".
  EXPECT_EQ(*TokenFromAuthorization("Basic YWI6aW5ldF9hYmM="), "inet_abc");
  EXPECT_EQ(*TokenFromAuthorization("Basic YWJjOmluZXRfYQ=="), "inet_a");
}

TEST(TokenFromAuthorizationTest, RejectsMissingOrMalformed) {
  for (std::string_view bad : {"", "Bearer ", "Token x", "Basic !!!", "Basic dXNlcg=="}) {
    EXPECT_EQ(TokenFromAuthorization(bad).status().code(), StatusCode::kUnauthenticated) << bad;
  }
}

TEST_F(TokenAuthenticatorTest, GeneratedAdminTokenAuthenticatesAndIsPrivate) {
  std::string file = (dir_ / "admin-token").string();
  auto line = EnsureAdminToken(store_->tokens(), store_->identity(), clock_, "", file);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token;
  std::ifstream(file) >> token;
  EXPECT_EQ(token.rfind(std::string(kTokenPrefix), 0), 0u);

  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  auto identity = authenticator.Authenticate(WithAuthorization("Bearer " + token));
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->user, "admin");
  EXPECT_TRUE(identity->is_admin);

  // Stored hashed, never in clear.
  auto tokens = store_->tokens().ListTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].token_hash, Sha256Hex(token));

  // A second start keeps the same token.
  ASSERT_TRUE(EnsureAdminToken(store_->tokens(), store_->identity(), clock_, "", file).ok());
  EXPECT_EQ(store_->tokens().ListTokens()->size(), 1u);
}

TEST_F(TokenAuthenticatorTest, EnvTokenBecomesAdminAndWrongTokenIsRejected) {
  ASSERT_TRUE(EnsureAdminToken(store_->tokens(), store_->identity(), clock_, "inet_from_env",
                               (dir_ / "t").string())
                  .ok());
  EXPECT_FALSE(fs::exists(dir_ / "t"));
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  EXPECT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer inet_from_env")).ok());
  auto wrong = authenticator.Authenticate(WithAuthorization("Bearer inet_wrong"));
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  auto missing = authenticator.Authenticate(http::Request{});
  EXPECT_EQ(missing.status().code(), StatusCode::kUnauthenticated);
}

// No cache: a revoked token is refused on the very next request, on every replica.
TEST_F(TokenAuthenticatorTest, RevokedTokenIsRefusedOnTheNextRequest) {
  ASSERT_TRUE(EnsureAdminToken(store_->tokens(), store_->identity(), clock_, "inet_revoke_me",
                               (dir_ / "t").string())
                  .ok());
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  ASSERT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer inet_revoke_me")).ok());
  auto tokens = store_->tokens().ListTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_TRUE(store_->tokens().RevokeToken((*tokens)[0].token_id).ok());
  EXPECT_EQ(authenticator.Authenticate(WithAuthorization("Bearer inet_revoke_me")).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(TokenAuthenticatorTest, ExpiredTokenIsRefusedWithWhatToDo) {
  store::Token t;
  t.token_id = "tok-short";
  t.token_hash = Sha256Hex("inet_short");
  t.user = "alice";
  t.team = "nlp-team";
  t.expires_at = clock_.NowMillis() + 1000;
  ASSERT_TRUE(store_->tokens().CreateToken(t).ok());
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  StatusOr<Identity> fresh = authenticator.Authenticate(WithAuthorization("Bearer inet_short"));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(fresh->team, "nlp-team");
  clock_.Advance(1000);
  StatusOr<Identity> expired = authenticator.Authenticate(WithAuthorization("Bearer inet_short"));
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired on"), std::string::npos);
  EXPECT_NE(expired.status().message().find("inet platform token create"), std::string::npos);
}

// Platform admin is the user's flag, read on every request: taking it away takes effect at once,
// and a token's own admin mark (from before users existed) does not outlive it.
TEST_F(TokenAuthenticatorTest, PlatformAdminComesFromTheUser) {
  ASSERT_TRUE(EnsureAdminToken(store_->tokens(), store_->identity(), clock_, "inet_admin_env",
                               (dir_ / "t").string())
                  .ok());
  EXPECT_TRUE(store_->identity().GetUser("admin")->platform_admin);
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  EXPECT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer inet_admin_env"))->is_admin);
  ASSERT_TRUE(store_->identity().SetPlatformAdmin("admin", false).ok());
  EXPECT_FALSE(authenticator.Authenticate(WithAuthorization("Bearer inet_admin_env"))->is_admin);
  // The next start makes "admin" a platform admin again: its token is the way in.
  ASSERT_TRUE(EnsureAdminToken(store_->tokens(), store_->identity(), clock_, "inet_admin_env",
                               (dir_ / "t").string())
                  .ok());
  EXPECT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer inet_admin_env"))->is_admin);
}

TokenScope AttemptScope(std::string job_id) {
  TokenScope scope;
  scope.kind = TokenScope::Kind::kAttempt;
  scope.job_id = std::move(job_id);
  scope.attempt = 1;
  scope.run_id = "r1";
  scope.experiment_id = "3";
  scope.artifact_prefixes = {"3/r1/artifacts"};
  scope.models_prefix = "3/models";
  return scope;
}

TEST_F(TokenAuthenticatorTest, IssuedAttemptTokenCarriesItsScope) {
  auto issued = IssueToken(store_->tokens(), clock_, "alice", "default", AttemptScope("j-1"));
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  auto identity = authenticator.Authenticate(WithAuthorization("Bearer " + issued->token));
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->user, "alice");
  EXPECT_FALSE(identity->is_admin);
  EXPECT_EQ(identity->token_id, issued->token_id);
  ASSERT_TRUE(identity->scoped());
  EXPECT_EQ(identity->scope.job_id, "j-1");
  EXPECT_EQ(identity->scope.run_id, "r1");
  EXPECT_EQ(identity->scope.artifact_prefixes, std::vector<std::string>{"3/r1/artifacts"});
}

TEST_F(TokenAuthenticatorTest, RevokedAttemptTokenIsRefusedOnTheNextRequest) {
  auto issued = IssueToken(store_->tokens(), clock_, "alice", "default", AttemptScope("j-1"));
  ASSERT_TRUE(issued.ok());
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  ASSERT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer " + issued->token)).ok());
  ASSERT_TRUE(store_->tokens().RevokeToken(issued->token_id).ok());
  EXPECT_EQ(
      authenticator.Authenticate(WithAuthorization("Bearer " + issued->token)).status().code(),
      StatusCode::kUnauthenticated);
}

TEST_F(TokenAuthenticatorTest, UnreadableScopeIsNotAcceptedAsUnlimited) {
  store::Token t;
  t.token_id = "tok-odd";
  t.token_hash = Sha256Hex("inet_odd");
  t.user = "alice";
  t.scope = R"({"kind":"from-the-future"})";
  ASSERT_TRUE(store_->tokens().CreateToken(t).ok());
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  EXPECT_FALSE(authenticator.Authenticate(WithAuthorization("Bearer inet_odd")).ok());
}

TEST_F(TokenAuthenticatorTest, RestartRevokesAttemptTokensThatAreNotLive) {
  ASSERT_TRUE(EnsureAdminToken(store_->tokens(), store_->identity(), clock_, "inet_admin",
                               (dir_ / "t").string())
                  .ok());
  auto live = IssueToken(store_->tokens(), clock_, "alice", "default", AttemptScope("j-live"));
  auto ended = IssueToken(store_->tokens(), clock_, "alice", "default", AttemptScope("j-ended"));
  ASSERT_TRUE(live.ok() && ended.ok());
  auto revoked = RevokeEndedAttemptTokens(store_->tokens(), {live->token_id});
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, 1);
  TokenAuthenticator authenticator(store_->tokens(), store_->identity(), clock_);
  EXPECT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer " + live->token)).ok());
  EXPECT_FALSE(authenticator.Authenticate(WithAuthorization("Bearer " + ended->token)).ok());
  EXPECT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer inet_admin")).ok());
}

}  // namespace
}  // namespace inet::auth
