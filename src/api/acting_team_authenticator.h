// The team a request acts in, resolved once per request right after authentication, for every
// route module: the MLflow workspace header (X-MLFLOW-WORKSPACE, what the mlflow client sends
// for MLFLOW_WORKSPACE or mlflow.set_workspace, and what the inet CLI and SDK send for --team
// and namespace=), the token's team and the user's memberships, by teams::TeamService's rules.
// Identity::team holds the result for the services, which scope everything by it.
#pragma once

#include <string_view>

#include "http/http.h"
#include "teams/team_service.h"

namespace inet::api {

// The header that names the team (MLflow's workspace header; HTTP header names are
// case-insensitive).
inline constexpr std::string_view kTeamHeader = "x-mlflow-workspace";

class ActingTeamAuthenticator : public http::Authenticator {
 public:
  // Borrows both; they must outlive this object.
  ActingTeamAuthenticator(http::Authenticator& tokens, teams::TeamService& teams)
      : tokens_(tokens), teams_(teams) {}

  // The token's identity with `team` set to the acting team; the token's error, or the team
  // rule's (403 for a team the caller is not in). Thread-safe when both are.
  StatusOr<Identity> Authenticate(const http::Request& request) override;

 private:
  http::Authenticator& tokens_;
  teams::TeamService& teams_;
};

}  // namespace inet::api
