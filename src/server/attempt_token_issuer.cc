#include "server/attempt_token_issuer.h"

#include "auth/token_authenticator.h"

namespace inet::server {

StatusOr<jobs::AttemptToken> StoreAttemptTokenIssuer::Issue(const std::string& user,
                                                            const std::string& team,
                                                            const TokenScope& scope) {
  ASSIGN_OR_RETURN(auth::IssuedToken issued, auth::IssueToken(tokens_, clock_, user, team, scope));
  return jobs::AttemptToken{std::move(issued.token), std::move(issued.token_id)};
}

Status StoreAttemptTokenIssuer::Revoke(const std::string& token_id) {
  return tokens_.RevokeToken(token_id);
}

StatusOr<int> StoreAttemptTokenIssuer::RevokeAllExcept(
    const std::set<std::string>& live_token_ids) {
  return auth::RevokeEndedAttemptTokens(tokens_, live_token_ids);
}

}  // namespace inet::server
