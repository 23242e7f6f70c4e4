// The HTTP core's public interface: requests, responses, routing and the server.
//
// The server is Boost.Beast on an Asio io_context: connections are C++20 coroutines; handlers
// are plain synchronous functions run on a bounded worker pool (`workers`), so a handler may
// block on the database. Bodies are buffered (up to a limit, 413 past it) unless the route asks
// for a streaming body, in which case the handler reads it from `Request::body_stream` in
// chunks; a response may likewise stream from a ByteSource. Every request except those on
// public routes is authenticated on its headers, before any byte of its body is read.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/identity.h"
#include "common/io.h"
#include "common/status.h"

namespace inet::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method m);

struct Request {
  Method method = Method::kGet;
  std::string target;  // as received: path + query, still percent-encoded
  std::string path;    // percent-decoded path without the query; repeated '/' collapsed
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::map<std::string, std::string> path_params;            // from {name} / {name...}
  std::string body;  // the whole body, unless the route streams it
  ByteSource* body_stream =
      nullptr;  // streaming routes only; the complete body, during the handler
  std::optional<uint64_t> content_length;
  Identity identity;  // set by authentication before the handler runs
  std::string remote_address;

  // First header with this (case-insensitive) name, or empty.
  std::string_view Header(std::string_view name) const;
  // First query value for `name`, if present.
  std::optional<std::string> Query(std::string_view name) const;
  // Every query value for `name`, in order (repeated keys: `experiment_ids=1&experiment_ids=2`).
  std::vector<std::string> QueryAll(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is streamed from here instead of `body`; `stream_length` >= 0 gives a
  // Content-Length, otherwise the response is chunked. Each chunk is read on a worker. A
  // LiveByteSource (common/live_byte_source.h) is polled instead: asked for what it has now,
  // and, while it has nothing, asked again from a timer, so a following client never holds a
  // worker while it waits.
  std::unique_ptr<ByteSource> stream;
  int64_t stream_length = -1;

  static Response Json(std::string body, int status = 200);
  static Response Text(std::string body, int status = 200);
};

// Renders a non-OK Status as an MLflow-shaped JSON error response:
// {"error_code": "...", "message": "..."}. This is the one place where StatusCode maps to an
// HTTP status and an MLflow error code. `error_code` overrides the derived code (for example
// ENDPOINT_NOT_FOUND) when non-empty.
Response ErrorResponse(const Status& status, std::string_view error_code = {});

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  // The handler reads Request::body_stream; no size limit applied. The server receives the
  // whole body first (past 256 KiB into an unlinked spool file), so the handler runs only
  // once it is complete and a slow client never holds a worker.
  bool stream_body = false;
  bool public_route = false;  // no authentication (health, version)
  // The handler authorizes scoped tokens itself (api/authorization.h). On every other route the
  // server refuses a scoped identity (an attempt token) with 403 before the handler runs.
  bool scoped_tokens = false;
};

// Maps (method, path) to a handler. Patterns are literal segments, `{name}` (one non-empty
// segment) or a final `{name...}` (the rest of the path, one or more segments, may contain '/').
// Literal segments win over `{name}`, which wins over `{name...}`. A HEAD request with no HEAD
// route uses the GET route (the server then sends headers only). Adding the same method and
// pattern twice keeps the first. Built once at start-up (Add is not thread-safe), then read
// concurrently without locks. Movable, not copyable.
class Router {
 public:
  struct Route {
    Method method;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
  };
  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
  };

  void Add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});

  // The best route for this method and decoded path, or nullopt. `path_exists` (optional) is
  // set when some route matches the path with another method.
  std::optional<Match> Find(Method method, std::string_view path,
                            bool* path_exists = nullptr) const;

  // Methods that have a route matching `path`, in enum order (for a 405's Allow header).
  std::vector<Method> AllowedMethods(std::string_view path) const;

  // Every route, in the order added (the route table, for GET /api/v1/routes).
  std::vector<const Route*> Routes() const;

  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

 private:
  struct Node;                                  // a trie node per path position; see router.cc
  std::vector<std::unique_ptr<Route>> routes_;  // stable addresses for Match::route
  std::unique_ptr<Node> root_;
};

// Decides who a request comes from. Implementations must be thread-safe. The server calls it
// before reading the request's body, so `request.body` is empty and `body_stream` null: only
// the method, target, path, query, headers and remote address are set.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // kUnauthenticated when the credentials are missing or wrong.
  virtual StatusOr<Identity> Authenticate(const Request& request) = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  int workers = 0;       // handler threads; 0 = 2 x hardware threads (at least 4)
  int io_threads = 1;    // threads running the Asio event loop
  size_t max_body_bytes = 64 * 1024 * 1024;  // buffered bodies beyond this get 413
  int header_timeout_seconds = 30;           // to receive a request's header
  int body_timeout_seconds = 60;             // between body chunks, and per response write
  // After its first body_timeout_seconds a request body must have averaged this rate (0: no
  // minimum), so that a client trickling bytes cannot hold a connection for ever.
  uint64_t body_min_bytes_per_second = 1024;
  // Where streaming routes' bodies are spooled while they arrive (unlinked files); empty: the
  // system's temporary directory.
  std::string spool_dir;
  int idle_timeout_seconds = 75;    // keep-alive idle
  int shutdown_grace_seconds = 30;  // in-flight requests get this long on Stop()
  // Open connections, in total and from one client address; a connection past either limit
  // is answered 503 and closed. 0 = no limit.
  int max_connections = 1024;
  int max_connections_per_client = 256;
  bool access_log = true;  // one line per request
};

// The HTTP server. Start() binds and begins serving on background threads; Stop() stops
// accepting, lets in-flight requests finish (up to the grace period), closes idle
// connections and joins every thread. Thread-safe: Stop() may be called from any thread,
// including a signal-watching one, but not from a handler or a ByteSource the server reads
// (it joins the threads those run on). Stop() is idempotent; a server cannot be restarted.
class Server {
 public:
  Server(ServerOptions options, const Router& router, Authenticator& authenticator);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens without serving yet: connections wait in the backlog until Start().
  // Lets the caller learn port() (with port 0) and finish registering routes that need the
  // server's URL before the first request is handled. kUnavailable if the address cannot be
  // bound; kFailedPrecondition if called twice.
  Status Listen();
  // Starts serving, binding first if Listen() was not called. kUnavailable if the address
  // cannot be bound.
  Status Start();
  // The bound port (useful with port 0). Valid after a successful Listen() or Start().
  uint16_t port() const;
  void Stop();
  // Blocks until Stop() has completed.
  void Wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inet::http
