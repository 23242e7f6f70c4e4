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

struct Identity {
  std::string user;      // user name; "admin" for the bootstrap token
  std::string token_id;  // id of the token that authenticated the request
  bool is_admin = false;
  TokenScope scope = {};  // a user token unless set
  std::string team = {};  // the token's team: where a request naming none acts ("": the default)

  // True when the token is limited to less than its user's rights.
  bool scoped() const { return scope.kind != TokenScope::Kind::kUser; }
};

// kPermissionDenied for a scoped identity doing `action` (e.g. "POST /api/v1/jobs", "cancelling
// job j-2"): says what the token is limited to and that a user token is needed.
Status OutOfScopeError(const Identity& identity, std::string_view action);

}  // namespace inet
