#include "api/platform/handler_common.h"

#include <cctype>
#include <optional>
#include <string>

namespace inet::api::platform {

http::Response JsonResponse(const boost::json::object& body, int status) {
  return http::Response::Json(boost::json::serialize(body), status);
}

StatusOr<int64_t> IntegerQuery(const http::Request& request, std::string_view name,
                               int64_t fallback) {
  std::optional<std::string> raw = request.Query(name);
  if (!raw || raw->empty()) return fallback;
  // 18 digits always fit in int64_t.
  bool digits = raw->size() <= 18;
  for (char c : *raw) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    return InvalidArgumentError("Invalid value '" + *raw + "' for parameter '" + std::string(name) +
                                "': must be an integer >= 0");
  }
  return std::stoll(*raw);
}

StatusOr<int64_t> MaxResultsQuery(const http::Request& request, int64_t fallback) {
  StatusOr<int64_t> n = IntegerQuery(request, "max_results", fallback);
  if (!n.ok() || *n < 1 || *n > 1000) {
    return InvalidArgumentError("Invalid value '" + request.Query("max_results").value_or("") +
                                "' for parameter 'max_results': must be between 1 and 1000");
  }
  return n;
}

StatusOr<bool> BoolQuery(const http::Request& request, std::string_view name) {
  std::optional<std::string> raw = request.Query(name);
  if (!raw) return false;
  std::string v;
  for (char c : *raw) v.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v.empty() || v == "false" || v == "0" || v == "no") return false;
  return InvalidArgumentError("Invalid value '" + *raw + "' for parameter '" + std::string(name) +
                              "': must be true or false");
}

}  // namespace inet::api::platform
