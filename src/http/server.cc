// Server: Boost.Beast coroutines on an Asio io_context, handlers on a bounded worker pool.
//
// Each connection is one coroutine on its own strand. It reads a request header, routes it,
// reads a buffered body (or hands a socket-backed ByteSource to a streaming handler), then
// hops to the worker pool to authenticate and run the handler, and hops back to write the
// response. No handler or ByteSource read ever runs on an io thread. See docs/design/http.md.
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/live_byte_source.h"
#include "http/http.h"
#include "http/internal/body_spool.h"
#include "http/internal/target.h"

namespace inet::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using std::chrono::seconds;

constexpr size_t kHeaderLimit = 64 * 1024;   // MLflow search filters travel in query strings
constexpr size_t kReadSize = 16 * 1024;      // first read of an idle connection
constexpr size_t kDrainLimit = 4 << 20;      // unread body we discard to keep a connection
constexpr size_t kLingerLimit = 8 << 20;     // discarded after an early error, before close
constexpr auto kLingerTime = seconds(2);     // bound on that discarding
constexpr size_t kStreamChunk = 256 * 1024;  // streamed response chunk
constexpr size_t kSpoolMemory = 256 * 1024;  // streaming request bodies past this are spooled
constexpr auto kLivePollMin = std::chrono::milliseconds(100);   // a live stream with nothing
constexpr auto kLivePollMax = std::chrono::milliseconds(1000);  // new is polled this often
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// What happens to the connection after a response.
enum class Next { kKeepAlive, kClose, kLingerClose };

// One accepted socket. Owned by its coroutine; shared with lambdas that Stop() posts to the
// connection's strand, which may run after the coroutine has finished (hence shared_ptr).
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;  // its executor is this connection's strand
  std::string remote;        // address:port, for logs
  std::string address;       // the client's address, for the per-client connection limit
  bool idle = false;         // strand-only: waiting for the first byte of the next request
};

// A request body as the connection's coroutine received it: whole in memory, or (streaming
// routes past kSpoolMemory) in a spool file.
struct ReceivedBody {
  enum class Outcome {
    kComplete,
    kTooLarge,    // a buffered body past max_body_bytes
    kMalformed,   // bad chunk framing
    kStalled,     // no progress within the idle / minimum-rate bounds (the socket is closed)
    kClientGone,  // the client closed or reset the connection mid-body
    kSpoolFailed  // the spool file could not be created or written (a full disk)
  };
  Outcome outcome = Outcome::kComplete;
  std::string memory;
  std::unique_ptr<internal::BodySpool> spool;
  std::string detail;  // for kMalformed, kStalled, kSpoolFailed
};

