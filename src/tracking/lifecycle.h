// MLflow's lifecycle rules for experiments and runs, written once above the store: what
// deleting and restoring touch, the default experiment that cannot be deleted, and the errors
// MLflow answers when a transition is refused. The store applies the changes built here
// atomically (store::TrackingStore::SetExperimentLifecycle, SetRunLifecycle) and reports facts
// (kNotFound, kFailedPrecondition) that the functions below turn into MLflow's messages.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "store/tracking_store.h"
#include "store/types.h"

namespace inet::tracking {

// The name MLflow gives a default experiment (experiment "0", and a workspace's own).
inline constexpr std::string_view kDefaultExperimentName = "Default";

// Experiment "0" ("Default"), created when the server starts (EnsureDefaultExperiment); any
// spelling of the integer 0 names it. It belongs to team default; for any other team "0" names
// that team's own default experiment (EnsureTeamDefaultExperiment).
bool IsDefaultExperiment(std::string_view experiment_id);

// Whether `experiment` is a team's own default experiment: the one named "Default" of a team
// other than default, as MLflow's workspace store finds a workspace's default experiment (by
// name within the workspace). Renamed, it is an ordinary experiment, and the team's next use of
// "0" makes a new "Default".
bool IsTeamDefaultExperiment(const store::Experiment& experiment);

// Creates experiment "0" named "Default" (artifact location "<store's artifact root>/0", times
// `now`) unless an experiment 0 exists, as MLflow's SqlAlchemyStore does when it opens. Safe
// when several servers start at once (a concurrent creation counts as success); other store
// errors pass unchanged.
Status EnsureDefaultExperiment(store::TrackingStore& store, int64_t now);

// The default experiment of `team` (not default, whose default is experiment "0"): its
// experiment named "Default", created (artifacts under the team's root, times `now`) when it has
// none, as MLflow's WorkspaceAwareSqlAlchemyStore._create_default_experiment makes one for a
// workspace. Safe when two requests make it at once (the loser reads the winner's). Store errors
// pass with context.
StatusOr<store::Experiment> EnsureTeamDefaultExperiment(store::TrackingStore& store,
                                                        std::string_view team, int64_t now);

// Deleting (to = kDeleted) or restoring (to = kActive) an experiment at `now`. As in MLflow's
// SqlAlchemyStore.delete_experiment / restore_experiment, every run of the experiment follows,
// whatever its own stage: deletion marks each deleted at `now`, restoration makes each active
// with no deleted time (runs deleted on their own before are restored too).
store::ExperimentLifecycleChange ExperimentTransition(store::LifecycleStage to, int64_t now);

// Deleting a run records when (`now`); restoring clears it (MLflow's delete_run / restore_run,
// which apply whatever the run's current stage).
store::RunLifecycle RunTransition(store::LifecycleStage to, int64_t now);

// kInvalidArgument with MLflow's message when the experiment may not move to `to` before the
// store is asked: the default experiment cannot be deleted.
Status CheckExperimentTransition(std::string_view experiment_id, store::LifecycleStage to);

// kInvalidArgument, in the words of the rule above, when `experiment` is a team's own default
// experiment (IsTeamDefaultExperiment): no team's default can be deleted.
Status CheckExperimentDeletion(const store::Experiment& experiment);

// The answer to a client for the store's `status` of SetExperimentLifecycle: kNotFound becomes
// "No Experiment with id=<id> exists", kFailedPrecondition (already in the target stage)
// "Cannot delete an already deleted experiment." / "Cannot restore an active experiment."
// (kInvalidArgument); anything else passes unchanged.
Status ExperimentTransitionResult(Status status, std::string_view experiment_id,
                                  store::LifecycleStage to);

}  // namespace inet::tracking
