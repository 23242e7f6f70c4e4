// Resolving the artifact URIs MLflow hands out (a run's artifact_uri, a logged model's
// artifact_location) to the ArtifactStore and key prefix that actually hold the bytes.
//
//   mlflow-artifacts:/<path>, mlflow-artifacts://host:port/<path>,
//   http(s)://host[:port]/.../api/2.0/mlflow-artifacts/artifacts/<path>
//       -> the server's destination store (--artifacts-root), key prefix <path>
//   file:///abs/dir, file:/abs/dir, /abs/dir
//       -> the "file" scheme's store rooted at /abs/dir (only inside the local roots), key
//          prefix ""
//   <scheme>:... for any other scheme in the ArtifactSchemeRegistry (s3:// once the S3
//   adapter registers it)
//       -> the store that scheme's adapter opens for the URI, key prefix ""
//   anything else (an unregistered scheme, relative paths, ...)
//       -> kInvalidArgument "unsupported artifact URI ..." naming the registered schemes
//
// The resolver names no adapter: every store comes from the registry the composition root
// filled.
//
// Percent-escapes in the path are decoded; a path that would leave its root ("..", absolute
// after decoding, NUL, backslash) is kInvalidArgument.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "artifacts/artifact_schemes.h"
#include "artifacts/artifact_store.h"

namespace inet::artifacts {

struct ArtifactLocation {
  // shared_ptr: the resolver's cache may drop a local store while a request still streams
  // from it. For the destination store this is a non-owning alias.
  std::shared_ptr<ArtifactStore> store;
  std::string key_prefix;       // validated key of the URI's root inside `store`; "" = store root
  bool is_destination = false;  // true for proxied (mlflow-artifacts / http) URIs

  // `key_prefix` joined with a validated relative path ("" = the prefix itself).
  std::string KeyFor(std::string_view relative_path) const;
};

// True for URIs the server proxies through its destination store (mlflow-artifacts:, http(s)
// pointing at /api/2.0/mlflow-artifacts/artifacts).
bool IsProxiedArtifactUri(std::string_view uri);

// Maps artifact URIs to stores. Thread-safe.
class ArtifactUriResolver {
 public:
  // Resolves only proxied URIs (every other one is kInvalidArgument). `destination` is
  // borrowed and must outlive the resolver.
  explicit ArtifactUriResolver(ArtifactStore& destination);
  // `destination` and `schemes` are borrowed and must outlive the resolver. Other URIs open
  // through `schemes`; "file" directories are served only when they lie inside one of
  // `local_roots` (absolute paths; symlinks resolved), so an experiment whose artifact
  // location names "/etc" cannot read the server's files. Up to `max_stores` opened stores
  // are kept (least recently used dropped first).
  ArtifactUriResolver(ArtifactStore& destination, const ArtifactSchemeRegistry& schemes,
                      std::vector<std::string> local_roots, size_t max_stores = 64);

  // Resolves `uri` as described above. For a root that does not exist (a local directory),
  // `create` makes it; otherwise the result is kNotFound. kPermissionDenied for a local
  // directory outside every local root.
  StatusOr<ArtifactLocation> Resolve(std::string_view uri, bool create = false);

 private:
  // The store `store_uri` opens, from the cache or the registry.
  StatusOr<std::shared_ptr<ArtifactStore>> CachedStore(const std::string& store_uri, bool create);

  ArtifactStore* destination_;
  const ArtifactSchemeRegistry* schemes_;  // nullptr: proxied URIs only
  std::vector<std::string> local_roots_;   // canonical absolute paths
  size_t max_stores_;
  std::mutex mu_;
  // Most recently used first.
  std::list<std::pair<std::string, std::shared_ptr<ArtifactStore>>> lru_;  // guarded by mu_
  std::unordered_map<std::string, decltype(lru_)::iterator> by_uri_;       // guarded by mu_
};

}  // namespace inet::artifacts
