#include "artifacts/artifact_uri.h"

#include <cctype>
#include <filesystem>
#include <system_error>

#include "artifacts/file_uri.h"

namespace inet::artifacts {
namespace {

constexpr std::string_view kProxyAnchor = "/api/2.0/mlflow-artifacts/artifacts";

std::string_view Scheme(std::string_view uri) {
  if (uri.empty() || !std::isalpha(static_cast<unsigned char>(uri[0]))) return {};
  for (size_t i = 1; i < uri.size(); ++i) {
    char c = uri[i];
    if (c == ':') return uri.substr(0, i);
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') break;
  }
  return {};
}

// Drops "?query" and "#fragment".
std::string_view StripQuery(std::string_view s) { return s.substr(0, s.find_first_of("?#")); }

// Key path of a proxied URI, validated ("" = destination root).
StatusOr<std::string> ProxiedPath(std::string_view uri, std::string_view scheme) {
  std::string_view rest = StripQuery(uri.substr(scheme.size() + 1));
  if (scheme == "mlflow-artifacts") {
    if (rest.starts_with("//")) {  // an authority: mlflow-artifacts://host:port/path
      size_t slash = rest.find('/', 2);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
  } else {
    size_t anchor = rest.find(kProxyAnchor);
    if (anchor == std::string_view::npos) return InvalidArgumentError("not a proxied URI");
    rest = rest.substr(anchor + kProxyAnchor.size());
    if (!rest.empty() && rest.front() != '/') return InvalidArgumentError("not a proxied URI");
  }
  ASSIGN_OR_RETURN(std::string decoded, PercentDecodeUriPath(rest));
  size_t start = decoded.find_first_not_of('/');
  std::string_view path =
      start == std::string::npos ? std::string_view() : std::string_view(decoded).substr(start);
  auto key = ValidateKey(path, /*allow_empty=*/true);
  if (!key.ok()) {
    return InvalidArgumentError("artifact URI '" + std::string(uri) +
                                "' has an unsafe path: " + key.status().message());
  }
  return std::move(key).value();
}

}  // namespace

std::string ArtifactLocation::KeyFor(std::string_view relative_path) const {
  if (relative_path.empty()) return key_prefix;
  if (key_prefix.empty()) return std::string(relative_path);
  return key_prefix + "/" + std::string(relative_path);
}

bool IsProxiedArtifactUri(std::string_view uri) {
  std::string_view scheme = Scheme(uri);
  if (scheme == "mlflow-artifacts") return true;
  if (scheme == "http" || scheme == "https") {
    std::string_view rest = StripQuery(uri);
    size_t anchor = rest.find(kProxyAnchor);
    if (anchor == std::string_view::npos) return false;
    size_t end = anchor + kProxyAnchor.size();
    return end == rest.size() || rest[end] == '/';
  }
  return false;
}

namespace {

// `path` made absolute with symlinks resolved as far as it exists (weakly_canonical).
std::string Canonical(const std::string& path) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? std::filesystem::path(path).lexically_normal().string() : canonical.string();
}

bool UnderLocalRoot(const std::string& dir, const std::vector<std::string>& roots) {
  std::string canonical = Canonical(dir);
  for (const std::string& root : roots) {
    if (canonical == root ||
        (canonical.starts_with(root) && (root.back() == '/' || canonical[root.size()] == '/'))) {
      return true;
    }
  }
  return false;
}

}  // namespace

ArtifactUriResolver::ArtifactUriResolver(ArtifactStore& destination)
    : destination_(&destination), schemes_(nullptr), max_stores_(0) {}

ArtifactUriResolver::ArtifactUriResolver(ArtifactStore& destination,
                                         const ArtifactSchemeRegistry& schemes,
                                         std::vector<std::string> local_roots, size_t max_stores)
    : destination_(&destination), schemes_(&schemes), max_stores_(max_stores) {
  for (const std::string& root : local_roots) {
    if (!root.empty()) local_roots_.push_back(Canonical(root));
  }
}

StatusOr<ArtifactLocation> ArtifactUriResolver::Resolve(std::string_view uri, bool create) {
  std::string_view scheme = Scheme(uri);
  if (IsProxiedArtifactUri(uri)) {
    ASSIGN_OR_RETURN(std::string path, ProxiedPath(uri, scheme));
    // Non-owning alias: the destination outlives the resolver and every location it returns.
    return ArtifactLocation{std::shared_ptr<ArtifactStore>(std::shared_ptr<void>(), destination_),
                            std::move(path), true};
  }
  // Lower-cased, so "FILE:///etc" is a file URI too and meets the local-root check.
  std::string scheme_name = UriScheme(uri);
  const bool is_file = scheme_name == "file" || (scheme_name.empty() && uri.starts_with("/"));
  if (is_file) scheme_name = "file";
  if (schemes_ == nullptr || scheme_name.empty() || schemes_->Find(scheme_name) == nullptr) {
    std::string registered = "mlflow-artifacts, http(s) proxy URIs";
    if (schemes_ != nullptr) registered += ", " + RegisteredSchemesText(*schemes_);
    return InvalidArgumentError(
        "unsupported artifact URI '" + std::string(uri) + "'" +
        (scheme_name.empty() ? std::string() : ": no adapter for scheme '" + scheme_name + "'") +
        " (this server resolves " + registered + ")");
  }
  if (!is_file) {
    // Another registered scheme: its adapter roots the store at the URI, keyed with the
    // scheme lower-cased so that "S3://b" and "s3://b" share one store.
    const std::string_view rest = StripQuery(uri).substr(scheme_name.size());
    ASSIGN_OR_RETURN(std::shared_ptr<ArtifactStore> store,
                     CachedStore(scheme_name + std::string(rest), create));
    return ArtifactLocation{std::move(store), "", false};
  }
  ASSIGN_OR_RETURN(std::string dir, FileUriPath(uri));
  if (dir.empty() || dir.front() != '/') {
    return InvalidArgumentError("artifact URI '" + std::string(uri) +
                                "' must name an absolute directory");
  }
  size_t start = dir.find_first_not_of('/');
  if (start != std::string::npos) {
    auto checked = ValidateKey(std::string_view(dir).substr(start), /*allow_empty=*/true);
    if (!checked.ok()) {
      return InvalidArgumentError("artifact URI '" + std::string(uri) +
                                  "' has an unsafe path: " + checked.status().message());
    }
    dir = "/" + *checked;
  } else {
    dir = "/";
  }
  if (!UnderLocalRoot(dir, local_roots_)) {
    return PermissionDeniedError("artifact location '" + std::string(uri) +
                                 "' is outside the directories this server serves; use an "
                                 "mlflow-artifacts:/ location or one under "
                                 "--default-artifact-root");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<ArtifactStore> store, CachedStore(FileUriFor(dir), create));
  return ArtifactLocation{std::move(store), "", false};
}

StatusOr<std::shared_ptr<ArtifactStore>> ArtifactUriResolver::CachedStore(
    const std::string& store_uri, bool create) {
  {
    std::lock_guard lock(mu_);
    auto it = by_uri_.find(store_uri);
    if (it != by_uri_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // Opened outside the lock: it touches the disk or the network. A racing open of the same
  // root is harmless; the first one inserted wins.
  auto opened = schemes_->Open(store_uri, create);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<ArtifactStore> store = std::move(opened).value();
  std::lock_guard lock(mu_);
  auto it = by_uri_.find(store_uri);
  if (it != by_uri_.end()) return it->second->second;
  lru_.emplace_front(store_uri, store);
  by_uri_[store_uri] = lru_.begin();
  while (lru_.size() > max_stores_) {
    by_uri_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return store;
}

}  // namespace inet::artifacts
