// The JSON shapes of the platform job API (/api/v1, see api/openapi.yaml): a job as the API
// shows it, its events and the executor's capacity. Only encoding lives here; the JobSpec's own
// JSON form belongs to jobs/job_spec.h (JobSpecFromJson / JobSpecToJson) and is embedded as is.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "jobs/job_service.h"
#include "store/job_types.h"

namespace inet::api {

// The MLflow UI link of a run: "<external_url>/#/experiments/<experiment_id>/runs/<run_id>".
// A trailing '/' on `external_url` is dropped. Empty when `run_id` is empty.
std::string RunUrl(std::string_view external_url, std::string_view experiment_id,
                   std::string_view run_id);

// The Job object: record fields, the canonical spec, resources, result (gpus, exit_code or
// null, last_failure, artifacts), mlflow {experiment_id, run_id, run_url} and log_url.
// `external_url` is the server's address as clients reach it (for run_url).
boost::json::object JobToJson(const jobs::JobView& job, std::string_view external_url);

// {"seq", "timestamp", "state", "attempt", "reason"}.
boost::json::object JobEventToJson(const store::JobEvent& event);

// {"cpu_millis_total", "cpu_millis_used", "memory_bytes_total", "memory_bytes_used",
//  "gpus_total", "gpus_used", "gpu_source", "isolation"}.
boost::json::object CapacityToJson(const jobs::CapacityView& capacity);

}  // namespace inet::api
