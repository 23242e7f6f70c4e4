#include "api/platform/platform_artifacts.h"

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "api/platform/handler_common.h"

namespace inet::api {
namespace {

namespace json = boost::json;
using artifacts::ArtifactStore;
using http::Method;
using http::Request;
using http::Response;
using platform::JsonResponse;

constexpr std::string_view kMetadataDir = ".inet-metadata";
constexpr std::string_view kMetadataHeader = "x-inet-artifact-metadata";
constexpr size_t kMaxMetadataBytes = size_t{64} * 1024;
constexpr int64_t kMaxListResults = 1000;

// Where one namespace's objects live in the store.
struct Location {
  std::string ns;    // validated namespace
  std::string root;  // "platform/<ns>/"
  std::string MetadataRoot() const { return root + std::string(kMetadataDir) + "/"; }
  std::string ObjectKey(std::string_view path) const { return root + std::string(path); }
  std::string SidecarKey(std::string_view path) const {
    return MetadataRoot() + std::string(path) + ".json";
  }
  std::string Uri(std::string_view path) const {
    return "mlflow-artifacts:/" + root + std::string(path);
  }
};

StatusOr<Location> LocationOf(const Request& req) {
  auto it = req.path_params.find("namespace");
  std::string_view ns = it == req.path_params.end() ? std::string_view() : it->second;
  StatusOr<std::string> key = artifacts::ValidateKey(ns);
  if (!key.ok() || key->find('/') != std::string::npos) {
    return InvalidArgumentError("Invalid namespace '" + std::string(ns) +
                                "': use one path segment without '..'");
  }
  // A namespace is a team: its objects are its members' (and platform admins').
  if (!MayActIn(req.identity, *key)) {
    return PermissionDeniedError(
        "Namespace '" + *key + "' is a team that user '" + req.identity.user +
        "' does not act in: use one of your teams (inet platform team list), and send it as "
        "the X-MLFLOW-WORKSPACE header (the SDK does for ArtifactStore(namespace=...))");
  }
  // Under the team's root, so the URIs resolve through the team's mlflow-artifacts routes.
  return Location{*key, TeamArtifactPrefix(*key) + "platform/" + *key + "/"};
}

bool IsReserved(std::string_view path) {
  return path == kMetadataDir || path.starts_with(std::string(kMetadataDir) + "/");
}

// The artifact path of the request ({path...}), checked as an artifact key.
StatusOr<std::string> PathOf(const Request& req) {
  auto it = req.path_params.find("path");
  std::string_view raw = it == req.path_params.end() ? std::string_view() : it->second;
  StatusOr<std::string> key = artifacts::ValidateKey(raw);
  if (!key.ok()) {
    return InvalidArgumentError("Invalid path '" + std::string(raw) +
                                "': " + key.status().message());
  }
  if (IsReserved(*key)) {
    return InvalidArgumentError("Invalid path '" + *key + "': '" + std::string(kMetadataDir) +
                                "' is reserved");
  }
  return *key;
}

// The X-Inet-Artifact-Metadata header: a JSON object (any values, nested ones included).
StatusOr<json::object> MetadataOf(const Request& req) {
  std::string_view header = req.Header(kMetadataHeader);
  if (header.empty()) return json::object();
  auto invalid = [](const std::string& why) {
    return InvalidArgumentError("Invalid X-Inet-Artifact-Metadata header: " + why);
  };
  if (header.size() > kMaxMetadataBytes) return invalid("larger than 64 KiB");
  boost::system::error_code ec;
  json::value v = json::parse(header, ec);
  if (ec || !v.is_object()) return invalid("must be a JSON object");
  return std::move(v.as_object());
}

class PlatformArtifactHandlers {
 public:
  PlatformArtifactHandlers(ArtifactStore& store, std::string store_kind)
      : store_(store), store_kind_(std::move(store_kind)) {}

  // GET /api/v1/artifact-store -> {"kind": "local"}: what kind of store holds the bytes.
  Response StoreInfo(Request&) {
    json::object out;
    out["kind"] = store_kind_;
    return JsonResponse(out);
  }

