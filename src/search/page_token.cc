// Page tokens: base64 of {"offset": N}, decoded strictly so garbage is a 400, never a crash.
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "search/search.h"

namespace inet::search {
namespace {

// Echoes decoded bytes in an error message: printable ASCII only, and not too much of it.
std::string Printable(std::string_view bytes) {
  constexpr size_t kMax = 100;
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < kMax; ++i) {
    const char c = bytes[i];
    out += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  if (bytes.size() > kMax) {
    out += "...";
  }
  return out;
}

}  // namespace

std::string EncodePageToken(int64_t offset) {
  // json.dumps({"offset": N}) spacing, so tokens match MLflow's byte for byte.
  return Base64Encode("{\"offset\": " + std::to_string(offset) + "}");
}

StatusOr<int64_t> DecodePageToken(std::string_view token) {
  if (token.empty()) {
    return int64_t{0};
  }
  const std::optional<std::string> decoded = Base64Decode(token);
  if (!decoded.has_value()) {
    return InvalidArgumentError("Invalid page token, could not base64-decode");
  }
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(*decoded, ec);
  if (ec) {
    return InvalidArgumentError("Invalid page token, decoded value=" + Printable(*decoded));
  }
  const boost::json::object* object = parsed.if_object();
  const boost::json::value* offset = object != nullptr ? object->if_contains("offset") : nullptr;
  if (offset == nullptr) {
    return InvalidArgumentError("Invalid page token, parsed value=" + Printable(*decoded));
  }
  if (const int64_t* n = offset->if_int64()) {
    if (*n >= 0) {
      return *n;
    }
  } else if (const uint64_t* u = offset->if_uint64();
             u != nullptr && *u <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(*u);
  }
  return InvalidArgumentError("Invalid page token, offset must be a non-negative integer: " +
                              Printable(*decoded));
}

}  // namespace inet::search