// True when the peer has closed (or reset) its side: a non-blocking peek, for a connection
// that is only written to (a followed log) and would otherwise notice only at its next write.
bool PeerGone(beast::tcp_stream& stream) {
  if (!stream.socket().is_open()) return true;
  char c;
  ssize_t n = ::recv(stream.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

// Transfer-Encoding other than exactly "chunked": a framing the server cannot read, so it
// cannot tell where the body ends (RFC 9112 6.1: 501 and close).
bool UnsupportedTransferEncoding(std::string_view te) {
  while (!te.empty() && (te.front() == ' ' || te.front() == '\t')) te.remove_prefix(1);
  while (!te.empty() && (te.back() == ' ' || te.back() == '\t')) te.remove_suffix(1);
  return !beast::iequals(te, "chunked");
}

template <class Body>
void FillHeader(bhttp::response<Body>& r, const Response& res, bool keep_alive) {
  r.result(static_cast<unsigned>(res.status));
  if (!res.content_type.empty()) r.set(bhttp::field::content_type, res.content_type);
  for (const auto& [name, value] : res.headers) {
    if (name.empty() || HasCrLf(name) || HasCrLf(value)) {
      spdlog::error("http: dropping response header with CR/LF or no name: {}", name);
      continue;
    }
    r.insert(name, value);
  }
  r.keep_alive(keep_alive);
}

Response TooLarge(std::optional<uint64_t> size, size_t limit) {
  std::string message = size ? "Request body is " + std::to_string(*size) + " bytes"
                             : "Request body is more than " + std::to_string(limit) + " bytes";
  Response r = ErrorResponse(
      InvalidArgumentError(message + "; the limit is " + std::to_string(limit) + " bytes"));
  r.status = 413;
  return r;
}

ServerOptions WithDefaults(ServerOptions options) {
  if (options.spool_dir.empty()) {
    std::error_code ec;
    std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
    options.spool_dir = (ec ? std::filesystem::path("/tmp") : tmp).string();
  }
  return options;
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, const Router& router, Authenticator& authenticator)
      : options_(WithDefaults(std::move(options))),
        router_(router),
        auth_(authenticator),
        ioc_(std::max(1, options_.io_threads)),
        acceptor_(asio::make_strand(ioc_)) {}

  ~Impl() { Stop(); }

  Status Listen();
  Status Start();
  uint16_t port() const { return port_; }
  void Stop();
  void Wait();

 private:
  struct Written {
    bool ok = false;          // the whole response went out
    bool keep_alive = false;  // and the connection may carry another request
    uint64_t bytes = 0;
  };

  asio::awaitable<void> AcceptLoop();
  // Answers a connection past the connection limits with 503 and closes it.
  asio::awaitable<void> Refuse(std::shared_ptr<Connection> conn, std::string reason);
  asio::awaitable<void> Session(std::shared_ptr<Connection> conn);
  asio::awaitable<Next> Serve(Connection& conn, beast::flat_buffer& buffer,
                              bhttp::request_parser<bhttp::empty_body>& header);
  // Reads the request body in the connection's coroutine (never on a worker): into memory up to
  // max_body_bytes for buffered routes; for streaming routes (`spool`) into memory up to
  // kSpoolMemory and past that into a spool file, written on the pool.
  asio::awaitable<ReceivedBody> ReceiveBody(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                            bhttp::request_parser<bhttp::empty_body>& header,
                                            bool spool, bool send_continue);
  asio::awaitable<bool> Drain(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                              bhttp::request_parser<bhttp::buffer_body>& parser, size_t limit);
  asio::awaitable<Written> Write(beast::tcp_stream& stream, Response& res, bool head,
                                 bool keep_alive, unsigned version);
  asio::awaitable<void> Linger(beast::tcp_stream& stream);
  // Authenticates `req` on its headers, setting req.identity. The error response (401 with
  // WWW-Authenticate, or what the authenticator's status maps to) when it fails. Pool only.
  std::optional<Response> Authenticate(Request& req);
  // Authenticates (unless public or `authenticated`) and runs the handler. Pool only.
  Response Dispatch(const Router::Route& route, Request& req, bool authenticated);
  void CloseConnections(bool idle_only);
  void RunIo();

  // Runs `f` on the worker pool and resumes the calling coroutine on its own executor.
  // `f` must not throw. The work guard keeps the io_context alive while `f` runs.
  template <typename F>
  asio::awaitable<void> OnPool(F& f) {
    auto init = [this, &f](auto handler) {
      auto work = asio::make_work_guard(asio::get_associated_executor(handler));
      asio::post(*pool_, [&f, handler = std::move(handler), work = std::move(work)]() mutable {
        f();
        asio::post(std::move(handler));
        work.reset();
      });
    };
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(init, asio::use_awaitable);
  }

  enum class State { kIdle, kListening, kRunning, kStopping, kStopped };

  const ServerOptions options_;
  const Router& router_;
  Authenticator& auth_;
  std::atomic<bool> stopping_{false};
  uint16_t port_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::kIdle;                                              // guarded by mu_
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;  // guarded by mu_
  std::unordered_map<std::string, int> per_client_;  // open connections by address; mu_

  std::optional<asio::thread_pool> pool_;  // handlers; created by Start()
  // Destroyed before the members above: pending coroutine frames it destroys unregister
  // themselves through mu_/connections_.
  asio::io_context ioc_;
  tcp::acceptor acceptor_;  // on its own strand
  std::vector<std::thread> io_threads_;
};

Status Server::Impl::Listen() {
  std::lock_guard lock(mu_);
  if (state_ != State::kIdle) return FailedPreconditionError("server already listening");
  std::string where = options_.host + ":" + std::to_string(options_.port);
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results =
        resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return UnavailableError("resolving " + where + ": " +
                              (ec ? ec.message() : std::string("no addresses")));
    }
    endpoint = results.begin()->endpoint();
  }
  if (acceptor_.open(endpoint.protocol(), ec); ec) {
    return UnavailableError("opening a socket for " + where + ": " + ec.message());
  }
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor_.bind(endpoint, ec); ec) {
    acceptor_.close(ec);
    return UnavailableError("binding " + where + ": " + ec.message());
  }
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
    acceptor_.close(ec);
    return UnavailableError("listening on " + where + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  state_ = State::kListening;
  return OkStatus();
}

