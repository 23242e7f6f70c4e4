// StoreAttemptTokenIssuer: jobs::AttemptTokenIssuer over the token store, minting tokens the
// way every token is made (auth/token_authenticator.h: stored as their SHA-256 with their
// scope; scoped tokens are never cached, so a revocation takes effect on the next request).
#pragma once

#include <set>
#include <string>

#include "common/clock.h"
#include "jobs/attempt_token_issuer.h"
#include "store/token_store.h"

namespace inet::server {

class StoreAttemptTokenIssuer : public jobs::AttemptTokenIssuer {
 public:
  // Borrows both; they must outlive this object.
  StoreAttemptTokenIssuer(store::TokenStore& tokens, const Clock& clock)
      : tokens_(tokens), clock_(clock) {}

  StatusOr<jobs::AttemptToken> Issue(const std::string& user, const std::string& team,
                                     const TokenScope& scope) override;
  Status Revoke(const std::string& token_id) override;
  StatusOr<int> RevokeAllExcept(const std::set<std::string>& live_token_ids) override;

 private:
  store::TokenStore& tokens_;
  const Clock& clock_;
};

}  // namespace inet::server
