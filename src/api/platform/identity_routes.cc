#include "api/platform/identity_routes.h"

#include <boost/json.hpp>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "api/platform/handler_common.h"

namespace inet::api {
namespace {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;
using platform::JsonResponse;

// A request body that must be a JSON object with only `allowed` fields; an empty body is {}.
class JsonBody {
 public:
  static StatusOr<JsonBody> Parse(std::string_view body,
                                  std::initializer_list<std::string_view> allowed) {
    if (body.empty()) return JsonBody(json::object());
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) return InvalidArgumentError("Request body must be a JSON object");
    for (const auto& field : v.as_object()) {
      bool known = false;
      for (std::string_view name : allowed) known |= field.key() == name;
      if (!known) {
        std::string names;
        for (std::string_view name : allowed)
          names += (names.empty() ? "" : ", ") + std::string(name);
        return InvalidArgumentError("Unknown field '" + std::string(field.key()) +
                                    "'; the fields are " + names);
      }
    }
    return JsonBody(std::move(v).as_object());
  }

  StatusOr<std::string> String(std::string_view name, bool required) const {
    const json::value* v = object_.if_contains(name);
    if (v == nullptr || v->is_null()) {
      if (required) return InvalidArgumentError("Missing field '" + std::string(name) + "'");
      return std::string();
    }
    if (!v->is_string()) {
      return InvalidArgumentError("Field '" + std::string(name) + "' must be a string");
    }
    return std::string(v->as_string());
  }

  StatusOr<bool> Bool(std::string_view name) const {
    const json::value* v = object_.if_contains(name);
    if (v == nullptr || v->is_null()) return false;
    if (!v->is_bool()) {
      return InvalidArgumentError("Field '" + std::string(name) + "' must be true or false");
    }
    return v->as_bool();
  }

  StatusOr<int> Int(std::string_view name) const {
    const json::value* v = object_.if_contains(name);
    if (v == nullptr || v->is_null()) return 0;
    if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > 1'000'000) {
      return InvalidArgumentError("Field '" + std::string(name) + "' must be a whole number >= 0");
    }
    return static_cast<int>(v->as_int64());
  }

 private:
  explicit JsonBody(json::object object) : object_(std::move(object)) {}
  json::object object_;
};

json::object UserJson(const store::User& u) {
  return {{"name", u.name}, {"platform_admin", u.platform_admin}, {"created_at", u.created_at}};
}

json::object TeamJson(const store::Team& t) {
  return {{"name", t.name}, {"created_at", t.created_at}};
}

json::object MemberJson(const store::Membership& m) {
  return {{"team", m.team},
          {"user", m.user},
          {"role", std::string(store::TeamRoleName(m.role))},
          {"created_at", m.created_at}};
}

// Never the hash: a listed token shows what it is, not how to use it.
json::object TokenJson(const store::Token& t) {
  json::object o{
      {"token_id", t.token_id}, {"user", t.user}, {"team", t.team}, {"created_at", t.created_at}};
  if (t.expires_at) o["expires_at"] = *t.expires_at;
  if (t.revoked_at) o["revoked_at"] = *t.revoked_at;
  return o;
}

const std::string& Param(const Request& req, const char* name) { return req.path_params.at(name); }

class IdentityHandlers {
 public:
  IdentityHandlers(teams::TeamService& teams, auth::TokenService& tokens)
      : teams_(teams), tokens_(tokens) {}

  // POST /api/v1/users {"name", "platform_admin"?} -> 201 {"user"}
  Response CreateUser(Request& req) {
    StatusOr<JsonBody> body = JsonBody::Parse(req.body, {"name", "platform_admin"});
    if (!body.ok()) return http::ErrorResponse(body.status());
    StatusOr<std::string> name = body->String("name", true);
    if (!name.ok()) return http::ErrorResponse(name.status());
    StatusOr<bool> admin = body->Bool("platform_admin");
    if (!admin.ok()) return http::ErrorResponse(admin.status());
    StatusOr<store::User> user = teams_.CreateUser(req.identity, *name, *admin);
    if (!user.ok()) return http::ErrorResponse(user.status());
    return JsonResponse({{"user", UserJson(*user)}}, 201);
  }

  // GET /api/v1/users -> {"users"}
  Response ListUsers(Request& req) {
    StatusOr<std::vector<store::User>> users = teams_.ListUsers(req.identity);
    if (!users.ok()) return http::ErrorResponse(users.status());
    json::array items;
    for (const store::User& u : *users) items.push_back(UserJson(u));
    return JsonResponse({{"users", std::move(items)}});
  }

