#include "common/identity.h"

#include <string>

namespace inet {

Status OutOfScopeError(const Identity& identity, std::string_view action) {
  const TokenScope& s = identity.scope;
  std::string limits = "This token belongs to attempt " + std::to_string(s.attempt) + " of job '" +
                       s.job_id + "' and is limited to ";
  if (!s.run_id.empty()) {
    limits += "logging to its MLflow run '" + s.run_id + "' (experiment '" + s.experiment_id +
              "', with the run's artifacts and the models logged from it), ";
  }
  limits +=
      "reading job '" + s.job_id + "' (GET /api/v1/jobs/" + s.job_id + ", its events and logs)";
  return PermissionDeniedError(limits + "; " + std::string(action) +
                               " is not allowed (do it from outside the job, with a user token)");
}

bool MayActIn(const Identity& identity, std::string_view team) {
  return identity.team == team || (identity.is_admin && !identity.scoped());
}

StatusOr<std::string> RequireActingTeam(const Identity& identity) {
  if (!identity.team.empty()) return identity.team;
  return InvalidArgumentError(
      "This request names no team and user '" + identity.user +
      "' has no default team (they belong to several, or to none): name one with the "
      "X-MLFLOW-WORKSPACE header (for the mlflow client "
      "export MLFLOW_WORKSPACE=<team>; for the CLI --team <team>), or use a token made for a "
      "team (inet platform token create --team <team>); `inet platform team list` lists yours");
}

}  // namespace inet
