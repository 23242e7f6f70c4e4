#include "tracking/messages.h"

#include <string>

namespace inet::tracking {
namespace {

std::string S(std::string_view v) { return std::string(v); }

}  // namespace

Status ExperimentNotFoundError(std::string_view experiment_id) {
  return NotFoundError("No Experiment with id=" + S(experiment_id) + " exists");
}

Status ExperimentNameNotFoundError(std::string_view name) {
  return NotFoundError("Experiment '" + S(name) + "' does not exist.");
}

Status ExperimentExistsError(std::string_view name) {
  return AlreadyExistsError("Experiment '" + S(name) + "' already exists.");
}

Status ExperimentNotActiveError(std::string_view experiment_id) {
  return InvalidArgumentError("The experiment " + S(experiment_id) +
                              " must be in the 'active' state. Current state is deleted.");
}

Status ExperimentTagNotFoundError(std::string_view experiment_id, std::string_view key) {
  return NotFoundError("No tag with name: " + S(key) + " in experiment with id " +
                       S(experiment_id));
}

Status RunNotFoundError(std::string_view run_id) {
  return NotFoundError("Run with id=" + S(run_id) + " not found");
}

Status RunExistsError(std::string_view run_id) {
  return AlreadyExistsError("Run with id=" + S(run_id) + " already exists");
}

Status RunNotActiveError(std::string_view run_id) {
  return InvalidArgumentError("The run " + S(run_id) +
                              " must be in the 'active' state. Current state is deleted.");
}

Status RunTagNotFoundError(std::string_view run_id, std::string_view key) {
  return NotFoundError("No tag with name: " + S(key) + " in run with id " + S(run_id));
}

Status ParamChangeError(std::string_view run_id, std::string_view key, std::string_view old_value,
                        std::string_view new_value) {
  return InvalidArgumentError("Changing param values is not allowed. Param with key='" + S(key) +
                              "' was already logged with value='" + S(old_value) +
                              "' for run ID='" + S(run_id) + "'. Attempted logging new value '" +
                              S(new_value) + "'.");
}

Status LoggedModelNotFoundError(std::string_view model_id) {
  return NotFoundError("Logged model with ID '" + S(model_id) + "' not found.");
}

Status LoggedModelExistsError(std::string_view model_id) {
  return AlreadyExistsError("Logged model with ID '" + S(model_id) + "' already exists.");
}

Status LoggedModelTagNotFoundError(std::string_view model_id, std::string_view key) {
  return NotFoundError("No tag with key '" + S(key) + "' found for model with ID '" + S(model_id) +
                       "'.");
}

Status ExperimentResult(Status status, std::string_view experiment_id) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return ExperimentNotFoundError(experiment_id);
    case StatusCode::kFailedPrecondition:
      return ExperimentNotActiveError(experiment_id);
    default:
      return status;
  }
}

Status RunResult(Status status, std::string_view run_id) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return RunNotFoundError(run_id);
    case StatusCode::kFailedPrecondition:
      return RunNotActiveError(run_id);
    default:
      return status;
  }
}

Status LoggedModelResult(Status status, std::string_view model_id) {
  if (status.code() == StatusCode::kNotFound) return LoggedModelNotFoundError(model_id);
  return status;
}

}  // namespace inet::tracking