  // POST /api/v1/teams {"name"} -> 201 {"team"}
  Response CreateTeam(Request& req) {
    StatusOr<JsonBody> body = JsonBody::Parse(req.body, {"name"});
    if (!body.ok()) return http::ErrorResponse(body.status());
    StatusOr<std::string> name = body->String("name", true);
    if (!name.ok()) return http::ErrorResponse(name.status());
    StatusOr<store::Team> team = teams_.CreateTeam(req.identity, *name);
    if (!team.ok()) return http::ErrorResponse(team.status());
    return JsonResponse({{"team", TeamJson(*team)}}, 201);
  }

  // --- MLflow workspaces: teams as the mlflow client sees them (mlflow.list_workspaces(),
  // get_workspace, create_workspace), under /api/2.0 and /api/3.0 ------------------------------

  // GET .../mlflow/workspaces -> {"workspaces": [{"name"}]}: the caller's teams.
  Response ListWorkspaces(Request& req) {
    StatusOr<std::vector<store::Team>> teams = teams_.ListTeams(req.identity);
    if (!teams.ok()) return http::ErrorResponse(teams.status());
    json::array items;
    for (const store::Team& t : *teams) items.push_back(json::object{{"name", t.name}});
    return JsonResponse({{"workspaces", std::move(items)}});
  }

  // GET .../mlflow/workspaces/{workspace_name} -> {"workspace": {"name"}}; another team's is
  // absent (404), as every object of another team.
  Response GetWorkspace(Request& req) {
    StatusOr<teams::TeamDetails> details =
        teams_.GetTeam(req.identity, Param(req, "workspace_name"));
    if (details.status().code() == StatusCode::kPermissionDenied) {
      return http::ErrorResponse(
          NotFoundError("Workspace '" + std::string(Param(req, "workspace_name")) + "' not found"));
    }
    if (!details.ok()) return http::ErrorResponse(details.status());
    return JsonResponse({{"workspace", json::object{{"name", details->team.name}}}});
  }

  // POST .../mlflow/workspaces {"name", "description"?} -> 201 {"workspace"}: creates a team
  // (platform admins, as `inet platform team create`).
  Response CreateWorkspace(Request& req) {
    StatusOr<JsonBody> body =
        JsonBody::Parse(req.body, {"name", "description", "default_artifact_root"});
    if (!body.ok()) return http::ErrorResponse(body.status());
    StatusOr<std::string> name = body->String("name", true);
    if (!name.ok()) return http::ErrorResponse(name.status());
    StatusOr<std::string> root = body->String("default_artifact_root", false);
    if (!root.ok()) return http::ErrorResponse(root.status());
    if (!root->empty()) {
      return http::ErrorResponse(InvalidArgumentError(
          "default_artifact_root cannot be set: a team's artifacts live under the server's "
          "artifact root, in workspaces/<team>/"));
    }
    StatusOr<store::Team> team = teams_.CreateTeam(req.identity, *name);
    if (!team.ok()) return http::ErrorResponse(team.status());
    return JsonResponse({{"workspace", json::object{{"name", team->name}}}}, 201);
  }

  // GET /api/v1/teams -> {"teams"}: the caller's teams (every team for platform admins).
  Response ListTeams(Request& req) {
    StatusOr<std::vector<store::Team>> teams = teams_.ListTeams(req.identity);
    if (!teams.ok()) return http::ErrorResponse(teams.status());
    json::array items;
    for (const store::Team& t : *teams) items.push_back(TeamJson(t));
    return JsonResponse({{"teams", std::move(items)}});
  }

  // GET /api/v1/teams/{team} -> {"team": {..., "members"}}
  Response GetTeam(Request& req) {
    StatusOr<teams::TeamDetails> details = teams_.GetTeam(req.identity, Param(req, "team"));
    if (!details.ok()) return http::ErrorResponse(details.status());
    json::object team = TeamJson(details->team);
    json::array members;
    for (const store::Membership& m : details->members) members.push_back(MemberJson(m));
    team["members"] = std::move(members);
    return JsonResponse({{"team", std::move(team)}});
  }

  // POST /api/v1/teams/{team}/members {"user", "role"?} -> {"member"}
  Response AddMember(Request& req) {
    StatusOr<JsonBody> body = JsonBody::Parse(req.body, {"user", "role"});
    if (!body.ok()) return http::ErrorResponse(body.status());
    StatusOr<std::string> user = body->String("user", true);
    if (!user.ok()) return http::ErrorResponse(user.status());
    StatusOr<std::string> role_name = body->String("role", false);
    if (!role_name.ok()) return http::ErrorResponse(role_name.status());
    StatusOr<store::TeamRole> role = role_name->empty()
                                         ? StatusOr<store::TeamRole>(store::TeamRole::kMember)
                                         : store::ParseTeamRole(*role_name);
    if (!role.ok()) return http::ErrorResponse(role.status());
    StatusOr<store::Membership> member =
        teams_.AddMember(req.identity, Param(req, "team"), *user, *role);
    if (!member.ok()) return http::ErrorResponse(member.status());
    return JsonResponse({{"member", MemberJson(*member)}});
  }