Status Server::Impl::Start() {
  bool idle = false;
  {
    std::lock_guard lock(mu_);
    idle = state_ == State::kIdle;
  }
  if (idle) RETURN_IF_ERROR(Listen());
  std::lock_guard lock(mu_);
  if (state_ != State::kListening) return FailedPreconditionError("server already started");
  int workers = options_.workers;
  if (workers <= 0)
    workers = std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency()));
  pool_.emplace(static_cast<size_t>(workers));
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("http: accept loop failed: {}", ex.what());
    }
  });
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
    io_threads_.emplace_back([this] { RunIo(); });
  }
  state_ = State::kRunning;
  spdlog::info("http: listening on {}:{} ({} io threads, {} workers)", options_.host, port_,
               io_threads_.size(), workers);
  return OkStatus();
}

void Server::Impl::RunIo() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      // A handler escaped its coroutine's catch; keep serving the other connections.
      spdlog::error("http: io thread caught: {}", e.what());
    }
  }
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kTuple);
    if (ec) {
      if (stopping_ || !acceptor_.is_open()) co_return;
      // Typically EMFILE: back off rather than spin.
      spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer timer(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(kTuple);
      continue;
    }
    auto conn = std::make_shared<Connection>(std::move(socket));
    beast::error_code ignored;
    conn->stream.socket().set_option(tcp::no_delay(true), ignored);
    auto remote = conn->stream.socket().remote_endpoint(ignored);
    conn->address = remote.address().to_string(ignored);
    conn->remote = conn->address + ":" + std::to_string(remote.port());
    std::string refusal;
    {
      std::lock_guard lock(mu_);
      if (stopping_) continue;  // Stop() has already swept the registry; drop it
      int& from_client = per_client_[conn->address];
      if (options_.max_connections > 0 &&
          connections_.size() >= static_cast<size_t>(options_.max_connections)) {
        refusal = "The server has " + std::to_string(connections_.size()) +
                  " open connections, its limit; retry shortly";
      } else if (options_.max_connections_per_client > 0 &&
                 from_client >= options_.max_connections_per_client) {
        refusal = "Too many connections from " + conn->address + " (the limit is " +
                  std::to_string(options_.max_connections_per_client) +
                  "); reuse connections or retry shortly";
      } else {
        ++from_client;
        connections_.emplace(conn.get(), conn);
      }
      if (from_client == 0) per_client_.erase(conn->address);
    }
    if (!refusal.empty()) {
      asio::co_spawn(conn->stream.get_executor(), Refuse(conn, std::move(refusal)), asio::detached);
      continue;
    }
    asio::co_spawn(conn->stream.get_executor(), Session(conn), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("http: connection failed: {}", ex.what());
      }
    });
  }
}

asio::awaitable<void> Server::Impl::Refuse(std::shared_ptr<Connection> conn, std::string reason) {
  // Answered before the request is read: a client reads it after sending its request. The
  // linger then swallows that request so that the close does not reset the answer away.
  if (options_.access_log) spdlog::info("{} - - - 503 0 refused: {}", conn->remote, reason);
  try {
    Response res = ErrorResponse(UnavailableError(std::move(reason)));
    res.headers.emplace_back("Retry-After", "1");
    Written written = co_await Write(conn->stream, res, false, false, 11);
    if (written.ok) co_await Linger(conn->stream);
  } catch (const std::exception& e) {
    spdlog::error("http: refusing connection {} failed: {}", conn->remote, e.what());
  }
  beast::error_code ignored;
  conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  conn->stream.close();
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> conn) {
  beast::tcp_stream& stream = conn->stream;
  beast::flat_buffer buffer;
  bool first = true;
  Next next = Next::kClose;
  try {
    for (;;) {
      if (buffer.size() == 0) {
        conn->idle = true;
        if (stopping_) break;
        stream.expires_after(
            seconds(first ? options_.header_timeout_seconds : options_.idle_timeout_seconds));
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadSize), kTuple);
        conn->idle = false;
        if (ec) break;  // peer closed, idle timeout, or Stop()
        buffer.commit(n);
      }
      first = false;
      bhttp::request_parser<bhttp::empty_body> header;
      header.header_limit(kHeaderLimit);
      header.body_limit(boost::none);  // bodies are limited per route below
      stream.expires_after(seconds(options_.header_timeout_seconds));
      auto [ec, header_bytes] = co_await bhttp::async_read_header(stream, buffer, header, kTuple);
      if (ec) {
        if (IsHttpParseError(ec)) {
          Response res =
              ErrorResponse(InvalidArgumentError("Malformed HTTP request: " + ec.message()));
          if (ec == bhttp::error::header_limit) res.status = 431;
          co_await Write(stream, res, false, false, 11);
          next = Next::kLingerClose;
          if (options_.access_log) {
            spdlog::info("{} - - - {} 0 malformed: {}", conn->remote, res.status, ec.message());
          }
        }
        break;
      }
      next = co_await Serve(*conn, buffer, header);
      if (next != Next::kKeepAlive) break;
    }
    if (next == Next::kLingerClose) co_await Linger(stream);
  } catch (const std::exception& e) {
    spdlog::error("http: connection {} failed: {}", conn->remote, e.what());
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
  {
    std::lock_guard lock(mu_);
    connections_.erase(conn.get());
    auto it = per_client_.find(conn->address);
    if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
  }
  cv_.notify_all();
}

