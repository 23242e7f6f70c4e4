// TokenService: the API tokens people create, list and revoke (attempt tokens are the job
// controller's, through IssueToken). A token is shown once, stored as its hash, acts for one
// user, optionally expires, and may name the team its requests act in by default.
//
// Who may: anyone creates tokens for themselves; platform admins for any user. The team must be
// one the token's user belongs to (any team for a platform admin). Everyone lists and revokes
// their own tokens; platform admins everyone's. Another user's token answers as if absent.
// Scoped (attempt) tokens may do none of it. Stateless over the stores; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/token_authenticator.h"
#include "common/clock.h"
#include "common/identity.h"
#include "common/status.h"
#include "store/identity_store.h"
#include "store/token_store.h"

namespace inet::auth {

inline constexpr int kMaxTokenDays = 3650;

struct TokenRequest {
  std::string user;      // empty: the caller
  std::string team;      // empty: requests act in the user's default team
  int expires_days = 0;  // 0: never expires; otherwise 1..kMaxTokenDays
};

struct CreatedToken {
  std::string token;  // the secret, shown once
  store::Token info;  // what is stored (its hash included; never shown)
};

class TokenService {
 public:
  // Borrows the stores and the clock, which must outlive the service.
  TokenService(store::TokenStore& tokens, store::IdentityStore& identity, const Clock& clock)
      : tokens_(tokens), identity_(identity), clock_(clock) {}

  StatusOr<CreatedToken> Create(const Identity& caller, const TokenRequest& request);
  // The user tokens of `user` (empty: the caller's; another user's: platform admins only), oldest
  // first, revoked and expired ones included.
  StatusOr<std::vector<store::Token>> List(const Identity& caller, std::string_view user);
  // kNotFound for an unknown token or, for non-admins, another user's.
  Status Revoke(const Identity& caller, std::string_view token_id);

 private:
  store::TokenStore& tokens_;
  store::IdentityStore& identity_;
  const Clock& clock_;
};

}  // namespace inet::auth
