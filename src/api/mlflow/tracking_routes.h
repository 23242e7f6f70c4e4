// The MLflow tracking REST API (experiments, runs, metrics, params, tags, datasets, logged
// models) as HTTP handlers over tracking::TrackingService. Each handler decodes its request
// once (api/mlflow/json_codec.h), calls the service with the caller's identity, and writes
// the proto-JSON response the real `mlflow` client parses; errors become MLflow error bodies
// through http::ErrorResponse. Model-registry and artifact routes live elsewhere.
#pragma once

#include <string_view>

#include "api/authorization.h"
#include "http/http.h"
#include "tracking/tracking_service.h"

namespace inet::api {

// The MLflow version whose REST API these routes speak (the client version the tests pin).
// GET /version answers it, as mlflow server answers its own version: the mlflow client gates
// features on it (log_spans needs a server of at least 3.4).
inline constexpr std::string_view kMlflowApiVersion = "3.17.2";

// Registers every tracking route under /api/2.0 and /ajax-api/2.0 (plus the UI's ajax-only
// routes metrics/get-history-bulk and experiments/search-datasets under /ajax-api/2.0).
// Each route states what a scoped (attempt) token may do there, checked with `authorizer`
// before the handler: log to and read its own run, read its experiment, create and write the
// logged models of its run; anything else is 403. `service` and `authorizer` are borrowed and
// must outlive the router; handlers may run concurrently.
void RegisterMlflowTrackingRoutes(http::Router& router, tracking::TrackingService& service,
                                  const Authorizer& authorizer);

}  // namespace inet::api
