#include <string>
#include <string_view>

#include "artifacts/artifact_store.h"

namespace inet::artifacts {

StatusOr<std::string> ValidateKey(std::string_view key, bool allow_empty) {
  // One leading or trailing '/' is tolerated and stripped ("dir/" names a directory); anything
  // else that a filesystem or an S3 gateway could interpret as a different path is refused.
  if (!key.empty() && key.back() == '/') key.remove_suffix(1);
  if (key.empty()) {
    if (allow_empty) return std::string();
    return InvalidArgumentError("artifact key is empty");
  }
  if (key.front() == '/') return InvalidArgumentError("artifact key must be relative");
  if (key.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("artifact key contains a NUL byte");
  }
  if (key.find('\\') != std::string_view::npos) {
    return InvalidArgumentError("artifact key contains a backslash");
  }
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment.empty()) return InvalidArgumentError("artifact key has an empty segment");
    if (segment == "." || segment == "..") {
      return InvalidArgumentError("artifact key has a '.' or '..' segment");
    }
    start = end + 1;
  }
  return std::string(key);
}

}  // namespace inet::artifacts
