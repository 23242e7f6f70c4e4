#include "auth/token_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/ids.h"

namespace inet::auth {
namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

Status RefuseScoped(const Identity& caller, std::string_view action) {
  if (caller.scoped()) return OutOfScopeError(caller, action);
  return OkStatus();
}

Status TokenNotFound(std::string_view token_id) {
  return NotFoundError("Token '" + std::string(token_id) +
                       "' not found (list yours with `inet platform token list`)");
}

}  // namespace

StatusOr<CreatedToken> TokenService::Create(const Identity& caller, const TokenRequest& request) {
  RETURN_IF_ERROR(RefuseScoped(caller, "creating tokens"));
  const std::string user = request.user.empty() ? caller.user : request.user;
  if (user != caller.user && !caller.is_admin) {
    return PermissionDeniedError(
        "Only platform admins can create tokens for other users; "
        "create your own without --user");
  }
  if (request.expires_days < 0 || request.expires_days > kMaxTokenDays) {
    return InvalidArgumentError("expires_days must be between 1 and " +
                                std::to_string(kMaxTokenDays) + " (or 0 for no expiry), not " +
                                std::to_string(request.expires_days));
  }
  StatusOr<store::User> owner = identity_.GetUser(user);
  if (!owner.ok()) {
    if (owner.status().code() != StatusCode::kNotFound) return owner.status();
    return NotFoundError("User '" + user +
                         "' not found: a platform admin creates it with `inet platform user "
                         "create " +
                         user + "`");
  }
  if (!request.team.empty()) {
    RETURN_IF_ERROR(identity_.GetTeam(request.team).status());
    ASSIGN_OR_RETURN(std::vector<store::Membership> teams, identity_.ListUserTeams(user));
    const bool member = std::any_of(teams.begin(), teams.end(), [&](const store::Membership& m) {
      return m.team == request.team;
    });
    if (!member && !owner->platform_admin) {
      return PermissionDeniedError("User '" + user + "' is not a member of team '" + request.team +
                                   "' (a team admin of it can add them)");
    }
  }
  CreatedToken created;
  created.token = GenerateToken();
  store::Token& t = created.info;
  t.token_id = "tok-" + RandomHex(8);
  t.token_hash = Sha256Hex(created.token);
  t.user = user;
  t.created_at = clock_.NowMillis();
  t.team = request.team;
  if (request.expires_days > 0) t.expires_at = t.created_at + request.expires_days * kMillisPerDay;
  RETURN_IF_ERROR(tokens_.CreateToken(t));
  return created;
}

StatusOr<std::vector<store::Token>> TokenService::List(const Identity& caller,
                                                       std::string_view user) {
  RETURN_IF_ERROR(RefuseScoped(caller, "listing tokens"));
  const std::string_view whose = user.empty() ? std::string_view(caller.user) : user;
  if (whose != caller.user && !caller.is_admin) {
    return PermissionDeniedError("Only platform admins can list other users' tokens");
  }
  ASSIGN_OR_RETURN(std::vector<store::Token> all, tokens_.ListTokens());
  std::vector<store::Token> out;
  for (store::Token& t : all) {
    if (t.scope.empty() && t.user == whose) out.push_back(std::move(t));
  }
  return out;
}

Status TokenService::Revoke(const Identity& caller, std::string_view token_id) {
  RETURN_IF_ERROR(RefuseScoped(caller, "revoking tokens"));
  ASSIGN_OR_RETURN(std::vector<store::Token> all, tokens_.ListTokens());
  for (const store::Token& t : all) {
    if (t.token_id != token_id) continue;
    if (t.user != caller.user && !caller.is_admin) break;  // as if absent
    return tokens_.RevokeToken(token_id);
  }
  return TokenNotFound(token_id);
}

}  // namespace inet::auth
