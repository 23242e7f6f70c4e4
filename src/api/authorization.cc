#include "api/authorization.h"

#include <optional>
#include <string>

#include "tracking/messages.h"

namespace inet::api {
namespace {

// True when `key` is `dir` or lies below it (segment-wise: "1/r" does not contain "1/r2").
bool Under(std::string_view key, std::string_view dir) {
  if (dir.empty()) return true;
  if (!key.starts_with(dir)) return false;
  return key.size() == dir.size() || key[dir.size()] == '/';
}

// The artifact store's top-level directories that the platform writes itself, and the API a
// client uses for them instead of the MLflow artifact routes.
struct PlatformOwnedDir {
  std::string_view dir;
  std::string_view use_instead;
};
constexpr PlatformOwnedDir kPlatformOwned[] = {
    {"snapshots",
     "code snapshots are uploaded with POST /api/v1/snapshots (what 'inet platform "
     "train' does)"},
    {"jobs",
     "job logs and outputs are written by the platform when an attempt ends; read them "
     "with GET /api/v1/jobs/{job_id}/logs and the job's artifacts"},
    {"platform", "platform artifacts are written with PUT /api/v1/artifacts/{namespace}/{path}"},
};

std::string_view AccessVerb(Access access) {
  return access == Access::kRead ? "reading" : "writing";
}

}  // namespace

Status Authorizer::Run(const Identity& who, std::string_view run_id, Access access) const {
  if (!who.scoped()) return OkStatus();
  if (!who.scope.run_id.empty() && run_id == who.scope.run_id) return OkStatus();
  return OutOfScopeError(who,
                         std::string(AccessVerb(access)) + " run '" + std::string(run_id) + "'");
}

Status Authorizer::Runs(const Identity& who, const std::vector<std::string>& run_ids) const {
  for (const std::string& id : run_ids) RETURN_IF_ERROR(Run(who, id, Access::kRead));
  return OkStatus();
}

Status Authorizer::Experiment(const Identity& who, std::string_view experiment_id) const {
  if (!who.scoped()) return OkStatus();
  if (!who.scope.experiment_id.empty() && experiment_id == who.scope.experiment_id) {
    return OkStatus();
  }
  return OutOfScopeError(who, "reading experiment '" + std::string(experiment_id) + "'");
}

Status Authorizer::ExperimentNamed(const Identity& who, std::string_view name) const {
  if (!who.scoped()) return OkStatus();
  StatusOr<store::Experiment> experiment = store_.GetExperimentByName(who.team, name);
  if (experiment.ok() && experiment->experiment_id == who.scope.experiment_id) return OkStatus();
  // Whether another experiment of that name exists is not the token's business either.
  return OutOfScopeError(who, "reading experiment '" + std::string(name) + "'");
}

Status Authorizer::Experiments(const Identity& who,
                               const std::vector<std::string>& experiment_ids) const {
  if (!who.scoped()) return OkStatus();
  if (experiment_ids.empty()) return OutOfScopeError(who, "searching every experiment");
  for (const std::string& id : experiment_ids) RETURN_IF_ERROR(Experiment(who, id));
  return OkStatus();
}

Status Authorizer::NewLoggedModel(const Identity& who, std::string_view experiment_id,
                                  std::string_view source_run_id) const {
  if (!who.scoped()) return OkStatus();
  if (!who.scope.run_id.empty() && experiment_id == who.scope.experiment_id &&
      source_run_id == who.scope.run_id) {
    return OkStatus();
  }
  return OutOfScopeError(who, "creating a logged model in experiment '" +
                                  std::string(experiment_id) + "' from run '" +
                                  std::string(source_run_id) + "' (only models of run '" +
                                  who.scope.run_id + "' may be created)");
}

Status Authorizer::LoggedModel(const Identity& who, std::string_view model_id,
                               Access access) const {
  if (!who.scoped()) return OkStatus();
  ASSIGN_OR_RETURN(store::LoggedModel model,
                   tracking::LoggedModelResult(
                       store_.GetLoggedModel(model_id, /*allow_deleted=*/true), model_id));
  return ModelInScope(who, model, access,
                      std::string(AccessVerb(access)) + " logged model '" + model.model_id + "'");
}

Status Authorizer::ModelInScope(const Identity& who, const store::LoggedModel& model, Access access,
                                std::string_view action) const {
  const bool in_experiment =
      !who.scope.experiment_id.empty() && model.experiment_id == who.scope.experiment_id;
  const bool from_run = !who.scope.run_id.empty() && model.source_run_id == who.scope.run_id;
  if (in_experiment && (access == Access::kRead || from_run)) return OkStatus();
  return OutOfScopeError(who, action);
}

namespace {

// A key under a team's root ("workspaces/<team>/<rest>"): the team and the rest ("" when the
// key is the root itself or "workspaces/<team>"). nullopt for a key outside every team's root.
struct TeamRooted {
  std::string_view team;
  std::string_view rest;
};
std::optional<TeamRooted> SplitTeamRoot(std::string_view key) {
  constexpr std::string_view kWorkspaces = "workspaces";
  if (!Under(key, kWorkspaces)) return std::nullopt;
  std::string_view after = key.substr(std::min(key.size(), kWorkspaces.size() + 1));
  const size_t slash = after.find('/');
  if (slash == std::string_view::npos) return TeamRooted{after, ""};
  return TeamRooted{after.substr(0, slash), after.substr(slash + 1)};
}

}  // namespace

StatusOr<std::string> TeamArtifactKey(const Identity& who, std::string_view path) {
  ASSIGN_OR_RETURN(std::string team, RequireActingTeam(who));
  if (std::optional<TeamRooted> rooted = SplitTeamRoot(path)) {
    std::string_view named = rooted->team;
    if (named.empty()) {
      return InvalidArgumentError(
          "Artifact paths prefixed with 'workspaces/' must include a team (workspace) name");
    }
    if (named == team || (who.is_admin && !who.scoped())) return std::string(path);
    return NotFoundError("Artifact '" + std::string(path) + "' does not exist");
  }
  std::string key = TeamArtifactPrefix(team);
  if (path.empty() && !key.empty()) key.pop_back();  // the team's root directory itself
  return key + std::string(path);
}

Status Authorizer::ArtifactKey(const Identity& who, std::string_view key, Access access) const {
  if (access == Access::kWrite) {
    // A team's platform-owned keys live under its root ("workspaces/<team>/snapshots/...").
    std::optional<TeamRooted> rooted = SplitTeamRoot(key);
    const std::string_view relative = rooted ? rooted->rest : key;
    for (const PlatformOwnedDir& owned : kPlatformOwned) {
      if (Under(relative, owned.dir)) {
        return PermissionDeniedError("'" + std::string(owned.dir) +
                                     "/' in the artifact store belongs to the platform and is "
                                     "not writable through the MLflow artifact routes: " +
                                     std::string(owned.use_instead));
      }
    }
  }
  if (!who.scoped()) return OkStatus();
  const std::string action =
      std::string(AccessVerb(access)) + " artifact '" + std::string(key) + "'";
  for (const std::string& prefix : who.scope.artifact_prefixes) {
    if (!prefix.empty() && Under(key, prefix)) return OkStatus();
  }
  // <models_prefix>/<model_id>/...: that model's artifacts.
  const std::string& models = who.scope.models_prefix;
  if (!models.empty() && key.size() > models.size() + 1 && Under(key, models)) {
    std::string_view rest = key.substr(models.size() + 1);
    std::string_view model_id = rest.substr(0, rest.find('/'));
    StatusOr<store::LoggedModel> model = store_.GetLoggedModel(model_id, /*allow_deleted=*/true);
    if (model.ok()) return ModelInScope(who, *model, access, action);
    if (model.status().code() != StatusCode::kNotFound) return model.status();
  }
  return OutOfScopeError(who, action);
}

Status Authorizer::Job(const Identity& who, std::string_view job_id) const {
  if (!who.scoped() || job_id == who.scope.job_id) return OkStatus();
  return OutOfScopeError(who, "reading job '" + std::string(job_id) + "'");
}

Status Authorizer::UsersOnly(const Identity& who, std::string_view action) {
  if (!who.scoped()) return OkStatus();
  return OutOfScopeError(who, action);
}

}  // namespace inet::api
