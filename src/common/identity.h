// Identity: who is making a request, and what the token it presented is limited to. Carried
// from authentication through every handler and service call so that ownership, audit and
// (later) team scoping need no new plumbing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inet {

// What a token may touch. A user token (kind kUser) acts with every right of its user; an
// attempt token (the MLFLOW_TRACKING_TOKEN a job attempt gets) only on that attempt's own
// resources. The scope is data, persisted with the token and checked by api/authorization.h.
struct TokenScope {
  enum class Kind { kUser, kAttempt };

  Kind kind = Kind::kUser;
  std::string job_id;         // the job whose attempt holds the token
  int attempt = 0;            // its attempt number
  std::string run_id;         // the job's MLflow run ("" when it has none)
  std::string experiment_id;  // the run's experiment
  // Keys (directories, no trailing '/') in the server's artifact store (the mlflow-artifacts:/
  // paths) the token may read and write: the run's artifact root.
  std::vector<std::string> artifact_prefixes;
  // The key under which the experiment keeps logged models' artifacts ("<experiment>/models");
  // a model's directory there is writable when that model was logged from `run_id`.
  std::string models_prefix;
};

// The team everything made before teams belongs to, and where requests act by default.
inline constexpr std::string_view kDefaultTeam = "default";

// Where a team's objects live in the server's artifact store (MLflow's layout for workspaces):
// "" for team default (the root, as before teams), "workspaces/<team>/" for the others.
inline std::string TeamArtifactPrefix(std::string_view team) {
  if (team.empty() || team == kDefaultTeam) return "";
  return "workspaces/" + std::string(team) + "/";
}

struct Identity {
  std::string user;      // user name; "admin" for the bootstrap token
  std::string token_id;  // id of the token that authenticated the request
  bool is_admin = false;
  TokenScope scope = {};  // a user token unless set
  // The team the request acts in (api/acting_team_authenticator.h resolves it from the
  // X-MLFLOW-WORKSPACE header, the token's team and the user's memberships; the token's own team
  // before that). "" when the request names none and the user has no default team.
  std::string team = std::string(kDefaultTeam);

  // True when the token is limited to less than its user's rights.
  bool scoped() const { return scope.kind != TokenScope::Kind::kUser; }
};

// Whether `identity` may see and act on what belongs to `team`: its acting team's objects, and
// every team's for platform admins. Objects of other teams answer as if absent.
bool MayActIn(const Identity& identity, std::string_view team);

// The acting team, or kInvalidArgument saying how to name one when the request names none and
// the user has no default team (a member of several teams, none of them "default", or of none).
StatusOr<std::string> RequireActingTeam(const Identity& identity);

// kPermissionDenied for a scoped identity doing `action` (e.g. "POST /api/v1/jobs", "cancelling
// job j-2"): says what the token is limited to and that a user token is needed.
Status OutOfScopeError(const Identity& identity, std::string_view action);

}  // namespace inet
