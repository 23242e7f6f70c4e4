#include "auth/token_authenticator.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include "auth/token_scope.h"
#include "common/base64.h"
#include "common/format.h"
#include "common/ids.h"

namespace inet::auth {
namespace {

constexpr std::string_view kHowToAuthenticate =
    "send 'Authorization: Bearer <token>' (for the mlflow client: export "
    "MLFLOW_TRACKING_TOKEN=<token>); the admin token is printed by 'inet server' at start-up";

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status WriteSecretFile(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return InternalError("cannot write " + path + ": " + std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace

std::string GenerateToken() { return std::string(kTokenPrefix) + RandomHex(32); }

StatusOr<std::string> TokenFromAuthorization(std::string_view header) {
  header = Trim(header);
  if (header.empty()) {
    return UnauthenticatedError("Missing credentials: " + std::string(kHowToAuthenticate));
  }
  if (StartsWithIgnoreCase(header, "bearer ")) {
    std::string_view token = Trim(header.substr(7));
    if (token.empty()) return UnauthenticatedError("Empty bearer token");
    return std::string(token);
  }
  if (StartsWithIgnoreCase(header, "basic ")) {
    std::optional<std::string> decoded_or = Base64Decode(Trim(header.substr(6)));
    if (!decoded_or) return UnauthenticatedError("Malformed Basic credentials");
    std::string decoded = std::move(*decoded_or);
    size_t colon = decoded.find(':');
    if (colon == std::string::npos) return UnauthenticatedError("Malformed Basic credentials");
    std::string password = decoded.substr(colon + 1);
    if (password.empty()) {
      return UnauthenticatedError("Basic credentials need the token as the password");
    }
    return password;
  }
  return UnauthenticatedError("Unsupported Authorization scheme: " +
                              std::string(kHowToAuthenticate));
}

TokenAuthenticator::TokenAuthenticator(store::TokenStore& tokens, store::IdentityStore& identity,
                                       const Clock& clock)
    : tokens_(tokens), identity_(identity), clock_(clock) {}

StatusOr<Identity> TokenAuthenticator::Authenticate(const http::Request& request) {
  ASSIGN_OR_RETURN(std::string token, TokenFromAuthorization(request.Header("authorization")));
  StatusOr<store::Token> stored = tokens_.GetTokenByHash(Sha256Hex(token));
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) {
      return UnauthenticatedError("Invalid or revoked token: " + std::string(kHowToAuthenticate));
    }
    return stored.status().WithContext("checking token");
  }
  if (stored->expires_at && clock_.NowMillis() >= *stored->expires_at) {
    return UnauthenticatedError("Token " + stored->token_id + " expired on " +
                                FormatUtcMinute(*stored->expires_at) +
                                ": create a new one with `inet platform token create`");
  }
  StatusOr<TokenScope> scope = DecodeTokenScope(stored->scope);
  if (!scope.ok()) return scope.status().WithContext("checking token " + stored->token_id);
  Identity identity{stored->user, stored->token_id, false, std::move(scope).value()};
  identity.team = stored->team;
  if (identity.scoped()) return identity;  // never an admin, whoever its user is
  StatusOr<store::User> user = identity_.GetUser(stored->user);
  if (user.ok()) {
    identity.is_admin = user->platform_admin;
  } else if (user.status().code() != StatusCode::kNotFound) {
    return user.status().WithContext("checking token " + stored->token_id);
  }
  return identity;
}

StatusOr<IssuedToken> IssueToken(store::TokenStore& store, const Clock& clock,
                                 const std::string& user, const std::string& team,
                                 const TokenScope& scope) {
  IssuedToken issued{GenerateToken(), "tok-" + RandomHex(8)};
  store::Token t;
  t.token_id = issued.token_id;
  t.token_hash = Sha256Hex(issued.token);
  t.user = user;
  t.team = team;
  t.created_at = clock.NowMillis();
  t.scope = EncodeTokenScope(scope);
  RETURN_IF_ERROR(store.CreateToken(t));
  return issued;
}

StatusOr<int> RevokeEndedAttemptTokens(store::TokenStore& store,
                                       const std::set<std::string>& live_token_ids) {
  ASSIGN_OR_RETURN(std::vector<store::Token> tokens, store.ListTokens());
  int revoked = 0;
  for (const store::Token& t : tokens) {
    if (t.revoked_at.has_value() || t.scope.empty() || live_token_ids.contains(t.token_id)) {
      continue;
    }
    RETURN_IF_ERROR(store.RevokeToken(t.token_id));
    ++revoked;
  }
  return revoked;
}

StatusOr<std::string> EnsureAdminToken(store::TokenStore& store, store::IdentityStore& identity,
                                       const Clock& clock, std::string_view env_token,
                                       const std::string& token_file) {
  if (Status created = identity.CreateUser(store::User{"admin", true, clock.NowMillis()});
      created.code() == StatusCode::kAlreadyExists) {
    RETURN_IF_ERROR(identity.SetPlatformAdmin("admin", true));
  } else {
    RETURN_IF_ERROR(created);
  }
  auto make_admin = [&](std::string_view token) {
    store::Token t;
    t.token_id = "tok-" + RandomHex(8);
    t.token_hash = Sha256Hex(token);
    t.user = "admin";
    t.is_admin = true;
    t.created_at = clock.NowMillis();
    return store.CreateToken(t);
  };
  if (!env_token.empty()) {
    StatusOr<store::Token> existing = store.GetTokenByHash(Sha256Hex(env_token));
    if (!existing.ok()) {
      if (existing.status().code() != StatusCode::kNotFound) return existing.status();
      RETURN_IF_ERROR(make_admin(env_token));
    }
    return std::string("admin token: from INET_ADMIN_TOKEN");
  }
  ASSIGN_OR_RETURN(std::vector<store::Token> tokens, store.ListTokens());
  bool have_admin = false;
  for (const store::Token& t : tokens) have_admin |= t.is_admin && !t.revoked_at.has_value();
  if (have_admin) {
    if (::access(token_file.c_str(), R_OK) == 0) return "admin token: " + token_file;
    return std::string(
        "admin token: created earlier (its file is gone; set INET_ADMIN_TOKEN to add a new one)");
  }
  std::string token = GenerateToken();
  RETURN_IF_ERROR(WriteSecretFile(token_file, token + "\n"));
  RETURN_IF_ERROR(make_admin(token));
  return "admin token: " + token_file + " (new)";
}

}  // namespace inet::auth
