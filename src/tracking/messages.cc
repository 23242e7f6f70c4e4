#include "tracking/messages.h"

#include <string>
#include <utility>

namespace inet::tracking {

Status ExperimentNotFoundError(std::string_view experiment_id) {
  return NotFoundError("No Experiment with id=" + std::string(experiment_id) + " exists");
}

Status RunNotFoundError(std::string_view run_id) {
  return NotFoundError("Run with id=" + std::string(run_id) + " not found");
}

Status RunResult(Status status, std::string_view run_id) {
  if (status.code() == StatusCode::kNotFound) return RunNotFoundError(run_id);
  return status;
}

}  // namespace inet::tracking
