// Bearer-token authentication for every non-public request.
//
// Clients present `Authorization: Bearer <token>` (what the mlflow client sends from
// MLFLOW_TRACKING_TOKEN) or Basic auth whose password is the token (MLFLOW_TRACKING_USERNAME /
// MLFLOW_TRACKING_PASSWORD). Tokens are stored only as SHA-256 hashes in the metadata store,
// with their scope (auth/token_scope.h). Verified user tokens are cached briefly so the hot path
// does not hit the database; scoped (attempt) tokens are never cached, so revoking one when its
// attempt ends takes effect on the very next request, on every server replica.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "http/http.h"
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
  // Borrows `store` and `clock`, which must outlive this object. `cache_ttl_ms` bounds how long
  // a revoked user token may still be accepted (scoped tokens are checked on every request).
  TokenAuthenticator(store::TokenStore& store, const Clock& clock, int64_t cache_ttl_ms = 10'000);

  // Thread-safe.
  StatusOr<Identity> Authenticate(const http::Request& request) override;

 private:
  struct CacheEntry {
    Identity identity;
    int64_t expires_at_ms;
  };

  store::TokenStore& store_;
  const Clock& clock_;
  const int64_t cache_ttl_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, CacheEntry> cache_;  // GUARDED_BY(mu_), keyed by token hash
};

// A newly made token: the secret (shown once, never stored) and its id.
struct IssuedToken {
  std::string token;
  std::string token_id;
};

// Creates a token for `user` limited to `scope` (not an admin token). The secret exists only in
// the result; the store keeps its hash.
StatusOr<IssuedToken> IssueToken(store::TokenStore& store, const Clock& clock,
                                 const std::string& user, const TokenScope& scope);

// Revokes every unrevoked scoped (attempt) token whose id is not in `live_token_ids`: on
// start-up, the tokens of attempts that ended, or never started, while the server was down.
// Returns how many were revoked.
StatusOr<int> RevokeEndedAttemptTokens(store::TokenStore& store,
                                       const std::set<std::string>& live_token_ids);

// Makes sure an admin token exists, as the server does on start. If `env_token` is non-empty
// it becomes (or already is) a valid admin token. Otherwise, when no active admin token exists,
// a new one is generated and written to `token_file` (mode 0600). Returns a line describing
// where the admin token comes from, for the start-up banner.
StatusOr<std::string> EnsureAdminToken(store::TokenStore& store, const Clock& clock,
                                       std::string_view env_token, const std::string& token_file);

}  // namespace inet::auth
