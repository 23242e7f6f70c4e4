// "file" artifact URIs: the directory such a URI names, and the URI for a directory. Shared by
// the local adapter (which opens the directory) and the URI resolver (which checks it against
// the directories the server may serve). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace inet::artifacts {

// %XX escapes decoded. kInvalidArgument for a malformed escape.
StatusOr<std::string> PercentDecodeUriPath(std::string_view s);

// The directory `uri` names: file:///abs/dir, file://localhost/abs/dir and file:/abs/dir
// (percent-decoded, "?query" and "#fragment" dropped), or a bare path returned as given
// (a relative one stays relative). kInvalidArgument for another host or a malformed escape.
StatusOr<std::string> FileUriPath(std::string_view uri);

// "file://" + `absolute_dir` with '%', '?' and '#' escaped, so FileUriPath returns it intact.
std::string FileUriFor(std::string_view absolute_dir);

}  // namespace inet::artifacts
