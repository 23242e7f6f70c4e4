// ApiClient against a real http::Server on a loopback port picked by the kernel.
#include "client/api_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "http/http.h"
#include "http/testing/fake_authenticator.h"

namespace inet::client {
namespace {

namespace json = boost::json;

// Yields `chunks` pieces of text, one per Read, pausing between them; stops early once `stop`.
class SlowSource : public ByteSource {
 public:
  SlowSource(int chunks, std::atomic<bool>* stop) : chunks_(chunks), stop_(stop) {}
  StatusOr<size_t> Read(char* buf, size_t n) override {
    if (produced_ == chunks_ || (stop_ != nullptr && stop_->load())) return size_t{0};
    if (produced_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::string piece = "line " + std::to_string(produced_++) + "\n";
    size_t count = std::min(n, piece.size());
    piece.copy(buf, count);
    return count;
  }

 private:
  int chunks_;
  int produced_ = 0;
  std::atomic<bool>* stop_;
};

class ApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_.Allow("secret", Identity{"alice", "t1", false});
    router_.Add(http::Method::kGet, "/api/v1/echo", [](http::Request& request) {
      json::object answer;
      answer["authorization"] = std::string(request.Header("authorization"));
      answer["state"] = request.Query("state").value_or("");
      return http::Response::Json(json::serialize(answer));
    });
    router_.Add(http::Method::kPost, "/api/v1/echo", [](http::Request& request) {
      json::object answer;
      answer["content_type"] = std::string(request.Header("content-type"));
      answer["body"] = json::parse(request.body);
      return http::Response::Json(json::serialize(answer), 201);
    });
    router_.Add(http::Method::kDelete, "/api/v1/tokens/{id}", [](http::Request& request) {
      json::object answer;
      answer["deleted"] = request.path_params["id"];
      return http::Response::Json(json::serialize(answer));
    });
    router_.Add(http::Method::kGet, "/api/v1/jobs/{id}", [](http::Request& request) {
      return http::ErrorResponse(
          NotFoundError("Job '" + request.path_params["id"] + "' not found"));
    });
    router_.Add(http::Method::kGet, "/api/v1/html", [](http::Request&) {
      http::Response response = http::Response::Text("<html>hello</html>");
      return response;
    });
    router_.Add(http::Method::kGet, "/api/v1/empty",
                [](http::Request&) { return http::Response::Text("", 200); });
    router_.Add(http::Method::kGet, "/api/v1/teapot",
                [](http::Request&) { return http::Response::Text("short and stout", 418); });
    router_.Add(http::Method::kGet, "/api/v1/stream", [this](http::Request&) {
      http::Response response;
      response.content_type = "text/plain; charset=utf-8";
      response.headers.emplace_back("X-Inet-Job-State", "Running");
      response.stream = std::make_unique<SlowSource>(5, &stop_streams_);
      return response;
    });
    router_.Add(http::Method::kGet, "/api/v1/endless", [this](http::Request&) {
      http::Response response;
      response.content_type = "text/plain; charset=utf-8";
      response.stream = std::make_unique<SlowSource>(100000, &stop_streams_);
      return response;
    });
    router_.Add(
        http::Method::kPost, "/api/v1/snapshots",
        [](http::Request& request) {
          StatusOr<std::string> body = ReadAll(*request.body_stream, 64 << 20);
          if (!body.ok()) return http::ErrorResponse(body.status());
          json::object answer;
          answer["size"] = body->size();
          answer["content_type"] = std::string(request.Header("content-type"));
          answer["content_length"] = request.content_length.value_or(0);
          char head[16];
          std::snprintf(head, sizeof(head), "%02x%02x%02x", static_cast<unsigned char>((*body)[0]),
                        static_cast<unsigned char>((*body)[1]),
                        static_cast<unsigned char>((*body)[2]));
          answer["head"] = head;
          return http::Response::Json(json::serialize(answer), 201);
        },
        http::RouteOptions{.stream_body = true, .public_route = false});
    http::ServerOptions options;
    options.port = 0;
    options.access_log = false;
    options.shutdown_grace_seconds = 5;
    server_ = std::make_unique<http::Server>(options, router_, auth_);
    ASSERT_TRUE(server_->Start().ok());
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override {
    stop_streams_ = true;
    server_->Stop();
  }

