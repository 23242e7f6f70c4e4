#include "artifacts/artifact_schemes.h"

#include <cctype>
#include <utility>

namespace inet::artifacts {
namespace {

bool IsSchemeName(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string UriScheme(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || !IsSchemeName(uri.substr(0, colon))) return "";
  return Lower(uri.substr(0, colon));
}

Status ArtifactSchemeRegistry::Register(std::string_view scheme, ArtifactStoreOpener opener) {
  if (!IsSchemeName(scheme)) {
    return InvalidArgumentError("artifact URI scheme '" + std::string(scheme) +
                                "' is not a URI scheme name");
  }
  if (!openers_.emplace(Lower(scheme), std::move(opener)).second) {
    return AlreadyExistsError("artifact URI scheme '" + std::string(scheme) +
                              "' is already registered");
  }
  return OkStatus();
}

std::vector<std::string> ArtifactSchemeRegistry::Schemes() const {
  std::vector<std::string> out;
  for (const auto& [scheme, opener] : openers_) out.push_back(scheme);
  return out;
}

const ArtifactStoreOpener* ArtifactSchemeRegistry::Find(std::string_view scheme) const {
  auto it = openers_.find(Lower(scheme));
  return it == openers_.end() ? nullptr : &it->second;
}

StatusOr<std::unique_ptr<ArtifactStore>> ArtifactSchemeRegistry::Open(std::string_view uri,
                                                                      bool create) const {
  if (uri.empty()) return InvalidArgumentError("empty artifact store URI");
  std::string scheme = UriScheme(uri);
  if (scheme.empty()) scheme = "file";
  const ArtifactStoreOpener* opener = Find(scheme);
  if (opener == nullptr) {
    return InvalidArgumentError("unsupported artifact store URI '" + std::string(uri) +
                                "': no adapter for scheme '" + scheme +
                                "' (registered: " + RegisteredSchemesText(*this) + ")");
  }
  return (*opener)(uri, create);
}

std::string RegisteredSchemesText(const ArtifactSchemeRegistry& registry) {
  std::string out;
  for (const std::string& scheme : registry.Schemes()) {
    if (!out.empty()) out += ", ";
    out += scheme;
  }
  return out.empty() ? "none" : out;
}

StatusOr<std::unique_ptr<ArtifactStore>> OpenArtifactStore(std::string_view uri,
                                                           const ArtifactSchemeRegistry& schemes) {
  return schemes.Open(uri, /*create=*/true);
}

}  // namespace inet::artifacts