  // DELETE /api/v1/teams/{team}/members/{user} -> {}
  Response RemoveMember(Request& req) {
    Status removed = teams_.RemoveMember(req.identity, Param(req, "team"), Param(req, "user"));
    if (!removed.ok()) return http::ErrorResponse(removed);
    return JsonResponse({});
  }

  // POST /api/v1/tokens {"user"?, "team"?, "expires_days"?} -> 201 {"token", "token_info"}
  Response CreateToken(Request& req) {
    StatusOr<JsonBody> body = JsonBody::Parse(req.body, {"user", "team", "expires_days"});
    if (!body.ok()) return http::ErrorResponse(body.status());
    auth::TokenRequest request;
    for (auto [field, out] : {std::pair{"user", &request.user}, std::pair{"team", &request.team}}) {
      StatusOr<std::string> value = body->String(field, false);
      if (!value.ok()) return http::ErrorResponse(value.status());
      *out = std::move(value).value();
    }
    StatusOr<int> days = body->Int("expires_days");
    if (!days.ok()) return http::ErrorResponse(days.status());
    request.expires_days = *days;
    StatusOr<auth::CreatedToken> created = tokens_.Create(req.identity, request);
    if (!created.ok()) return http::ErrorResponse(created.status());
    return JsonResponse({{"token", created->token}, {"token_info", TokenJson(created->info)}}, 201);
  }

  // GET /api/v1/tokens?user= -> {"tokens"}
  Response ListTokens(Request& req) {
    StatusOr<std::vector<store::Token>> tokens =
        tokens_.List(req.identity, req.Query("user").value_or(""));
    if (!tokens.ok()) return http::ErrorResponse(tokens.status());
    json::array items;
    for (const store::Token& t : *tokens) items.push_back(TokenJson(t));
    return JsonResponse({{"tokens", std::move(items)}});
  }

  // DELETE /api/v1/tokens/{token_id} -> {}
  Response RevokeToken(Request& req) {
    Status revoked = tokens_.Revoke(req.identity, Param(req, "token_id"));
    if (!revoked.ok()) return http::ErrorResponse(revoked);
    return JsonResponse({});
  }

 private:
  teams::TeamService& teams_;
  auth::TokenService& tokens_;
};

}  // namespace

void RegisterIdentityRoutes(http::Router& router, teams::TeamService& teams,
                            auth::TokenService& tokens) {
  auto h = std::make_shared<IdentityHandlers>(teams, tokens);
  auto bind = [h](Response (IdentityHandlers::*method)(Request&)) {
    return [h, method](Request& req) { return ((*h).*method)(req); };
  };
  router.Add(Method::kPost, "/api/v1/users", bind(&IdentityHandlers::CreateUser));
  router.Add(Method::kGet, "/api/v1/users", bind(&IdentityHandlers::ListUsers));
  router.Add(Method::kPost, "/api/v1/teams", bind(&IdentityHandlers::CreateTeam));
  router.Add(Method::kGet, "/api/v1/teams", bind(&IdentityHandlers::ListTeams));
  router.Add(Method::kGet, "/api/v1/teams/{team}", bind(&IdentityHandlers::GetTeam));
  router.Add(Method::kPost, "/api/v1/teams/{team}/members", bind(&IdentityHandlers::AddMember));
  router.Add(Method::kDelete, "/api/v1/teams/{team}/members/{user}",
             bind(&IdentityHandlers::RemoveMember));
  router.Add(Method::kPost, "/api/v1/tokens", bind(&IdentityHandlers::CreateToken));
  router.Add(Method::kGet, "/api/v1/tokens", bind(&IdentityHandlers::ListTokens));
  router.Add(Method::kDelete, "/api/v1/tokens/{token_id}", bind(&IdentityHandlers::RevokeToken));
  for (std::string_view version : {"2.0", "3.0"}) {
    const std::string base = "/api/" + std::string(version) + "/mlflow/workspaces";
    router.Add(Method::kGet, base, bind(&IdentityHandlers::ListWorkspaces));
    router.Add(Method::kPost, base, bind(&IdentityHandlers::CreateWorkspace));
    router.Add(Method::kGet, base + "/{workspace_name}", bind(&IdentityHandlers::GetWorkspace));
  }
}

}  // namespace inet::api