  http::Router router_;
  http::testing::FakeAuthenticator auth_;
  std::unique_ptr<http::Server> server_;
  std::string url_;
  std::atomic<bool> stop_streams_{false};
};

TEST_F(ApiClientTest, GetJsonSendsTheTokenAndParsesTheAnswer) {
  ApiClient client(url_ + "/", "secret");
  StatusOr<json::value> answer = client.GetJson("/api/v1/echo?state=Running");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->at("authorization").as_string(), "Bearer secret");
  EXPECT_EQ(answer->at("state").as_string(), "Running");
  EXPECT_EQ(client.base_url(), url_);  // trailing '/' dropped
}

TEST_F(ApiClientTest, PostJsonSendsJson) {
  ApiClient client(url_, "secret");
  StatusOr<json::value> answer = client.PostJson("/api/v1/echo", json::parse(R"({"a":[1,2]})"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->at("content_type").as_string(), "application/json");
  EXPECT_EQ(json::serialize(answer->at("body")), R"({"a":[1,2]})");
}

TEST_F(ApiClientTest, DeleteJsonSendsDelete) {
  ApiClient client(url_, "secret");
  StatusOr<json::value> answer = client.DeleteJson("/api/v1/tokens/tok-1");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->at("deleted").as_string(), "tok-1");
  // The next request on the reused handle is a GET again.
  StatusOr<json::value> get = client.GetJson("/api/v1/echo?state=x");
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->at("state").as_string(), "x");
}

TEST_F(ApiClientTest, ServerErrorsKeepTheirCodeAndMessage) {
  ApiClient client(url_, "secret");
  StatusOr<json::value> answer = client.GetJson("/api/v1/jobs/x");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(answer.status().message(), "RESOURCE_DOES_NOT_EXIST: Job 'x' not found");
}

TEST_F(ApiClientTest, WrongTokenSaysHowToLogIn) {
  ApiClient client(url_, "wrong");
  StatusOr<json::value> answer = client.GetJson("/api/v1/echo");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(answer.status().message().find("inet login"), std::string::npos)
      << answer.status().message();
}

