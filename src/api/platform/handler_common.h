// Pieces every platform handler (jobs, snapshots, artifacts) shares: typed query parameters
// with the API's 400 messages and JSON responses. (An exception escaping a handler is answered
// with a 500 by the HTTP server itself.) Private to api/platform.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "http/http.h"

namespace inet::api::platform {

// A JSON response with this body and status.
http::Response JsonResponse(const boost::json::object& body, int status = 200);

// A non-negative decimal integer query parameter; `fallback` when absent or empty.
// kInvalidArgument ("... must be an integer >= 0") otherwise.
StatusOr<int64_t> IntegerQuery(const http::Request& request, std::string_view name,
                               int64_t fallback);

// max_results in 1..1000; `fallback` when absent or empty. kInvalidArgument otherwise.
StatusOr<int64_t> MaxResultsQuery(const http::Request& request, int64_t fallback);

// true/1/yes or false/0/no (any case); absent or empty is false. kInvalidArgument otherwise.
StatusOr<bool> BoolQuery(const http::Request& request, std::string_view name);

}  // namespace inet::api::platform
