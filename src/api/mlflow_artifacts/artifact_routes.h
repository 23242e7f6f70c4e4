// The MLflow artifact routes: the mlflow-artifacts proxy service (upload, download, list,
// delete, multipart upload) through which `mlflow` clients store artifacts when the server hands
// out `mlflow-artifacts:/` URIs, and the tracking-side artifact routes the UI and older clients
// use (artifacts/list, /get-artifact, logged-model artifacts, ajax upload-artifact).
//
// Bodies stream: an upload flows from the socket into ArtifactStore::Put and a download from
// ArtifactStore::Get to the socket, in bounded chunks. Every user-supplied path is checked
// (after full percent-decoding) for "..", absolute paths, backslashes and the like; a bad one
// is answered 400 {"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid path"} before
// any store is touched. See docs/design/artifacts.md for the multipart design.
#pragma once

#include <string>
#include <vector>

#include "api/authorization.h"
#include "artifacts/artifact_schemes.h"
#include "artifacts/artifact_store.h"
#include "http/http.h"
#include "tracking/tracking_service.h"

namespace inet::api {

// Registers every artifact route on `router` (under /api/2.0 and /ajax-api/2.0 where MLflow
// serves both, plus the root /get-artifact). `tracking` (the server's tracking service, through
// which runs and logged models are read with the team rule) and `destination` (the server's
// --artifacts-root store, where mlflow-artifacts: URIs point) are borrowed and must outlive the
// router. Runs and models whose artifact URI is not proxied open their store through
// `schemes` (borrowed, must outlive the router); a local directory is served only when it
// lies inside one of `local_roots` (see artifacts::ArtifactUriResolver). Every route checks
// the run, logged model or key it touches with `authorizer` (borrowed, must outlive the
// router): scoped (attempt) tokens reach only their run's and its models' artifacts, and the
// platform-owned keys (snapshots/, jobs/, platform/) are never written here. Handlers are
// thread-safe.
void RegisterArtifactRoutes(http::Router& router, tracking::TrackingService& tracking,
                            artifacts::ArtifactStore& destination,
                            const artifacts::ArtifactSchemeRegistry& schemes,
                            std::vector<std::string> local_roots, const Authorizer& authorizer);

}  // namespace inet::api
