// The MLflow error_code -> HTTP status table, shared by ErrorResponse and its tests.
#pragma once

#include <string_view>

namespace inet::http {

// The HTTP status MLflow uses for `error_code` (e.g. ENDPOINT_NOT_FOUND -> 404), or 0 when the
// code is not in MLflow's table. Thread-safe (pure).
int HttpStatusForErrorCode(std::string_view error_code);

}  // namespace inet::http
