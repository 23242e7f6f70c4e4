// Handler tests for the users, teams and tokens routes: built Requests go through the Router
// (no sockets) over the real services on an in-memory SQLite store.
#include "api/platform/identity_routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "common/clock.h"
#include "store/sqlite/sqlite_metadata_store.h"

namespace inet::api {
namespace {

namespace json = boost::json;
using http::Method;

class IdentityRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteMetadataStore("sqlite://", "file:///a");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    teams_ = std::make_unique<teams::TeamService>(store_->identity());
    tokens_ = std::make_unique<auth::TokenService>(store_->tokens(), store_->identity(), clock_);
    RegisterIdentityRoutes(router_, *teams_, *tokens_);
  }

  http::Response Call(Method method, const std::string& path, std::string body = {},
                      const Identity* as = nullptr) {
    auto match = router_.Find(method, path);
    if (!match) return http::Response::Text("no route", 599);
    http::Request req;
    req.method = method;
    req.path = path;
    req.path_params = match->params;
    req.identity = as != nullptr ? *as : admin_;
    req.body = std::move(body);
    return match->route->handler(req);
  }

  static json::value Json(const http::Response& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
  }

  static std::string Error(const http::Response& r, int status, std::string_view code) {
    json::value v = Json(r, status);
    if (!v.is_object()) return {};
    EXPECT_EQ(v.at("error_code").as_string(), code) << r.body;
    return std::string(v.at("message").as_string());
  }

  FakeClock clock_;
  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<teams::TeamService> teams_;
  std::unique_ptr<auth::TokenService> tokens_;
  http::Router router_;
  Identity admin_{"admin", "tok-admin", true};
  Identity alice_{"alice", "tok-alice", false};
};

TEST_F(IdentityRoutesTest, UsersTeamsAndMembersRoundTrip) {
  json::value user = Json(Call(Method::kPost, "/api/v1/users", R"({"name":"alice"})"), 201);
  EXPECT_EQ(user.at("user").at("name").as_string(), "alice");
  EXPECT_FALSE(user.at("user").at("platform_admin").as_bool());
  Json(Call(Method::kPost, "/api/v1/teams", R"({"name":"nlp-team"})"), 201);
  json::value member = Json(Call(Method::kPost, "/api/v1/teams/nlp-team/members",
                                 R"({"user":"alice","role":"team-admin"})"),
                            200);
  EXPECT_EQ(member.at("member").at("role").as_string(), "team-admin");
  json::value team = Json(Call(Method::kGet, "/api/v1/teams/nlp-team", "", &alice_), 200);
  ASSERT_EQ(team.at("team").at("members").as_array().size(), 1u);
  json::value mine = Json(Call(Method::kGet, "/api/v1/teams", "", &alice_), 200);
  ASSERT_EQ(mine.at("teams").as_array().size(), 1u);
  EXPECT_EQ(mine.at("teams").as_array()[0].at("name").as_string(), "nlp-team");
  EXPECT_EQ(Json(Call(Method::kGet, "/api/v1/users"), 200).at("users").as_array().size(), 1u);
  Json(Call(Method::kDelete, "/api/v1/teams/nlp-team/members/alice"), 200);
  Error(Call(Method::kDelete, "/api/v1/teams/nlp-team/members/alice"), 404,
        "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(IdentityRoutesTest, BadRequestsGetClear4xx) {
  Error(Call(Method::kPost, "/api/v1/users", "[1]"), 400, "INVALID_PARAMETER_VALUE");
  std::string unknown =
      Error(Call(Method::kPost, "/api/v1/users", R"({"nam":"x"})"), 400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(unknown.find("Unknown field 'nam'"), std::string::npos) << unknown;
  Error(Call(Method::kPost, "/api/v1/users", R"({"name":7})"), 400, "INVALID_PARAMETER_VALUE");
  Error(Call(Method::kPost, "/api/v1/teams", "{}"), 400, "INVALID_PARAMETER_VALUE");
  std::string name = Error(Call(Method::kPost, "/api/v1/teams", R"({"name":"NLP"})"), 400,
                           "INVALID_PARAMETER_VALUE");
  EXPECT_NE(name.find("DNS-1123"), std::string::npos) << name;
  Json(Call(Method::kPost, "/api/v1/teams", R"({"name":"nlp-team"})"), 201);
  Error(Call(Method::kPost, "/api/v1/teams", R"({"name":"nlp-team"})"), 400,
        "RESOURCE_ALREADY_EXISTS");
  Error(Call(Method::kPost, "/api/v1/teams/nlp-team/members", R"({"user":"x","role":"boss"})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call(Method::kPost, "/api/v1/tokens", R"({"expires_days":-3})"), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call(Method::kPost, "/api/v1/users", R"({"name":"bob"})", &alice_), 403,
        "PERMISSION_DENIED");
}

TEST_F(IdentityRoutesTest, ATokenIsShownOnceAndListedWithoutItsSecret) {
  ASSERT_TRUE(store_->identity().CreateUser({"admin", true, 0}).ok());
  json::value created =
      Json(Call(Method::kPost, "/api/v1/tokens", R"({"team":"default","expires_days":7})"), 201);
  const std::string secret(created.at("token").as_string());
  const std::string id(created.at("token_info").at("token_id").as_string());
  EXPECT_EQ(created.at("token_info").at("team").as_string(), "default");
  EXPECT_TRUE(created.at("token_info").as_object().contains("expires_at"));
  http::Response listed = Call(Method::kGet, "/api/v1/tokens");
  json::value tokens = Json(listed, 200);
  ASSERT_EQ(tokens.at("tokens").as_array().size(), 1u);
  EXPECT_EQ(listed.body.find(secret), std::string::npos) << "the secret is shown only once";
  EXPECT_EQ(listed.body.find("hash"), std::string::npos);
  Json(Call(Method::kDelete, "/api/v1/tokens/" + id), 200);
  EXPECT_TRUE(Json(Call(Method::kGet, "/api/v1/tokens"), 200)
                  .at("tokens")
                  .as_array()[0]
                  .as_object()
                  .contains("revoked_at"));
  Error(Call(Method::kDelete, "/api/v1/tokens/tok-nope"), 404, "RESOURCE_DOES_NOT_EXIST");
}

}  // namespace
}  // namespace inet::api
