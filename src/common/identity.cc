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

}  // namespace inet
