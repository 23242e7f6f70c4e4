#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/http.h"
#include "http/internal/error_codes.h"

namespace inet::http {
namespace {

struct Case {
  Status status;
  int http_status;
  std::string error_code;
};

TEST(ErrorResponseTest, MapsEveryStatusCode) {
  const Case cases[] = {
      {InvalidArgumentError("m"), 400, "INVALID_PARAMETER_VALUE"},
      {NotFoundError("m"), 404, "RESOURCE_DOES_NOT_EXIST"},
      {AlreadyExistsError("m"), 400, "RESOURCE_ALREADY_EXISTS"},
      {UnauthenticatedError("m"), 401, "UNAUTHENTICATED"},
      {PermissionDeniedError("m"), 403, "PERMISSION_DENIED"},
      {FailedPreconditionError("m"), 400, "INVALID_PARAMETER_VALUE"},
      {AbortedError("m"), 409, "ABORTED"},
      {ResourceExhaustedError("m"), 429, "REQUEST_LIMIT_EXCEEDED"},
      {UnimplementedError("m"), 501, "NOT_IMPLEMENTED"},
      {UnavailableError("m"), 503, "TEMPORARILY_UNAVAILABLE"},
      {DeadlineExceededError("m"), 504, "DEADLINE_EXCEEDED"},
      {InternalError("m"), 500, "INTERNAL_ERROR"},
      {DataLossError("m"), 500, "INTERNAL_ERROR"},
  };
  for (const Case& c : cases) {
    Response r = ErrorResponse(c.status);
    EXPECT_EQ(r.status, c.http_status) << c.status.ToString();
    EXPECT_EQ(r.content_type, "application/json");
    boost::json::value body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("error_code").as_string(), c.error_code) << c.status.ToString();
    EXPECT_EQ(body.at("message").as_string(), "m");
  }
}

TEST(ErrorResponseTest, OverrideCodeDrivesStatus) {
  Response r = ErrorResponse(NotFoundError("No route for GET /x"), "ENDPOINT_NOT_FOUND");
  EXPECT_EQ(r.status, 404);
  boost::json::value body = boost::json::parse(r.body);
  EXPECT_EQ(body.at("error_code").as_string(), "ENDPOINT_NOT_FOUND");

  r = ErrorResponse(InvalidArgumentError("x"), "RESOURCE_CONFLICT");
  EXPECT_EQ(r.status, 409);
  r = ErrorResponse(InvalidArgumentError("x"), "INVALID_STATE");
  EXPECT_EQ(r.status, 500);
  // A code outside MLflow's table keeps the status derived from the StatusCode.
  r = ErrorResponse(InvalidArgumentError("x"), "SOMETHING_NEW");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(boost::json::parse(r.body).at("error_code").as_string(), "SOMETHING_NEW");
}

TEST(ErrorResponseTest, EscapesMessage) {
  std::string nasty = "quote \" backslash \\ newline \n control \x01 utf8 \xc3\xa9";
  Response r = ErrorResponse(InvalidArgumentError(nasty));
  boost::json::value body = boost::json::parse(r.body);
  EXPECT_EQ(body.at("message").as_string(), nasty);
  EXPECT_EQ(r.body.find('\n'), std::string::npos);
}

TEST(ErrorCodesTest, Table) {
  EXPECT_EQ(HttpStatusForErrorCode("BAD_REQUEST"), 400);
  EXPECT_EQ(HttpStatusForErrorCode("CANCELLED"), 499);
  EXPECT_EQ(HttpStatusForErrorCode("TEMPORARILY_UNAVAILABLE"), 503);
  EXPECT_EQ(HttpStatusForErrorCode("nope"), 0);
}

}  // namespace
}  // namespace inet::http