asio::awaitable<Next> Server::Impl::Serve(Connection& conn, beast::flat_buffer& buffer,
                                          bhttp::request_parser<bhttp::empty_body>& header) {
  auto started = std::chrono::steady_clock::now();
  beast::tcp_stream& stream = conn.stream;
  const auto& h = header.get();
  Request req;
  req.method = ToMethod(h.method());
  req.target.assign(h.target().data(), h.target().size());
  req.remote_address = conn.remote;
  if (auto cl = header.content_length()) req.content_length = *cl;
  req.headers.reserve(16);
  for (const auto& field : h) {
    std::string name(field.name_string());
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    req.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  const unsigned version = h.version();
  bool keep_alive = h.keep_alive() && !stopping_;
  const bool head = req.method == Method::kHead;
  const bool body_pending = !header.is_done();
  const bool expect_continue =
      body_pending && beast::iequals(h[bhttp::field::expect], "100-continue");

  Response res;
  Next next = Next::kKeepAlive;
  bool client_gone = false;  // the client left or stalled mid-body: nobody to answer
  std::string gone_reason;   // for the access log: status, bytes, why
  auto drain_unread = [&]() -> asio::awaitable<void> {
    if (!body_pending) co_return;
    if (expect_continue) {
      // The client has not sent the body and will not until told to; just close afterwards.
      next = Next::kClose;
      co_return;
    }
    bhttp::request_parser<bhttp::buffer_body> drain(std::move(header));
    if (!co_await Drain(stream, buffer, drain, kDrainLimit)) next = Next::kLingerClose;
  };

  if (Status parsed = internal::ParseTarget(req.target, req.path, req.query); !parsed.ok()) {
    res = ErrorResponse(InvalidArgumentError("Malformed request target: " + parsed.message()));
    next = Next::kLingerClose;
  } else if (h.find(bhttp::field::transfer_encoding) != h.end() &&
             UnsupportedTransferEncoding(h[bhttp::field::transfer_encoding])) {
    res = ErrorResponse(UnimplementedError(
        "Transfer-Encoding '" + std::string(h[bhttp::field::transfer_encoding]) +
        "' is not supported; send the body with Content-Length or Transfer-Encoding: chunked"));
    next = Next::kLingerClose;  // where its body ends is unknown
  } else if (bool exists = false; auto match = router_.Find(req.method, req.path, &exists)) {
    req.path_params = std::move(match->params);
    const Router::Route& route = *match->route;
    const bool streaming = route.options.stream_body;
    bool proceed = true;
    bool authenticated = false;
    if (!streaming && body_pending && req.content_length &&
        *req.content_length > options_.max_body_bytes) {
      res = TooLarge(req.content_length, options_.max_body_bytes);
      next = expect_continue ? Next::kClose : Next::kLingerClose;
      proceed = false;
    }
    // Authenticate on the headers before reading a body byte, unless the body has already
    // arrived with them (then one pool hop does both).
    const bool body_in_hand =
        !body_pending || (req.content_length && buffer.size() >= *req.content_length);
    if (proceed && !route.options.public_route && !body_in_hand) {
      std::optional<Response> refused;
      auto authenticate = [&] { refused = Authenticate(req); };
      co_await OnPool(authenticate);
      if (refused) {
        // The body is never read: answer and close (a client sending it sees the answer thanks
        // to the lingering close; one that waits for 100 Continue never sends it).
        res = std::move(*refused);
        next = expect_continue ? Next::kClose : Next::kLingerClose;
        proceed = false;
      }
      authenticated = true;
    }
    ReceivedBody body;
    if (proceed && body_pending) {
      body = co_await ReceiveBody(stream, buffer, header, streaming, expect_continue);
      using Outcome = ReceivedBody::Outcome;
      switch (body.outcome) {
        case Outcome::kComplete:
          break;
        case Outcome::kTooLarge:
          res = TooLarge(std::nullopt, options_.max_body_bytes);
          next = Next::kLingerClose;
          break;
        case Outcome::kMalformed:
          res = ErrorResponse(InvalidArgumentError("Malformed request body: " + body.detail));
          next = Next::kLingerClose;
          break;
        case Outcome::kStalled:
          // beast::tcp_stream closes the socket when its deadline passes: nobody to answer.
          client_gone = true;
          gone_reason = "408 0 request body stalled: " + body.detail;
          break;
        case Outcome::kSpoolFailed:
          res = ErrorResponse(UnavailableError(body.detail));
          next = Next::kLingerClose;
          break;
        case Outcome::kClientGone:
          client_gone = true;
          gone_reason = "499 0 client closed the connection during the request body";
          break;
      }
      proceed = body.outcome == Outcome::kComplete;
    }
    if (proceed) {
      std::unique_ptr<ByteSource> body_source;
      if (streaming) {
        body_source = body.spool ? body.spool->Reader()
                                 : std::make_unique<StringByteSource>(std::move(body.memory));
        req.body_stream = body_source.get();
      } else {
        req.body = std::move(body.memory);
      }
      auto run = [&] { res = Dispatch(route, req, authenticated); };
      co_await OnPool(run);
      req.body_stream = nullptr;
      body_source.reset();
      auto release = [&] { body.spool.reset(); };  // closing a large spool file may block
      if (body.spool) co_await OnPool(release);
    }
  } else if (exists) {
    std::string allow;
    for (Method m : router_.AllowedMethods(req.path)) {
      if (!allow.empty()) allow += ", ";
      allow += MethodName(m);
    }
    res = ErrorResponse(NotFoundError("Method " + std::string(MethodName(req.method)) +
                                      " is not allowed for " + req.path + "; allowed: " + allow),
                        "ENDPOINT_NOT_FOUND");
    res.status = 405;
    res.headers.emplace_back("Allow", std::move(allow));
    co_await drain_unread();
  } else {
    res = ErrorResponse(
        NotFoundError("No route for " + std::string(MethodName(req.method)) + " " + req.path),
        "ENDPOINT_NOT_FOUND");
    co_await drain_unread();
  }

  if (client_gone) {
    if (options_.access_log) {
      std::string_view path = req.target;
      spdlog::info("{} {} {} {} {}", conn.remote,
                   req.identity.user.empty() ? "-" : req.identity.user, MethodName(req.method),
                   path.substr(0, path.find('?')), gone_reason);
    }
    co_return Next::kClose;
  }
  // Stop() may have begun while the handler ran: tell the client this connection ends here.
  if (next != Next::kKeepAlive || stopping_) keep_alive = false;
  Written written = co_await Write(stream, res, head, keep_alive, version);
  if (!written.ok) {
    next = Next::kClose;
  } else if (!written.keep_alive && next == Next::kKeepAlive) {
    next = Next::kClose;
  }
  if (options_.access_log) {
    std::string_view path = req.target;
    path = path.substr(0, path.find('?'));
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    spdlog::info("{} {} {} {} {} {} {:.2f}ms", conn.remote,
                 req.identity.user.empty() ? "-" : req.identity.user, MethodName(req.method), path,
                 res.status, written.bytes, ms);
  }
  co_return next;
}

std::optional<Response> Server::Impl::Authenticate(Request& req) {
  try {
    StatusOr<Identity> identity = auth_.Authenticate(req);
    if (identity.ok()) {
      req.identity = std::move(identity).value();
      return std::nullopt;
    }
    Response r = ErrorResponse(identity.status());
    if (r.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"inet\"");
    return r;
  } catch (const std::exception& e) {
    spdlog::error("http: authenticating {} {} threw: {}", MethodName(req.method), req.path,
                  e.what());
  }
  return ErrorResponse(InternalError("Internal error while authenticating the request"));
}

Response Server::Impl::Dispatch(const Router::Route& route, Request& req, bool authenticated) {
  try {
    if (!route.options.public_route && !authenticated) {
      if (std::optional<Response> refused = Authenticate(req)) return std::move(*refused);
    }
    if (!route.options.public_route && req.identity.scoped() && !route.options.scoped_tokens) {
      return ErrorResponse(OutOfScopeError(
          req.identity, std::string(MethodName(req.method)) + " " + std::string(req.path)));
    }
    return route.handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", MethodName(req.method), req.path, e.what());
  } catch (...) {
    spdlog::error("http: handler for {} {} threw a non-exception", MethodName(req.method),
                  req.path);
  }
  return ErrorResponse(InternalError("Internal error while handling the request"));
}

asio::awaitable<ReceivedBody> Server::Impl::ReceiveBody(
    beast::tcp_stream& stream, beast::flat_buffer& buffer,
    bhttp::request_parser<bhttp::empty_body>& header, bool spool, bool send_continue) {
  using Outcome = ReceivedBody::Outcome;
  using Clock = std::chrono::steady_clock;
  ReceivedBody out;
  const auto idle = seconds(std::max(1, options_.body_timeout_seconds));
  if (send_continue) {
    stream.expires_after(idle);
    auto [ec, n] = co_await asio::async_write(
        stream, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
    if (ec) {
      out.outcome = Outcome::kClientGone;
      co_return out;
    }
  }
  bhttp::request_parser<bhttp::buffer_body> parser(std::move(header));
  parser.body_limit(spool ? boost::optional<uint64_t>() : options_.max_body_bytes);
  const std::optional<uint64_t> length =
      parser.content_length() ? std::optional<uint64_t>(*parser.content_length()) : std::nullopt;
  const size_t cap = spool ? kSpoolMemory : options_.max_body_bytes;
  const auto started = Clock::now();
  const uint64_t rate = options_.body_min_bytes_per_second;
  uint64_t received = 0;
  size_t filled = 0;  // bytes of out.memory holding body
  auto flush = [&]() -> asio::awaitable<bool> {
    Status written;
    auto write = [&] {
      if (!out.spool) {
        StatusOr<std::unique_ptr<internal::BodySpool>> created =
            internal::BodySpool::Create(options_.spool_dir);
        if (!created.ok()) {
          written = created.status();
          return;
        }
        out.spool = std::move(created).value();
      }
      written = out.spool->Append(std::string_view(out.memory.data(), filled));
    };
    co_await OnPool(write);
    if (!written.ok()) {
      out.outcome = Outcome::kSpoolFailed;
      out.detail = written.message();
      co_return false;
    }
    filled = 0;
    co_return true;
  };
  while (!parser.is_done()) {
    if (filled == out.memory.size()) {
      if (spool && filled == cap) {
        if (!co_await flush()) co_return out;
      } else if (filled < cap) {
        // Known length: room for all of it at once; chunked: grow by doubling.
        size_t size = length ? static_cast<size_t>(std::min<uint64_t>(*length, cap))
                             : std::min(cap, std::max<size_t>(64 * 1024, 2 * out.memory.size()));
        out.memory.resize(std::max(size, filled + 1));
      }
      // Else a full buffered body: the next read finds the end or passes the body limit.
    }
    parser.get().body().data = out.memory.data() + filled;
    parser.get().body().size = out.memory.size() - filled;
    // Idle bound per read, and a minimum average rate after the first idle period, so that a
    // client trickling a byte now and then cannot keep a connection for ever.
    auto deadline = Clock::now() + idle;
    bool rate_bound = false;
    if (rate > 0) {
      auto progress = started + idle + std::chrono::milliseconds(received * 1000 / rate);
      rate_bound = progress < deadline;
      if (rate_bound) deadline = progress;
    }
    stream.expires_at(deadline);
    auto [ec, n] = co_await bhttp::async_read_some(stream, buffer, parser, kTuple);
    size_t got = out.memory.size() - filled - parser.get().body().size;
    filled += got;
    received += got;
    if (ec == bhttp::error::need_buffer) {
      if (got == 0 && filled == cap && !spool) {
        out.outcome = Outcome::kTooLarge;
        co_return out;
      }
      ec = {};
    }
    if (!ec) continue;
    if (ec == bhttp::error::body_limit) {
      out.outcome = Outcome::kTooLarge;
    } else if (ec == beast::error::timeout) {
      out.outcome = Outcome::kStalled;
      out.detail = rate_bound ? "arriving slower than " + std::to_string(rate) + " bytes/s"
                              : "no data for " + std::to_string(idle.count()) + " s";
    } else if (IsHttpParseError(ec)) {
      out.outcome = Outcome::kMalformed;
      out.detail = ec.message();
    } else {
      out.outcome = Outcome::kClientGone;
    }
    co_return out;
  }
  if (out.spool && filled > 0 && !co_await flush()) co_return out;
  out.memory.resize(filled);
  if (out.spool) std::string().swap(out.memory);
  co_return out;
}

asio::awaitable<bool> Server::Impl::Drain(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                          bhttp::request_parser<bhttp::buffer_body>& parser,
                                          size_t limit) {
  std::array<char, 16 * 1024> scratch;
  size_t total = 0;
  while (!parser.is_done()) {
    parser.get().body().data = scratch.data();
    parser.get().body().size = scratch.size();
    stream.expires_after(seconds(options_.body_timeout_seconds));
    auto [ec, n] = co_await bhttp::async_read_some(stream, buffer, parser, kTuple);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) co_return false;
    total += scratch.size() - parser.get().body().size;
    if (total > limit) co_return false;
  }
  co_return true;
}

asio::awaitable<void> Server::Impl::Linger(beast::tcp_stream& stream) {
  // Half-close and discard what the client is still sending, so that it reads our error
  // response instead of a connection reset. Bounded in time and bytes.
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  std::array<char, 16 * 1024> scratch;
  size_t total = 0;
  stream.expires_after(kLingerTime);
  while (total < kLingerLimit) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch), kTuple);
    if (rec) break;
    total += n;
  }
}