  // PUT /api/v1/artifacts/{namespace}/{path...}: streams the body in, then writes (or clears)
  // the metadata sidecar -> 201 {"artifact": Artifact}.
  Response Put(Request& req) {
    StatusOr<Location> loc = LocationOf(req);
    if (!loc.ok()) return http::ErrorResponse(loc.status());
    StatusOr<std::string> path = PathOf(req);
    if (!path.ok()) return http::ErrorResponse(path.status());
    StatusOr<json::object> metadata = MetadataOf(req);
    if (!metadata.ok()) return http::ErrorResponse(metadata.status());

    StringByteSource buffered(std::move(req.body));
    ByteSource& body = req.body_stream != nullptr ? *req.body_stream : buffered;
    int64_t size = req.content_length ? static_cast<int64_t>(*req.content_length) : -1;
    Status put = store_.Put(loc->ObjectKey(*path), body, size);
    if (!put.ok()) return http::ErrorResponse(put.WithContext("uploading '" + *path + "'"));
    // A re-upload without metadata must not keep the previous version's metadata.
    Status sidecar;
    if (metadata->empty()) {
      sidecar = store_.Delete(loc->SidecarKey(*path));
    } else {
      StringByteSource text(json::serialize(*metadata));
      sidecar = store_.Put(loc->SidecarKey(*path), text);
    }
    if (!sidecar.ok()) {
      return http::ErrorResponse(sidecar.WithContext("storing metadata of '" + *path + "'"));
    }
    StatusOr<artifacts::ObjectInfo> info = store_.Head(loc->ObjectKey(*path));
    if (!info.ok()) return http::ErrorResponse(info.status());
    json::object out;
    out["artifact"] = ArtifactJson(*loc, *info, std::move(metadata).value());
    return JsonResponse(out, 201);
  }

  // GET /api/v1/artifacts/{namespace}/{path...}: the bytes, streamed.
  Response Get(Request& req) {
    StatusOr<Location> loc = LocationOf(req);
    if (!loc.ok()) return http::ErrorResponse(loc.status());
    StatusOr<std::string> path = PathOf(req);
    if (!path.ok()) return http::ErrorResponse(path.status());
    std::string key = loc->ObjectKey(*path);
    StatusOr<artifacts::ObjectInfo> info = store_.Head(key);
    if (!info.ok()) return NotFoundOr(info.status(), *loc, *path);
    StatusOr<std::unique_ptr<ByteSource>> bytes = store_.Get(key);
    if (!bytes.ok()) return NotFoundOr(bytes.status(), *loc, *path);
    Response response;
    response.content_type = "application/octet-stream";
    response.headers.emplace_back("ETag", "\"" + info->etag + "\"");
    response.stream = std::move(bytes).value();
    response.stream_length = info->size;
    return response;
  }

  // DELETE /api/v1/artifacts/{namespace}/{path...}: the object and its metadata; absent is OK.
  Response Delete(Request& req) {
    StatusOr<Location> loc = LocationOf(req);
    if (!loc.ok()) return http::ErrorResponse(loc.status());
    StatusOr<std::string> path = PathOf(req);
    if (!path.ok()) return http::ErrorResponse(path.status());
    Status deleted = store_.Delete(loc->ObjectKey(*path));
    if (deleted.ok()) deleted = store_.Delete(loc->SidecarKey(*path));
    if (!deleted.ok()) {
      return http::ErrorResponse(deleted.WithContext("deleting '" + *path + "'"));
    }
    return JsonResponse({});
  }

