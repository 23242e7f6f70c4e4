// ApiClient: the HTTP client of inet's REST API (`/api/v1/...`), used by the `inet` CLI's client
// commands. It speaks JSON for ordinary calls, streams a response body into a callback (job logs
// while they grow) and streams a file up as a request body (code snapshots), all over libcurl.
//
// Errors come back as a Status built from the server's MLflow-shaped error body: the code follows
// the HTTP status and error_code, and the message keeps both, e.g.
//   RESOURCE_DOES_NOT_EXIST: Job 'x' not found
// so the CLI can print it after "inet: ". A server that cannot be reached is kUnavailable with a
// message that says what to do next.
#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace inet::client {

namespace internal {
struct Transfer;  // one request's settings and results; defined in api_client.cc
}  // namespace internal

struct ApiClientOptions {
  int connect_timeout_seconds = 5;
  // Whole-request limit for JSON calls. Streams and uploads have none; they fail instead when
  // no byte moves for `stall_timeout_seconds`.
  int request_timeout_seconds = 120;
  int stall_timeout_seconds = 120;
  // When set and it becomes true (e.g. from a SIGINT handler), the transfer in progress stops
  // and the call returns kAborted "interrupted". Borrowed; must outlive the client.
  const std::atomic<bool>* interrupt = nullptr;
  // The team every request acts in (sent as the X-MLFLOW-WORKSPACE header, as the mlflow client
  // sends MLFLOW_WORKSPACE); "" = the server's default for the token.
  std::string team;
};

// What a streamed response carried besides its body.
struct StreamResult {
  int http_status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; the last value wins
  int64_t bytes = 0;                           // body bytes handed to the callback
};

// Receives body bytes as they arrive. Returning false stops the transfer; the call then
// returns kAborted "stopped by the caller".
using ChunkCallback = std::function<bool(std::string_view chunk)>;
// Reports upload progress: bytes sent so far and the total.
using UploadProgress = std::function<void(int64_t sent, int64_t total)>;

// One client per server. Not thread-safe: one thread makes calls at a time (the connection is
// reused between calls, which keeps `logs -f` reconnects cheap).
class ApiClient {
 public:
  // `base_url` is the server's root ("http://127.0.0.1:8080", a trailing '/' is dropped);
  // `token` is sent as "Authorization: Bearer <token>" when non-empty.
  ApiClient(std::string base_url, std::string token, ApiClientOptions options = {});
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  const std::string& base_url() const { return base_url_; }
  // Replaces ApiClientOptions::interrupt (null: none) for the calls that follow.
  void set_interrupt(const std::atomic<bool>* interrupt) { options_.interrupt = interrupt; }

  // GET `target` (path + query, already encoded; e.g. "/api/v1/jobs?state=Running") and parse
  // the JSON answer. An empty 2xx body is an empty object. Errors: the server's (see the file
  // comment); kUnavailable when unreachable; kDeadlineExceeded past the request timeout;
  // kInternal when a 2xx body is not JSON.
  StatusOr<boost::json::value> GetJson(std::string_view target);
  // POST `body` as JSON to `target`; same answers as GetJson.
  StatusOr<boost::json::value> PostJson(std::string_view target, const boost::json::value& body);
  // PUT `body` as JSON to `target`; same answers as GetJson.
  StatusOr<boost::json::value> PutJson(std::string_view target, const boost::json::value& body);
  // DELETE `target`; same answers as GetJson.
  StatusOr<boost::json::value> DeleteJson(std::string_view target);

  // GET `target`, handing the body to `on_chunk` as it arrives (no total timeout). A non-2xx
  // answer is not passed to the callback; it becomes the Status as for GetJson.
  StatusOr<StreamResult> GetStream(std::string_view target, const ChunkCallback& on_chunk);

  // POST the file at `path` as the body (streamed from disk, with a Content-Length) and parse
  // the JSON answer. kNotFound / kPermissionDenied when the file cannot be opened.
  StatusOr<boost::json::value> PostFile(std::string_view target, const std::string& path,
                                        std::string_view content_type,
                                        const UploadProgress& progress = {});

 private:
  Status Perform(internal::Transfer& transfer);

  struct CurlDeleter {
    void operator()(void* curl) const;
  };

  std::string base_url_;
  std::string token_;
  ApiClientOptions options_;
  std::unique_ptr<void, CurlDeleter> curl_;  // a CURL easy handle, reused to keep connections
};

// The Status for a non-2xx answer: the code follows the HTTP status (and error_code for
// RESOURCE_ALREADY_EXISTS); the message is "<error_code>: <message>" from an MLflow-shaped body,
// else "HTTP <status>: <start of the body>". 401s add how to log in.
Status StatusFromErrorResponse(long http_status, std::string_view body);

// Percent-encodes everything but RFC 3986 unreserved characters (for path segments and query
// values).
std::string UrlEncode(std::string_view text);

}  // namespace inet::client
