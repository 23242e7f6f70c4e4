// The platform artifact routes: a namespace-scoped object store over artifacts::ArtifactStore
// for the Python SDK's ArtifactStore (save_artifact / list_artifacts / load_artifact).
//
//   PUT    /api/v1/artifacts/{namespace}/{path...}   body streamed; optional metadata header
//   GET    /api/v1/artifacts/{namespace}?prefix=&max_results=&page_token=
//   GET    /api/v1/artifacts/{namespace}/{path...}   bytes streamed
//   DELETE /api/v1/artifacts/{namespace}/{path...}
//   GET    /api/v1/artifact-store                    {"kind": "local" | "s3"}
//
// A namespace is a team the caller acts in (Identity::team; platform admins: any), else 403.
// Objects live under "<team root>platform/<namespace>/<path>" in the store (the team root is
// "" for team default and "workspaces/<team>/" for others: common/identity.h
// TeamArtifactPrefix), so their URIs are "mlflow-artifacts:/<team root>platform/<namespace>/
// <path>", readable through the team's mlflow-artifacts routes. User metadata (the
// X-Inet-Artifact-Metadata header: a JSON object, at most 64 KiB, values of any JSON type) is kept
// in a sidecar object "platform/<namespace>/.inet-metadata/<path>.json", hidden from listings; the
// first path segment ".inet-metadata" is therefore reserved.
#pragma once

#include <string>

#include "artifacts/artifact_store.h"
#include "http/http.h"

namespace inet::api {

// Registers the five routes above; `store_kind` is what the store-info route answers (the kind
// of store behind `store`, e.g. "local" for a directory, "s3" for an S3-compatible one). Paths and
// namespaces are checked with artifacts::ValidateKey ("..", absolute, empty segments, backslashes
// -> 400 INVALID_PARAMETER_VALUE); a missing object is 404 RESOURCE_DOES_NOT_EXIST. `store` is
// borrowed and must outlive the router; handlers may run concurrently.
void RegisterPlatformArtifactRoutes(http::Router& router, artifacts::ArtifactStore& store,
                                    std::string store_kind);

}  // namespace inet::api