asio::awaitable<Server::Impl::Written> Server::Impl::Write(beast::tcp_stream& stream, Response& res,
                                                           bool head, bool keep_alive,
                                                           unsigned version) {
  Written out;
  if (res.status < 100 || res.status > 999) {
    spdlog::error("http: handler returned invalid status {}", res.status);
    res = ErrorResponse(InternalError("Internal error: invalid response status"));
  }
  const bool no_body = res.status < 200 || res.status == 204 || res.status == 304;
  seconds timeout(options_.body_timeout_seconds);

  if (head || no_body || !res.stream) {
    if (head || no_body) {
      bhttp::response<bhttp::empty_body> r;
      r.version(version);
      FillHeader(r, res, keep_alive);
      if (!no_body) {
        if (!res.stream) {
          r.content_length(res.body.size());
        } else if (res.stream_length >= 0) {
          r.content_length(static_cast<uint64_t>(res.stream_length));
        }
      }
      stream.expires_after(timeout);
      auto [ec, n] = co_await bhttp::async_write(stream, r, kTuple);
      out.ok = !ec;
      out.keep_alive = out.ok && keep_alive;
      out.bytes = n;
      co_return out;
    }
    bhttp::response<bhttp::string_body> r;
    r.version(version);
    FillHeader(r, res, keep_alive);
    r.body() = std::move(res.body);
    r.prepare_payload();
    stream.expires_after(timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, r, kTuple);
    out.ok = !ec;
    out.keep_alive = out.ok && keep_alive;
    out.bytes = n;
    co_return out;
  }

  // Streamed body: chunks are read on the worker pool (the source may block on disk or S3).
  const int64_t length = res.stream_length;
  if (length < 0 && version < 11) keep_alive = false;  // HTTP/1.0: no chunking; EOF ends it
  bhttp::response<bhttp::buffer_body> r;
  r.version(version);
  FillHeader(r, res, keep_alive);
  if (length >= 0) {
    r.content_length(static_cast<uint64_t>(length));
  } else if (version >= 11) {
    r.chunked(true);
  }
  r.body().data = nullptr;
  r.body().more = true;
  bhttp::response_serializer<bhttp::buffer_body> serializer(r);
  stream.expires_after(timeout);
  auto [hec, hn] = co_await bhttp::async_write_header(stream, serializer, kTuple);
  if (hec) co_return out;
  out.bytes = hn;
  auto chunk = std::make_unique_for_overwrite<char[]>(kStreamChunk);
  uint64_t sent = 0;
  // A live source (a followed log) is asked for what it has now; while it has nothing, the
  // coroutine waits on a timer, so no worker is held between polls.
  auto* live = dynamic_cast<LiveByteSource*>(res.stream.get());
  auto poll_delay = kLivePollMin;
  asio::steady_timer timer(stream.get_executor());
  for (;;) {
    StatusOr<size_t> got = size_t{0};
    auto read = [&] {
      try {
        got = live != nullptr ? live->ReadAvailable(chunk.get(), kStreamChunk)
                              : res.stream->Read(chunk.get(), kStreamChunk);
      } catch (const std::exception& e) {
        got = InternalError(e.what());
      }
    };
    co_await OnPool(read);
    if (!got.ok()) {
      // Too late for an error status: cut the connection so the client sees a truncated body.
      spdlog::error("http: response stream failed after {} bytes: {}", sent,
                    got.status().ToString());
      co_return out;
    }
    size_t n = *got;
    if (n == 0 && live != nullptr && !live->ended() && !stopping_) {
      timer.expires_after(poll_delay);
      co_await timer.async_wait(kTuple);
      if (PeerGone(stream)) co_return out;  // the follower left: free its socket now
      poll_delay = std::min(poll_delay * 2, std::chrono::milliseconds(kLivePollMax));
      continue;
    }
    if (n == 0) break;
    poll_delay = kLivePollMin;
    if (length >= 0 && sent + n > static_cast<uint64_t>(length)) {
      spdlog::error("http: response stream is longer than its declared {} bytes", length);
      co_return out;
    }
    r.body().data = chunk.get();
    r.body().size = n;
    r.body().more = true;
    stream.expires_after(timeout);
    auto [ec, wn] = co_await bhttp::async_write(stream, serializer, kTuple);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) co_return out;
    out.bytes += wn;
    sent += n;
  }
  if (length >= 0 && sent != static_cast<uint64_t>(length)) {
    spdlog::error("http: response stream ended at {} of its declared {} bytes", sent, length);
    co_return out;
  }
  r.body().data = nullptr;
  r.body().size = 0;
  r.body().more = false;
  stream.expires_after(timeout);
  auto [ec, wn] = co_await bhttp::async_write(stream, serializer, kTuple);
  out.bytes += wn;
  out.ok = !ec;
  out.keep_alive = out.ok && keep_alive;
  co_return out;
}

