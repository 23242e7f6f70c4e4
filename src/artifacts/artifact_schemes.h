// The registry of artifact-store URI schemes: which adapter opens a store URI such as
// "file:///srv/artifacts" (and "s3://bucket/prefix" once the S3 adapter registers itself).
// Only the composition root (src/server) fills it, naming the adapters; everything else opens
// stores through it (OpenArtifactStore, ArtifactUriResolver), so no other code names an adapter.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "artifacts/artifact_store.h"

namespace inet::artifacts {

// Opens the store the whole `uri` names (rooted where the URI points). `create`: make a
// missing root where the scheme can (a directory); otherwise a missing root is kNotFound.
using ArtifactStoreOpener =
    std::function<StatusOr<std::unique_ptr<ArtifactStore>>(std::string_view uri, bool create)>;

// The scheme of `uri` as RFC 3986 spells it (a letter, then letters, digits, '+', '-', '.',
// up to the ':'), lower-cased; "" when `uri` has none (a bare path).
std::string UriScheme(std::string_view uri);

// Scheme name -> opener. Register during start-up, before the registry is shared; the const
// methods are then thread-safe.
class ArtifactSchemeRegistry {
 public:
  // kInvalidArgument for a malformed scheme name, kAlreadyExists when it is registered.
  Status Register(std::string_view scheme, ArtifactStoreOpener opener);

  // The registered schemes, sorted.
  std::vector<std::string> Schemes() const;
  // The opener for `scheme` (case-insensitive); nullptr when none is registered.
  const ArtifactStoreOpener* Find(std::string_view scheme) const;

  // Opens `uri` with its scheme's opener; a bare path (no scheme) counts as "file".
  // kInvalidArgument naming the registered schemes when its scheme has no opener, e.g.
  //   unsupported artifact store URI 'gs://b': no adapter for scheme 'gs' (registered: file)
  StatusOr<std::unique_ptr<ArtifactStore>> Open(std::string_view uri, bool create) const;

 private:
  std::map<std::string, ArtifactStoreOpener, std::less<>> openers_;
};

// The factory the composition root uses for --artifacts-root: the store `uri` names, opened
// by its scheme's adapter in `schemes` (a bare path is "file"), its root created when missing.
// kInvalidArgument naming the registered schemes for an unknown one.
StatusOr<std::unique_ptr<ArtifactStore>> OpenArtifactStore(std::string_view uri,
                                                           const ArtifactSchemeRegistry& schemes);

// "file, s3": how messages list what `registry` holds ("none" when empty).
std::string RegisteredSchemesText(const ArtifactSchemeRegistry& registry);

}  // namespace inet::artifacts
