// AttemptTokenIssuer: how jobs/ gets the API token an attempt runs with, without knowing how
// tokens are made or checked. The composition root implements it over the token store
// (server/attempt_token_issuer.h); jobs/ never includes auth/ or http/.
//
// Implementations are thread-safe.
#pragma once

#include <set>
#include <string>

#include "common/identity.h"
#include "common/status.h"

namespace inet::jobs {

// A newly made attempt token: the secret (only ever put into the attempt's environment) and
// the id it is revoked by.
struct AttemptToken {
  std::string token;
  std::string token_id;
};

class AttemptTokenIssuer {
 public:
  virtual ~AttemptTokenIssuer() = default;

  // A token in `user`'s name (never an admin token) limited to `scope`, acting only in `team`
  // (the job's). Errors from the token store, with context.
  virtual StatusOr<AttemptToken> Issue(const std::string& user, const std::string& team,
                                       const TokenScope& scope) = 0;
  // Revokes one token: the next request with it is refused. Revoking a revoked token is OK.
  virtual Status Revoke(const std::string& token_id) = 0;
  // Revokes every unrevoked attempt token whose id is not in `live_token_ids` (on start-up:
  // attempts that ended, or never started, while the server was down). Returns how many.
  virtual StatusOr<int> RevokeAllExcept(const std::set<std::string>& live_token_ids) = 0;
};

}  // namespace inet::jobs
