#include "tracking/lifecycle.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/identity.h"
#include "tracking/messages.h"

namespace inet::tracking {

bool IsDefaultExperiment(std::string_view experiment_id) {
  return !experiment_id.empty() &&
         std::all_of(experiment_id.begin(), experiment_id.end(), [](char c) { return c == '0'; });
}

bool IsTeamDefaultExperiment(const store::Experiment& experiment) {
  return experiment.team != kDefaultTeam && experiment.name == kDefaultExperimentName;
}

Status EnsureDefaultExperiment(store::TrackingStore& store, int64_t now) {
  StatusOr<store::Experiment> existing = store.GetExperiment("0");
  if (existing.ok()) return OkStatus();
  if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status().WithContext("looking up the default experiment");
  }
  store::Experiment experiment;
  experiment.experiment_id = "0";
  experiment.name = std::string(kDefaultExperimentName);
  experiment.creation_time = now;
  experiment.last_update_time = now;
  StatusOr<std::string> created = store.CreateExperiment(experiment);
  if (created.ok() || created.status().code() == StatusCode::kAlreadyExists) return OkStatus();
  return created.status().WithContext("creating the default experiment");
}

StatusOr<store::Experiment> EnsureTeamDefaultExperiment(store::TrackingStore& store,
                                                        std::string_view team, int64_t now) {
  const std::string context = "finding the default experiment of team '" + std::string(team) + "'";
  StatusOr<store::Experiment> existing = store.GetExperimentByName(team, kDefaultExperimentName);
  if (existing.status().code() != StatusCode::kNotFound) {
    return existing.ok() ? existing : existing.status().WithContext(context);
  }
  store::Experiment experiment;
  experiment.team = std::string(team);
  experiment.name = std::string(kDefaultExperimentName);
  experiment.creation_time = now;
  experiment.last_update_time = now;
  StatusOr<std::string> created = store.CreateExperiment(experiment);
  if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
    return created.status().WithContext(context);
  }
  // Read back either way: the store fills in the artifact location, and a concurrent request
  // may have made it first.
  StatusOr<store::Experiment> made = store.GetExperimentByName(team, kDefaultExperimentName);
  return made.ok() ? made : made.status().WithContext(context);
}

store::ExperimentLifecycleChange ExperimentTransition(store::LifecycleStage to, int64_t now) {
  store::ExperimentLifecycleChange change;
  change.from = to == store::LifecycleStage::kDeleted ? store::LifecycleStage::kActive
                                                      : store::LifecycleStage::kDeleted;
  change.to = to;
  change.last_update_time = now;
  change.runs = RunTransition(to, now);
  return change;
}

store::RunLifecycle RunTransition(store::LifecycleStage to, int64_t now) {
  store::RunLifecycle lifecycle;
  lifecycle.stage = to;
  if (to == store::LifecycleStage::kDeleted) lifecycle.deleted_time = now;
  return lifecycle;
}

Status CheckExperimentTransition(std::string_view experiment_id, store::LifecycleStage to) {
  if (to == store::LifecycleStage::kDeleted && IsDefaultExperiment(experiment_id)) {
    return InvalidArgumentError(
        "Cannot delete the default experiment '0'. This is a reserved experiment.");
  }
  return OkStatus();
}

Status CheckExperimentDeletion(const store::Experiment& experiment) {
  if (!IsTeamDefaultExperiment(experiment)) {
    return OkStatus();
  }
  return InvalidArgumentError("Cannot delete the default experiment '" + experiment.experiment_id +
                              "' of team '" + experiment.team +
                              "'. This is a reserved experiment.");
}

Status ExperimentTransitionResult(Status status, std::string_view experiment_id,
                                  store::LifecycleStage to) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return ExperimentNotFoundError(experiment_id);
    case StatusCode::kFailedPrecondition:
      return InvalidArgumentError(to == store::LifecycleStage::kDeleted
                                      ? "Cannot delete an already deleted experiment."
                                      : "Cannot restore an active experiment.");
    default:
      return status;
  }
}

}  // namespace inet::tracking
