// MLflow's error messages for the facts the tracking store reports. The store answers with
// status codes (kNotFound, kAlreadyExists, kFailedPrecondition) and typed results that carry
// no MLflow wording; TrackingService (and the API's direct store lookups) turn them into these
// errors, word for word as `mlflow server` answers them (the real client and the e2e suite
// compare them).
#pragma once

#include <string_view>
#include <utility>

#include "common/status.h"

namespace inet::tracking {

// kNotFound "No Experiment with id=<id> exists".
Status ExperimentNotFoundError(std::string_view experiment_id);
// kNotFound "Experiment '<name>' does not exist.".
Status ExperimentNameNotFoundError(std::string_view name);
// kAlreadyExists "Experiment '<name>' already exists.".
Status ExperimentExistsError(std::string_view name);
// kInvalidArgument "The experiment <id> must be in the 'active' state. Current state is
// deleted.".
Status ExperimentNotActiveError(std::string_view experiment_id);
// kNotFound "No tag with name: <key> in experiment with id <id>".
Status ExperimentTagNotFoundError(std::string_view experiment_id, std::string_view key);

// kNotFound "Run with id=<id> not found".
Status RunNotFoundError(std::string_view run_id);
// kAlreadyExists "Run with id=<id> already exists".
Status RunExistsError(std::string_view run_id);
// kInvalidArgument "The run <id> must be in the 'active' state. Current state is deleted.".
Status RunNotActiveError(std::string_view run_id);
// kNotFound "No tag with name: <key> in run with id <id>".
Status RunTagNotFoundError(std::string_view run_id, std::string_view key);
// kInvalidArgument "Changing param values is not allowed. Param with key='<key>' was already
// logged with value='<old>' for run ID='<id>'. Attempted logging new value '<new>'.".
Status ParamChangeError(std::string_view run_id, std::string_view key, std::string_view old_value,
                        std::string_view new_value);

// kNotFound "Logged model with ID '<id>' not found.".
Status LoggedModelNotFoundError(std::string_view model_id);
// kAlreadyExists "Logged model with ID '<id>' already exists.".
Status LoggedModelExistsError(std::string_view model_id);
// kNotFound "No tag with key '<key>' found for model with ID '<id>'.".
Status LoggedModelTagNotFoundError(std::string_view model_id, std::string_view key);

// A store status about one experiment as MLflow answers it: kNotFound becomes
// ExperimentNotFoundError, kFailedPrecondition (not active) ExperimentNotActiveError; other
// codes pass unchanged.
Status ExperimentResult(Status status, std::string_view experiment_id);
// The same for a run: kNotFound → RunNotFoundError, kFailedPrecondition → RunNotActiveError.
Status RunResult(Status status, std::string_view run_id);
// The same for a logged model: kNotFound → LoggedModelNotFoundError.
Status LoggedModelResult(Status status, std::string_view model_id);

template <typename T>
StatusOr<T> ExperimentResult(StatusOr<T> value, std::string_view experiment_id) {
  if (value.ok()) return value;
  return ExperimentResult(std::move(value).status(), experiment_id);
}
template <typename T>
StatusOr<T> RunResult(StatusOr<T> value, std::string_view run_id) {
  if (value.ok()) return value;
  return RunResult(std::move(value).status(), run_id);
}
template <typename T>
StatusOr<T> LoggedModelResult(StatusOr<T> value, std::string_view model_id) {
  if (value.ok()) return value;
  return LoggedModelResult(std::move(value).status(), model_id);
}

}  // namespace inet::tracking
