// Request-target parsing: splits "/path?query" and percent-decodes both halves, the one place
// that decides what path a handler and the router see.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace inet::http::internal {

// Parses an origin-form ("/a%20b?x=1") or absolute-form ("http://h:1/a") request target.
// `path` gets the percent-decoded path, runs of literal '/' collapsed to one before decoding
// (so an encoded "%2F" is kept as written: "/a/%2Fb" -> "/a//b"; '+' stays '+');
// `query` the decoded key/value pairs in order ('+' means space; "k" alone gives an empty
// value; empty pieces from "&&" are skipped). Both outputs are overwritten.
// kInvalidArgument when the target does not start with '/', an escape is malformed ("%zz",
// "%4"), or the decoded path contains a NUL byte. Thread-safe (pure).
Status ParseTarget(std::string_view target, std::string& path,
                   std::vector<std::pair<std::string, std::string>>& query);

// Appends the percent-decoding of `in` to `out`; `plus_is_space` for query components.
// kInvalidArgument on a malformed escape.
Status PercentDecode(std::string_view in, bool plus_is_space, std::string& out);

}  // namespace inet::http::internal
