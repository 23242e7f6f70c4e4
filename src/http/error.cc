// ErrorResponse: the single map from StatusCode to an HTTP status and an MLflow error_code.
#include <boost/json.hpp>

#include "http/http.h"
#include "http/internal/error_codes.h"

namespace inet::http {
namespace {

struct Mapping {
  int http_status;
  std::string_view error_code;
};

Mapping FromStatusCode(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:  // not an error; callers should not get here, but answer sanely
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
      return {500, "INTERNAL_ERROR"};
    case StatusCode::kInvalidArgument:
      return {400, "INVALID_PARAMETER_VALUE"};
    case StatusCode::kNotFound:
      return {404, "RESOURCE_DOES_NOT_EXIST"};
    case StatusCode::kAlreadyExists:
      return {400, "RESOURCE_ALREADY_EXISTS"};
    case StatusCode::kUnauthenticated:
      return {401, "UNAUTHENTICATED"};
    case StatusCode::kPermissionDenied:
      return {403, "PERMISSION_DENIED"};
    case StatusCode::kFailedPrecondition:
      // MLflow reports state errors (e.g. writing to a deleted run) as 400
      // INVALID_PARAMETER_VALUE; its INVALID_STATE is a 500 that the client would retry.
      return {400, "INVALID_PARAMETER_VALUE"};
    case StatusCode::kAborted:
      return {409, "ABORTED"};
    case StatusCode::kResourceExhausted:
      return {429, "REQUEST_LIMIT_EXCEEDED"};
    case StatusCode::kUnimplemented:
      return {501, "NOT_IMPLEMENTED"};
    case StatusCode::kUnavailable:
      return {503, "TEMPORARILY_UNAVAILABLE"};
    case StatusCode::kDeadlineExceeded:
      return {504, "DEADLINE_EXCEEDED"};
  }
  return {500, "INTERNAL_ERROR"};
}

}  // namespace

int HttpStatusForErrorCode(std::string_view error_code) {
  struct Row {
    std::string_view code;
    int status;
  };
  // MLflow's ErrorCode -> HTTP table (mlflow/server/handlers.py semantics).
  static constexpr Row kRows[] = {
      {"INVALID_PARAMETER_VALUE", 400},
      {"BAD_REQUEST", 400},
      {"RESOURCE_ALREADY_EXISTS", 400},
      {"CUSTOMER_UNAUTHORIZED", 401},
      {"UNAUTHENTICATED", 401},
      {"PERMISSION_DENIED", 403},
      {"RESOURCE_DOES_NOT_EXIST", 404},
      {"NOT_FOUND", 404},
      {"ENDPOINT_NOT_FOUND", 404},
      {"ABORTED", 409},
      {"RESOURCE_CONFLICT", 409},
      {"ALREADY_EXISTS", 409},
      {"REQUEST_LIMIT_EXCEEDED", 429},
      {"RESOURCE_EXHAUSTED", 429},
      {"CANCELLED", 499},
      {"INTERNAL_ERROR", 500},
      {"INVALID_STATE", 500},
      {"DATA_LOSS", 500},
      {"NOT_IMPLEMENTED", 501},
      {"TEMPORARILY_UNAVAILABLE", 503},
      {"DEADLINE_EXCEEDED", 504},
  };
  for (const Row& row : kRows) {
    if (row.code == error_code) return row.status;
  }
  return 0;
}

Response ErrorResponse(const Status& status, std::string_view error_code) {
  Mapping m = FromStatusCode(status.code());
  if (!error_code.empty()) {
    m.error_code = error_code;
    if (int s = HttpStatusForErrorCode(error_code); s != 0) m.http_status = s;
  }
  boost::json::object body;
  body.emplace("error_code", boost::json::string_view(m.error_code.data(), m.error_code.size()));
  body.emplace("message", status.message());
  return Response::Json(boost::json::serialize(body), m.http_status);
}

}  // namespace inet::http
