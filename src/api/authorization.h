// Authorization of the resources a request names, written once for every route module (MLflow
// tracking, MLflow artifacts, platform). Authentication (auth/) says who is calling and what
// its token is limited to (Identity::scope); this decides whether that token may touch the run,
// experiment, logged model, artifact key or job a request names.
//
// Two rules live here:
//   - A scoped token (an attempt token, the MLFLOW_TRACKING_TOKEN a job gets) may log to its own
//     MLflow run and read it and its experiment, create and write logged models of that run,
//     read and write artifacts under the run's artifact root and those models' directories, and
//     read its own job. Everything else is kPermissionDenied (403) saying what the token is
//     limited to. Routes that never serve a scoped token need nothing here: the HTTP server
//     refuses scoped tokens on every route not registered with RouteOptions::scoped_tokens.
//   - Platform-owned keys of the server's artifact store (code snapshots, job logs and outputs,
//     platform artifacts) are never written through the MLflow artifact routes, by anyone; the
//     refusal names the platform API to use.
// User tokens pass the scope checks untouched: their rights are the services' to check.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/identity.h"
#include "common/status.h"
#include "store/tracking_store.h"

namespace inet::api {

enum class Access { kRead, kWrite };

// The key of the server's artifact store that a path of the mlflow-artifacts routes names, by
// MLflow's rule for proxied artifacts in workspaces: a path is relative to the acting team's
// root (TeamArtifactPrefix: the root itself for team default, "workspaces/<team>/" for others)
// unless it already starts with "workspaces/<that team>/". A path into another team's root is
// answered as absent (kNotFound), except for platform admins.
StatusOr<std::string> TeamArtifactKey(const Identity& who, std::string_view path);

// Thread-safe; borrows `store` (to find who a logged model or a named experiment belongs to),
// which must outlive it. Every method returns OK when allowed, kPermissionDenied when not, or
// the error of a lookup it needed (kNotFound for a model that does not exist).
class Authorizer {
 public:
  explicit Authorizer(store::TrackingStore& store) : store_(store) {}

  // A run named by id: reading it (get, metric history, artifact listing) or writing to it
  // (metrics, params, tags, status, inputs/outputs, artifacts).
  Status Run(const Identity& who, std::string_view run_id, Access access) const;
  // Reading several runs at once (the metric-history bulk routes).
  Status Runs(const Identity& who, const std::vector<std::string>& run_ids) const;
  // Reading an experiment, by id or by name; reading several (searches scoped to them).
  Status Experiment(const Identity& who, std::string_view experiment_id) const;
  Status ExperimentNamed(const Identity& who, std::string_view name) const;
  Status Experiments(const Identity& who, const std::vector<std::string>& experiment_ids) const;
  // Creating a logged model in `experiment_id` from `source_run_id`.
  Status NewLoggedModel(const Identity& who, std::string_view experiment_id,
                        std::string_view source_run_id) const;
  // An existing logged model: read within the token's experiment, written only when the model
  // was logged from the token's run.
  Status LoggedModel(const Identity& who, std::string_view model_id, Access access) const;
  // A key of the server's artifact store (an mlflow-artifacts:/ path; a directory for lists).
  Status ArtifactKey(const Identity& who, std::string_view key, Access access) const;
  // Reading a platform job (the job, its events, its log).
  Status Job(const Identity& who, std::string_view job_id) const;
  // Something only user tokens may do (`action` says what, for the message).
  static Status UsersOnly(const Identity& who, std::string_view action);

 private:
  Status ModelInScope(const Identity& who, const store::LoggedModel& model, Access access,
                      std::string_view action) const;

  store::TrackingStore& store_;
};

}  // namespace inet::api
