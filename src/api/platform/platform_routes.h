// The platform's own REST API under /api/v1 (described in api/openapi.yaml): jobs (submit,
// list, get, cancel, events, logs), code snapshots, executor capacity, and the platform
// artifact store the Python SDK's ArtifactStore uses. Handlers decode the request, call
// jobs::JobService (or the artifact store) with the caller's identity, and answer JSON; every
// error is an MLflow-shaped body {"error_code", "message"} from http::ErrorResponse. Every route
// requires authentication but /api/v1/version. Streaming: snapshot and artifact uploads are read
// from the socket in chunks, and logs and artifact downloads are streamed to it.
#pragma once

#include <string>

#include "api/authorization.h"
#include "api/platform/platform_artifacts.h"
#include "artifacts/artifact_store.h"
#include "http/http.h"
#include "jobs/job_service.h"

namespace inet::api {

struct PlatformRouteOptions {
  // The server's address as clients reach it ("http://host:8080"), for a job's mlflow.run_url.
  std::string external_url;
  // A followed log stream ends after this long without output (clients reconnect with their
  // offset).
  int follow_idle_seconds = 30;
  // The kind of the artifact store, answered by GET /api/v1/artifact-store: "local" (a
  // directory) or "s3" (S3-compatible: AWS S3, MinIO, Ceph).
  std::string artifact_store_kind = "local";
  // inet's own version and the MLflow version whose API the server speaks, for
  // GET /api/v1/version.
  std::string version;
  std::string mlflow_version;
};

// Registers, all authenticated (the caller's identity goes to the service):
//   POST /api/v1/jobs                      JobSpec JSON -> 201 {"job": Job}
//   GET  /api/v1/jobs?team=&user=&name=&state=&max_results=&page_token=
//                                          -> {"jobs": [...], "next_page_token"?}
//   GET  /api/v1/jobs/{job_id}             -> {"job": Job}
//   POST /api/v1/jobs/{job_id}/cancel      -> {"job": Job}
//   GET  /api/v1/jobs/{job_id}/events      -> {"events": [...]}
//   GET  /api/v1/jobs/{job_id}/logs?offset=&follow=   text/plain, streamed; X-Inet-Job-State
//   POST /api/v1/snapshots                 .tar.gz streamed -> 201 {"snapshot_id", "size"}
//   GET  /api/v1/capacity                  -> CapacityView JSON
//   GET  /api/v1/artifact-store            -> {"kind": options.artifact_store_kind}
//   GET  /api/v1/version                   -> {"version", "mlflow_version"} (no token needed)
// and the platform artifact routes (platform_artifacts.h). Errors: 400 INVALID_PARAMETER_VALUE
// for a bad spec (the validation message), bad state filter, max_results outside 1..1000, a
// negative or non-integer offset, a snapshot that is not a .tar.gz; 404 RESOURCE_DOES_NOT_EXIST
// for an unknown job; 413 RESOURCE_EXHAUSTED for a snapshot past the service's limit; 403
// PERMISSION_DENIED for a scoped (attempt) token anywhere but GET of its own job, its events
// and its logs (checked with `authorizer`).
// `jobs`, `artifacts` and `authorizer` are borrowed and must outlive the router; handlers may
// run concurrently.
void RegisterPlatformRoutes(http::Router& router, jobs::JobService& jobs,
                            artifacts::ArtifactStore& artifacts, const Authorizer& authorizer,
                            PlatformRouteOptions options);

}  // namespace inet::api