  // GET /api/v1/artifacts/{namespace}?prefix=&max_results=1000&page_token=: every object under
  // the prefix (recursively), sorted by path; a page may hold fewer than max_results items.
  Response List(Request& req) {
    StatusOr<Location> loc = LocationOf(req);
    if (!loc.ok()) return http::ErrorResponse(loc.status());
    std::string prefix = req.Query("prefix").value_or("");
    if (!prefix.empty()) {
      StatusOr<std::string> key = artifacts::ValidateKey(prefix, /*allow_empty=*/true);
      if (!key.ok()) {
        return http::ErrorResponse(
            InvalidArgumentError("Invalid prefix '" + prefix + "': " + key.status().message()));
      }
    }
    StatusOr<int64_t> max_results = platform::MaxResultsQuery(req, kMaxListResults);
    if (!max_results.ok()) return http::ErrorResponse(max_results.status());

    artifacts::ListOptions options;
    options.prefix = loc->root + prefix;
    options.delimited = false;
    options.page_token = req.Query("page_token").value_or("");
    options.max_keys = static_cast<int>(*max_results);
    std::string metadata_root = loc->MetadataRoot();
    json::array items;
    std::string next;
    // Pages made only of hidden sidecars are skipped so a client never sees an empty page
    // before the end.
    do {
      StatusOr<artifacts::ListResult> page = store_.List(options);
      if (!page.ok()) return http::ErrorResponse(page.status());
      for (const artifacts::ObjectInfo& o : page->objects) {
        if (o.key.starts_with(metadata_root)) continue;
        std::string_view path = std::string_view(o.key).substr(loc->root.size());
        items.push_back(ArtifactJson(*loc, o, ReadMetadata(*loc, path)));
      }
      next = std::move(page->next_page_token);
      options.page_token = next;
    } while (items.empty() && !next.empty());
    json::object out;
    out["artifacts"] = std::move(items);
    out["next_page_token"] = next;
    return JsonResponse(out);
  }

 private:
  static Response NotFoundOr(const Status& status, const Location& loc, std::string_view path) {
    if (status.code() != StatusCode::kNotFound) return http::ErrorResponse(status);
    return http::ErrorResponse(NotFoundError("Artifact '" + std::string(path) +
                                             "' does not exist in namespace '" + loc.ns + "'"));
  }

  // The sidecar's metadata; {} when there is none. A sidecar that cannot be read or parsed
  // also gives {}: listing the artifacts matters more than one object's labels.
  json::object ReadMetadata(const Location& loc, std::string_view path) {
    StatusOr<std::unique_ptr<ByteSource>> source = store_.Get(loc.SidecarKey(path));
    if (!source.ok()) return {};
    StatusOr<std::string> text = ReadAll(**source, kMaxMetadataBytes);
    if (!text.ok()) return {};
    boost::system::error_code ec;
    json::value v = json::parse(*text, ec);
    if (ec || !v.is_object()) return {};
    return std::move(v.as_object());
  }

  static json::object ArtifactJson(const Location& loc, const artifacts::ObjectInfo& info,
                                   json::object metadata) {
    std::string_view path = std::string_view(info.key).substr(loc.root.size());
    json::object o;
    o["path"] = path;
    o["size"] = info.size;
    o["created"] = info.last_modified_ms;
    o["metadata"] = std::move(metadata);
    o["uri"] = loc.Uri(path);
    return o;
  }

  ArtifactStore& store_;
  const std::string store_kind_;
};

}  // namespace

void RegisterPlatformArtifactRoutes(http::Router& router, ArtifactStore& store,
                                    std::string store_kind) {
  // shared_ptr: owned jointly by every handler the router keeps.
  auto h = std::make_shared<PlatformArtifactHandlers>(store, std::move(store_kind));
  auto bind = [h](Response (PlatformArtifactHandlers::*method)(Request&)) {
    return [h, method](Request& req) { return ((*h).*method)(req); };
  };
  http::RouteOptions streaming;
  streaming.stream_body = true;
  router.Add(Method::kPut, "/api/v1/artifacts/{namespace}/{path...}",
             bind(&PlatformArtifactHandlers::Put), streaming);
  router.Add(Method::kGet, "/api/v1/artifacts/{namespace}/{path...}",
             bind(&PlatformArtifactHandlers::Get));
  router.Add(Method::kDelete, "/api/v1/artifacts/{namespace}/{path...}",
             bind(&PlatformArtifactHandlers::Delete));
  router.Add(Method::kGet, "/api/v1/artifacts/{namespace}", bind(&PlatformArtifactHandlers::List));
  router.Add(Method::kGet, "/api/v1/artifact-store", bind(&PlatformArtifactHandlers::StoreInfo));
}

}  // namespace inet::api