void Server::Impl::CloseConnections(bool idle_only) {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [ptr, weak] : connections_) {
      if (auto conn = weak.lock()) live.push_back(std::move(conn));
    }
  }
  for (auto& conn : live) {
    asio::post(conn->stream.get_executor(), [conn, idle_only] {
      if (idle_only && !conn->idle) return;  // busy: closes itself after this response
      beast::error_code ignored;
      conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      conn->stream.close();
    });
  }
}

void Server::Impl::Stop() {
  {
    std::unique_lock lock(mu_);
    if (state_ == State::kIdle || state_ == State::kListening || state_ == State::kStopped) {
      if (state_ == State::kListening) {
        beast::error_code ignored;
        acceptor_.close(ignored);
      }
      state_ = State::kStopped;
      cv_.notify_all();
      return;
    }
    if (state_ == State::kStopping) {
      cv_.wait(lock, [this] { return state_ == State::kStopped; });
      return;
    }
    state_ = State::kStopping;
  }
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  CloseConnections(/*idle_only=*/true);
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, seconds(std::max(0, options_.shutdown_grace_seconds)),
                 [this] { return connections_.empty(); });
  }
  // Past the grace period: cut the rest. Their handlers still run to completion (threads
  // cannot be interrupted); reads from a cut connection fail fast.
  CloseConnections(/*idle_only=*/false);
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return connections_.empty(); });
  }
  pool_->join();
  for (std::thread& t : io_threads_) t.join();
  {
    std::lock_guard lock(mu_);
    state_ = State::kStopped;
  }
  cv_.notify_all();
  spdlog::info("http: server on port {} stopped", port_);
}

void Server::Impl::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return state_ == State::kStopped || state_ == State::kIdle; });
}

Server::Server(ServerOptions options, const Router& router, Authenticator& authenticator)
    : impl_(std::make_unique<Impl>(std::move(options), router, authenticator)) {}
Server::~Server() = default;
Status Server::Listen() { return impl_->Listen(); }
Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }
void Server::Wait() { impl_->Wait(); }

}  // namespace inet::http
