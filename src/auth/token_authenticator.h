// Bearer-token authentication for every non-public request.
//
// Clients present `Authorization: Bearer <token>` (what the mlflow client sends from
// MLFLOW_TRACKING_TOKEN) or Basic auth whose password is the token (MLFLOW_TRACKING_USERNAME /
// MLFLOW_TRACKING_PASSWORD). Tokens are stored only as SHA-256 hashes in the metadata store,
// with their scope (auth/token_scope.h), team and expiry. Every request looks its token up
// (one indexed read) and its user's platform-admin flag (another), with no cache: revoking a
// token, letting it expire or taking a user's admin flag takes effect on the very next request,
// on every server replica.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "http/http.h"
#include "store/identity_store.h"
#include "store/token_store.h"

namespace inet::auth {

// Prefix of every token inet generates; makes leaked tokens easy to find with secret scanners.
inline constexpr std::string_view kTokenPrefix = "inet_";

// Generates a new random token (kTokenPrefix + 64 hex chars).
std::string GenerateToken();

// Extracts the token from an Authorization header value (Bearer, or Basic with the token as
// password). kUnauthenticated with a message saying what to send when absent or malformed.
StatusOr<std::string> TokenFromAuthorization(std::string_view header);

class TokenAuthenticator : public http::Authenticator {
 public:
  // Borrows the stores and `clock`, which must outlive this object.
  TokenAuthenticator(store::TokenStore& tokens, store::IdentityStore& identity, const Clock& clock);

  // The identity of the request's token: its user, whether that user is a platform admin (user
  // tokens only), its scope and team. kUnauthenticated, saying what to do, for a missing,
  // unknown, revoked or expired token. Thread-safe.
  StatusOr<Identity> Authenticate(const http::Request& request) override;

 private:
  store::TokenStore& tokens_;
  store::IdentityStore& identity_;
  const Clock& clock_;
};

// A newly made token: the secret (shown once, never stored) and its id.
struct IssuedToken {
  std::string token;
  std::string token_id;
};

// Creates a token for `user` limited to `scope` and acting in `team` (not an admin token). The
// secret exists only in the result; the store keeps its hash.
StatusOr<IssuedToken> IssueToken(store::TokenStore& store, const Clock& clock,
                                 const std::string& user, const std::string& team,
                                 const TokenScope& scope);

// Revokes every unrevoked scoped (attempt) token whose id is not in `live_token_ids`: on
// start-up, the tokens of attempts that ended, or never started, while the server was down.
// Returns how many were revoked.
StatusOr<int> RevokeEndedAttemptTokens(store::TokenStore& store,
                                       const std::set<std::string>& live_token_ids);

// Makes sure user "admin" exists as a platform admin and has a token, as the server does on
// start. If `env_token` is non-empty it becomes (or already is) a valid admin token. Otherwise,
// when no active admin token exists, a new one is generated and written to `token_file` (mode
// 0600). Returns a line describing where the admin token comes from, for the start-up banner.
StatusOr<std::string> EnsureAdminToken(store::TokenStore& tokens, store::IdentityStore& identity,
                                       const Clock& clock, std::string_view env_token,
                                       const std::string& token_file);

}  // namespace inet::auth
