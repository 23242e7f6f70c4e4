// MLflow's error messages for the facts the tracking store reports. The store answers with
// status codes (kNotFound, kAlreadyExists, kFailedPrecondition) and typed results that carry
// no MLflow wording; TrackingService turns them into these errors, word for word as
// `mlflow server` answers them (the real client and the e2e suite compare them).
#pragma once

#include <string_view>

#include "common/status.h"

namespace inet::tracking {

// kNotFound "No Experiment with id=<id> exists".
Status ExperimentNotFoundError(std::string_view experiment_id);
// kNotFound "Run with id=<id> not found".
Status RunNotFoundError(std::string_view run_id);

// `status` with its kNotFound replaced by RunNotFoundError(run_id); other codes unchanged.
Status RunResult(Status status, std::string_view run_id);

}  // namespace inet::tracking
