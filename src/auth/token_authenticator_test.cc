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
  auto line = EnsureAdminToken(store_->tokens(), clock_, "", file);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token;
  std::ifstream(file) >> token;
  EXPECT_EQ(token.rfind(std::string(kTokenPrefix), 0), 0u);

  TokenAuthenticator authenticator(store_->tokens(), clock_);
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
  ASSERT_TRUE(EnsureAdminToken(store_->tokens(), clock_, "", file).ok());
  EXPECT_EQ(store_->tokens().ListTokens()->size(), 1u);
}

TEST_F(TokenAuthenticatorTest, EnvTokenBecomesAdminAndWrongTokenIsRejected) {
  ASSERT_TRUE(
      EnsureAdminToken(store_->tokens(), clock_, "inet_from_env", (dir_ / "t").string()).ok());
  EXPECT_FALSE(fs::exists(dir_ / "t"));
  TokenAuthenticator authenticator(store_->tokens(), clock_);
  EXPECT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer inet_from_env")).ok());
  auto wrong = authenticator.Authenticate(WithAuthorization("Bearer inet_wrong"));
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  auto missing = authenticator.Authenticate(http::Request{});
  EXPECT_EQ(missing.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(TokenAuthenticatorTest, RevokedTokenStopsWorkingAfterCacheTtl) {
  ASSERT_TRUE(
      EnsureAdminToken(store_->tokens(), clock_, "inet_revoke_me", (dir_ / "t").string()).ok());
  TokenAuthenticator authenticator(store_->tokens(), clock_, /*cache_ttl_ms=*/1000);
  ASSERT_TRUE(authenticator.Authenticate(WithAuthorization("Bearer inet_revoke_me")).ok());
  auto tokens = store_->tokens().ListTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_TRUE(store_->tokens().RevokeToken((*tokens)[0].token_id).ok());
  clock_.Advance(1001);
  EXPECT_EQ(authenticator.Authenticate(WithAuthorization("Bearer inet_revoke_me")).status().code(),
            StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace inet::auth