TEST_F(ApiClientTest, NonJsonAnswersAreErrorsThatNameTheServer) {
  ApiClient client(url_, "secret");
  StatusOr<json::value> html = client.GetJson("/api/v1/html");
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.status().code(), StatusCode::kInternal);
  EXPECT_NE(html.status().message().find("INET_URL"), std::string::npos);

  StatusOr<json::value> teapot = client.GetJson("/api/v1/teapot");
  ASSERT_FALSE(teapot.ok());
  EXPECT_EQ(teapot.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(teapot.status().message(), "HTTP 418: short and stout");

  StatusOr<json::value> empty = client.GetJson("/api/v1/empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->is_object());
}

TEST_F(ApiClientTest, StreamsTheBodyAndReportsHeaders) {
  ApiClient client(url_, "secret");
  std::string received;
  int calls = 0;
  StatusOr<StreamResult> result = client.GetStream("/api/v1/stream", [&](std::string_view chunk) {
    received.append(chunk);
    ++calls;
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(received, "line 0\nline 1\nline 2\nline 3\nline 4\n");
  EXPECT_EQ(result->bytes, static_cast<int64_t>(received.size()));
  EXPECT_EQ(result->http_status, 200);
  EXPECT_EQ(result->headers["x-inet-job-state"], "Running");
  EXPECT_GE(calls, 1);
}

TEST_F(ApiClientTest, StreamErrorsAreNotPassedToTheCallback) {
  ApiClient client(url_, "secret");
  std::string received;
  StatusOr<StreamResult> result = client.GetStream("/api/v1/jobs/gone", [&](std::string_view c) {
    received.append(c);
    return true;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(received, "");
}

TEST_F(ApiClientTest, CallbackCanStopAStream) {
  ApiClient client(url_, "secret");
  StatusOr<StreamResult> result =
      client.GetStream("/api/v1/endless", [](std::string_view) { return false; });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAborted);
  EXPECT_EQ(result.status().message(), "stopped by the caller");
}

TEST_F(ApiClientTest, InterruptFlagStopsAStream) {
  std::atomic<bool> interrupt{false};
  ApiClientOptions options;
  options.interrupt = &interrupt;
  ApiClient client(url_, "secret", options);
  StatusOr<StreamResult> result = client.GetStream("/api/v1/endless", [&](std::string_view) {
    interrupt = true;  // as a SIGINT handler would
    return true;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAborted);
  EXPECT_EQ(result.status().message(), "interrupted");
}

TEST_F(ApiClientTest, UploadsAFileWithItsLength) {
  std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("inet-client-upload-" + std::to_string(getpid()));
  std::string contents(3 * 1024 * 1024 + 17, 'x');
  contents.replace(0, 2, "\x1f\x8b");
  {
    std::ofstream out(file, std::ios::binary);
    out << contents;
  }
  ApiClient client(url_, "secret");
  int64_t last_sent = 0;
  int64_t last_total = 0;
  StatusOr<json::value> answer = client.PostFile(
      "/api/v1/snapshots", file.string(), "application/gzip", [&](int64_t sent, int64_t total) {
        last_sent = sent;
        last_total = total;
      });
  std::filesystem::remove(file);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->at("size").to_number<int64_t>(), static_cast<int64_t>(contents.size()));
  EXPECT_EQ(answer->at("content_length").to_number<int64_t>(),
            static_cast<int64_t>(contents.size()));
  EXPECT_EQ(answer->at("content_type").as_string(), "application/gzip");
  EXPECT_EQ(answer->at("head").as_string(), "1f8b78");
  EXPECT_EQ(last_total, static_cast<int64_t>(contents.size()));
  EXPECT_LE(last_sent, last_total);
}

TEST_F(ApiClientTest, MissingUploadFileIsNotFound) {
  ApiClient client(url_, "secret");
  StatusOr<json::value> answer =
      client.PostFile("/api/v1/snapshots", "/nonexistent/inet/file.tar.gz", "application/gzip");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kNotFound);
}

TEST(ApiClientUnreachableTest, RefusedConnectionSaysHowToStartTheServer) {
  // A port that was just free: bind a server, note its port, stop it.
  http::Router router;
  http::testing::FakeAuthenticator auth;
  http::ServerOptions options;
  options.port = 0;
  options.access_log = false;
  uint16_t port = 0;
  {
    http::Server server(options, router, auth);
    ASSERT_TRUE(server.Start().ok());
    port = server.port();
    server.Stop();
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  ApiClient client(url, "");
  StatusOr<json::value> answer = client.GetJson("/api/v1/capacity");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(answer.status().message(), "cannot reach the inet server at " + url +
                                           ": connection refused; start it with `inet server` "
                                           "or set INET_URL");
}

TEST(ApiClientUnreachableTest, MalformedUrlIsInvalidArgument) {
  ApiClient client("ftp://example.invalid", "");
  StatusOr<json::value> answer = client.GetJson("/api/v1/capacity");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kInvalidArgument);
}

TEST(StatusFromErrorResponseTest, MapsStatusesAndCodes) {
  EXPECT_EQ(StatusFromErrorResponse(
                400, R"({"error_code":"INVALID_PARAMETER_VALUE","message":"bad memory"})"),
            InvalidArgumentError("INVALID_PARAMETER_VALUE: bad memory"));
  EXPECT_EQ(
      StatusFromErrorResponse(400, R"({"error_code":"RESOURCE_ALREADY_EXISTS","message":"m"})")
          .code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusFromErrorResponse(409, R"({"error_code":"ABORTED","message":"m"})").code(),
            StatusCode::kAborted);
  EXPECT_EQ(
      StatusFromErrorResponse(413, R"({"error_code":"RESOURCE_EXHAUSTED","message":"m"})").code(),
      StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusFromErrorResponse(503, "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromErrorResponse(500, "").message(), "HTTP 500");
}

TEST(UrlEncodeTest, KeepsUnreservedOnly) {
  EXPECT_EQ(UrlEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(UrlEncode("a b/c&d=é"), "a%20b%2Fc%26d%3D%C3%A9");
}

}  // namespace
}  // namespace inet::client
