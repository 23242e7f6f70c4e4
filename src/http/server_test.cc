// End-to-end tests of http::Server over real loopback sockets, with a blocking Beast client.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "common/live_byte_source.h"
#include "http/http.h"
#include "http/testing/fake_authenticator.h"

namespace inet::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ClientResponse = bhttp::response<bhttp::string_body>;

// A deterministic byte pattern, so an upload's checksum can be predicted.
char PatternByte(uint64_t i) { return static_cast<char>((i * 131 + (i >> 8)) & 0xff); }

uint64_t Fnv1a(uint64_t hash, const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 1099511628211ull;
  }
  return hash;
}
constexpr uint64_t kFnvStart = 14695981039346656037ull;

// Generates `total` pattern bytes.
class PatternSource : public ByteSource {
 public:
  explicit PatternSource(uint64_t total) : total_(total) {}
  StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t count = static_cast<size_t>(std::min<uint64_t>(n, total_ - pos_));
    for (size_t i = 0; i < count; ++i) buf[i] = PatternByte(pos_ + i);
    pos_ += count;
    return count;
  }

 private:
  uint64_t total_;
  uint64_t pos_ = 0;
};

class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  }

  ClientResponse Send(bhttp::request<bhttp::string_body> req) {
    req.version(11);
    req.set(bhttp::field::host, "localhost");
    req.prepare_payload();
    bhttp::write(socket_, req);
    return Read(req.method() == bhttp::verb::head);
  }

  ClientResponse Get(std::string target, std::string token = {}) {
    bhttp::request<bhttp::string_body> req(bhttp::verb::get, target, 11);
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    return Send(std::move(req));
  }

  ClientResponse Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    parser.skip(head);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

  void WriteRaw(std::string_view data) { asio::write(socket_, asio::buffer(data)); }

  // A blocking read that waits longer than this fails instead of hanging the test (a liveness
  // bound for tests whose bug would leave the server silent).
  void SetReadTimeout(int seconds) {
    timeval tv{.tv_sec = seconds, .tv_usec = 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  // True when the server has closed the connection (EOF or reset on the next read).
  bool ServerClosed() {
    char c;
    beast::error_code ec;
    if (buffer_.size() > 0) return false;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string ErrorCode(const ClientResponse& r) {
  boost::json::value v = boost::json::parse(r.body());
  return std::string(v.at("error_code").as_string());
}
std::string Message(const ClientResponse& r) {
  boost::json::value v = boost::json::parse(r.body());
  return std::string(v.at("message").as_string());
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_.Allow("good", Identity{.user = "alice", .token_id = "t1", .is_admin = false});
    router_.Add(
        Method::kGet, "/items/{id}",
        [](Request& req) {
          return Response::Text(req.path_params.at("id") + "|" + req.Query("q").value_or("-"));
        },
        {.public_route = true});
    router_.Add(Method::kGet, "/whoami",
                [](Request& req) { return Response::Text(req.identity.user); });
    router_.Add(Method::kPost, "/private-echo",
                [](Request& req) { return Response::Json(req.body); });
    router_.Add(Method::kGet, "/scoped-ok",
                [](Request& req) { return Response::Text(req.identity.scope.job_id); },
                {.scoped_tokens = true});
    router_.Add(Method::kPost, "/echo", [](Request& req) { return Response::Json(req.body); },
                {.public_route = true});
    router_.Add(Method::kGet, "/files/{path...}",
                [](Request& req) { return Response::Text(req.path_params.at("path")); },
                {.public_route = true});
    router_.Add(Method::kGet, "/throw",
                [](Request&) -> Response { throw std::runtime_error("boom"); },
                {.public_route = true});
    router_.Add(Method::kPut, "/upload",
                [](Request& req) {
                  std::vector<char> buf(1 << 20);
                  uint64_t total = 0;
                  uint64_t hash = kFnvStart;
                  for (;;) {
                    StatusOr<size_t> n = req.body_stream->Read(buf.data(), buf.size());
                    if (!n.ok()) return ErrorResponse(n.status());
                    if (*n == 0) break;
                    hash = Fnv1a(hash, buf.data(), *n);
                    total += *n;
                  }
                  return Response::Text(std::to_string(total) + " " + std::to_string(hash));
                },
                {.stream_body = true, .public_route = true});
    router_.Add(Method::kPut, "/ignore-body", [](Request&) { return Response::Text("ignored"); },
                {.stream_body = true, .public_route = true});
    router_.Add(Method::kPut, "/private-upload",
                [](Request&) { return Response::Text("should not run"); }, {.stream_body = true});
    router_.Add(Method::kGet, "/stream/{kind}",
                [](Request& req) {
                  Response r;
                  r.content_type = "application/octet-stream";
                  r.stream = std::make_unique<PatternSource>(3'000'000);
                  if (req.path_params.at("kind") == "sized") r.stream_length = 3'000'000;
                  return r;
                },
                {.public_route = true});
    router_.Add(Method::kGet, "/slow",
                [this](Request&) {
                  entered_.set_value();
                  release_.get_future().wait();
                  return Response::Text("finished");
                },
                {.public_route = true});
  }

  static ServerOptions Quiet() {
    ServerOptions options;
    options.access_log = false;
    return options;
  }

  void StartServer(int idle_timeout_seconds = 75, int header_timeout_seconds = 30) {
    ServerOptions options = Quiet();
    options.idle_timeout_seconds = idle_timeout_seconds;
    options.header_timeout_seconds = header_timeout_seconds;
    StartServerWith(options);
  }

  void StartServerWith(ServerOptions options) {
    options.port = 0;
    options.workers = 4;
    options.io_threads = 2;
    options.max_body_bytes = 1024;
    server_ = std::make_unique<Server>(options, router_, auth_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  // A server whose bodies must progress within `seconds` and average `min_bytes_per_second`,
  // and a client of it.
  std::unique_ptr<Client> StartWithBodyTimeout(int seconds, uint64_t min_bytes_per_second) {
    ServerOptions options = Quiet();
    options.body_timeout_seconds = seconds;
    options.body_min_bytes_per_second = min_bytes_per_second;
    StartServerWith(options);
    auto client = std::make_unique<Client>(server_->port());
    client->SetReadTimeout(30);
    return client;
  }

  // Retries GET /items/1 on new connections for a few seconds while the server answers 503 (a
  // connection slot not yet freed); the last status.
  int StatusOnceASlotIsFree() {
    int status = 0;
    for (int i = 0; i < 200 && status != 200; ++i) {
      Client retry(server_->port());
      retry.SetReadTimeout(30);
      status = retry.Get("/items/1").result_int();
      if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status;
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  testing::FakeAuthenticator auth_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::promise<void> entered_;
  std::promise<void> release_;
};

TEST_F(ServerTest, RoutesWithParamsAndQuery) {
  StartServer();
  Client client(server_->port());
  ClientResponse r = client.Get("/items/a%20b?q=x+y%26z");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "a b|x y&z");
  EXPECT_EQ(r[bhttp::field::content_type], "text/plain; charset=utf-8");
}

TEST_F(ServerTest, AuthenticationRequiredUnlessPublic) {
  StartServer();
  Client client(server_->port());
  ClientResponse r = client.Get("/whoami");
  EXPECT_EQ(r.result_int(), 401);
  EXPECT_EQ(ErrorCode(r), "UNAUTHENTICATED");
  EXPECT_EQ(r[bhttp::field::www_authenticate], "Bearer realm=\"inet\"");
  r = client.Get("/whoami", "wrong");
  EXPECT_EQ(r.result_int(), 401);
  r = client.Get("/whoami", "good");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "alice");
}

TEST_F(ServerTest, UnauthenticatedBodiesAreRefusedBeforeTheyAreRead) {
  StartServer();
  // Headers only, on a buffered and a streaming route: a server that waited for the announced
  // body before authenticating would never answer.
  for (std::string head :
       {"POST /private-echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
        "PUT /private-upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n"}) {
    Client client(server_->port());
    client.SetReadTimeout(30);
    client.WriteRaw(head);
    ClientResponse r = client.Read();
    EXPECT_EQ(r.result_int(), 401) << head;
    EXPECT_EQ(ErrorCode(r), "UNAUTHENTICATED");
    EXPECT_FALSE(r.keep_alive());
    EXPECT_TRUE(client.ServerClosed());
  }

  // With a token the same request is read and answered.
  Client authorized(server_->port());
  authorized.WriteRaw(
      "POST /private-echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
      "Content-Length: 2\r\n\r\n");
  authorized.WriteRaw("{}");
  ClientResponse r = authorized.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "{}");
}

TEST_F(ServerTest, ConnectionsPastThePerClientLimitGet503) {
  ServerOptions options = Quiet();
  options.max_connections_per_client = 2;
  StartServerWith(options);
  auto first = std::make_unique<Client>(server_->port());
  Client second(server_->port());
  EXPECT_EQ(first->Get("/items/1").body(), "1|-");
  EXPECT_EQ(second.Get("/items/2").body(), "2|-");
  Client third(server_->port());
  third.SetReadTimeout(30);
  ClientResponse r = third.Get("/items/3");
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(ErrorCode(r), "TEMPORARILY_UNAVAILABLE");
  EXPECT_EQ(Message(r),
            "Too many connections from 127.0.0.1 (the limit is 2); reuse connections or retry "
            "shortly");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(second.Get("/items/4").body(), "4|-");  // the admitted ones carry on
  // Once a connection closes, its slot is free again (the server notices the close shortly).
  first.reset();
  EXPECT_EQ(StatusOnceASlotIsFree(), 200);
}

TEST_F(ServerTest, ConnectionsPastTheTotalLimitGet503) {
  ServerOptions options = Quiet();
  options.max_connections = 1;
  options.max_connections_per_client = 0;
  StartServerWith(options);
  Client first(server_->port());
  EXPECT_EQ(first.Get("/items/1").body(), "1|-");
  Client second(server_->port());
  second.SetReadTimeout(30);
  ClientResponse r = second.Get("/items/2");
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(Message(r), "The server has 1 open connections, its limit; retry shortly");
  EXPECT_EQ(r[bhttp::field::retry_after], "1");
}

TEST_F(ServerTest, ScopedTokensReachOnlyRoutesThatAuthorizeThem) {
  Identity attempt{"alice", "t2", false};
  attempt.scope.kind = TokenScope::Kind::kAttempt;
  attempt.scope.job_id = "j-1";
  attempt.scope.attempt = 1;
  auth_.Allow("attempt", attempt);
  StartServer();
  Client client(server_->port());
  ClientResponse r = client.Get("/whoami", "attempt");
  EXPECT_EQ(r.result_int(), 403);
  EXPECT_EQ(ErrorCode(r), "PERMISSION_DENIED");
  EXPECT_NE(Message(r).find("attempt 1 of job 'j-1'"), std::string::npos) << Message(r);
  EXPECT_NE(Message(r).find("GET /whoami"), std::string::npos) << Message(r);
  r = client.Get("/scoped-ok", "attempt");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "j-1");
  // User tokens are not affected.
  EXPECT_EQ(client.Get("/whoami", "good").result_int(), 200);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  Client client(server_->port());
  EXPECT_EQ(client.Get("/items/1").body(), "1|-");
  EXPECT_EQ(client.Get("/items/2").body(), "2|-");
  bhttp::request<bhttp::string_body> req(bhttp::verb::get, "/items/3", 11);
  req.set(bhttp::field::connection, "close");
  ClientResponse r = client.Send(std::move(req));
  EXPECT_EQ(r.body(), "3|-");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  Client client(server_->port());
  client.WriteRaw(
      "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
      "GET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.Read().body(), "1|-");
  EXPECT_EQ(client.Read().body(), "{}");
  EXPECT_EQ(client.Read().body(), "2|-");
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405) {
  StartServer();
  Client client(server_->port());
  ClientResponse r = client.Get("/nope");
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(ErrorCode(r), "ENDPOINT_NOT_FOUND");
  EXPECT_EQ(Message(r), "No route for GET /nope");

  bhttp::request<bhttp::string_body> req(bhttp::verb::delete_, "/echo", 11);
  req.body() = "some body the server must skip";
  r = client.Send(std::move(req));
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(ErrorCode(r), "ENDPOINT_NOT_FOUND");
  EXPECT_EQ(r[bhttp::field::allow], "POST");
  // The unread body was drained, so the connection still works.
  EXPECT_EQ(client.Get("/items/9").body(), "9|-");
}

TEST_F(ServerTest, BufferedBodyWithinLimitArrivesWhole) {
  StartServer();
  Client client(server_->port());
  bhttp::request<bhttp::string_body> req(bhttp::verb::post, "/echo", 11);
  req.body() = std::string(1024, 'x');
  ClientResponse r = client.Send(std::move(req));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), std::string(1024, 'x'));

  client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  EXPECT_EQ(client.Read().body(), "abcdefg");
}

TEST_F(ServerTest, OversizedBodyByContentLengthIs413) {
  StartServer();
  Client client(server_->port());
  std::string body(2048, 'y');
  client.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + body);
  ClientResponse r = client.Read();
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ErrorCode(r), "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(Message(r), "Request body is 2048 bytes; the limit is 1024 bytes");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  StartServer();
  Client client(server_->port());
  std::string chunk(600, 'z');
  client.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 3; ++i) client.WriteRaw("258\r\n" + chunk + "\r\n");
  client.WriteRaw("0\r\n\r\n");
  ClientResponse r = client.Read();
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ErrorCode(r), "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(Message(r), "Request body is more than 1024 bytes; the limit is 1024 bytes");
}

TEST_F(ServerTest, MalformedRequestIs400AndCloses) {
  StartServer();
  {
    Client client(server_->port());
    client.WriteRaw("THIS IS NOT HTTP\r\n\r\n");
    ClientResponse r = client.Read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_EQ(ErrorCode(r), "INVALID_PARAMETER_VALUE");
    EXPECT_TRUE(client.ServerClosed());
  }
  {
    Client client(server_->port());
    ClientResponse r = client.Get("/files/a%00b");
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_TRUE(client.ServerClosed());
  }
  {
    Client client(server_->port());
    ClientResponse r = client.Get("/files/%zz");
    EXPECT_EQ(r.result_int(), 400);
  }
}

TEST_F(ServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  StartServer();
  Client client(server_->port());
  ClientResponse r = client.Get("/throw");
  EXPECT_EQ(r.result_int(), 500);
  EXPECT_EQ(ErrorCode(r), "INTERNAL_ERROR");
  EXPECT_EQ(client.Get("/items/ok").body(), "ok|-");
  Client other(server_->port());
  EXPECT_EQ(other.Get("/items/2").body(), "2|-");
}

TEST_F(ServerTest, StreamsA64MiBUploadWithContentLength) {
  StartServer();
  Client client(server_->port());
  constexpr uint64_t kTotal = 64ull << 20;
  client.WriteRaw("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kTotal) +
                  "\r\n\r\n");
  std::vector<char> buf(1 << 20);
  uint64_t hash = kFnvStart;
  for (uint64_t sent = 0; sent < kTotal; sent += buf.size()) {
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = PatternByte(sent + i);
    hash = Fnv1a(hash, buf.data(), buf.size());
    asio::write(client.socket(), asio::buffer(buf));
  }
  ClientResponse r = client.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), std::to_string(kTotal) + " " + std::to_string(hash));
  EXPECT_EQ(client.Get("/items/after").body(), "after|-");
}

TEST_F(ServerTest, StreamsAChunkedUpload) {
  StartServer();
  Client client(server_->port());
  client.WriteRaw("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  uint64_t hash = kFnvStart;
  uint64_t total = 0;
  for (int i = 0; i < 40; ++i) {
    std::string chunk(100'000 + i, '\0');
    for (size_t j = 0; j < chunk.size(); ++j) chunk[j] = PatternByte(total + j);
    hash = Fnv1a(hash, chunk.data(), chunk.size());
    total += chunk.size();
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    client.WriteRaw(size_line + chunk + "\r\n");
  }
  client.WriteRaw("0\r\n\r\n");
  ClientResponse r = client.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), std::to_string(total) + " " + std::to_string(hash));
}

TEST_F(ServerTest, StreamingRouteHonoursExpectContinue) {
  StartServer();
  Client client(server_->port());
  client.WriteRaw(
      "PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  ClientResponse interim = client.Read();
  EXPECT_EQ(interim.result_int(), 100);
  client.WriteRaw("hello");
  ClientResponse r = client.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "5 " + std::to_string(Fnv1a(kFnvStart, "hello", 5)));
}

TEST_F(ServerTest, UnreadStreamingBodyIsDrainedForKeepAlive) {
  StartServer();
  Client client(server_->port());
  bhttp::request<bhttp::string_body> req(bhttp::verb::put, "/ignore-body", 11);
  req.body() = std::string(100'000, 'q');
  EXPECT_EQ(client.Send(std::move(req)).body(), "ignored");
  EXPECT_EQ(client.Get("/items/next").body(), "next|-");
}

// Slow uploads (a few bytes, then silence) on public and authenticated streaming routes, more of
// them than there are workers: the server keeps answering, because bodies are received by the
// connections' coroutines, not by workers.
TEST_F(ServerTest, StalledUploadsDoNotHoldWorkers) {
  StartServer();
  std::vector<std::unique_ptr<Client>> stalled;
  for (int i = 0; i < 6; ++i) {
    stalled.push_back(std::make_unique<Client>(server_->port()));
    stalled.back()->WriteRaw(
        "PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc");
  }
  for (int i = 0; i < 6; ++i) {
    stalled.push_back(std::make_unique<Client>(server_->port()));
    stalled.back()->WriteRaw(
        "PUT /private-upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
        "Content-Length: 1000000\r\n\r\nabc");
  }
  for (int i = 0; i < 8; ++i) {
    Client probe(server_->port());
    probe.SetReadTimeout(30);
    EXPECT_EQ(probe.Get("/items/" + std::to_string(i)).body(), std::to_string(i) + "|-");
  }
}

// A stalled body is cut off: the connection closes (and the access log says 408).
TEST_F(ServerTest, StalledBodyIsCutOff) {
  std::unique_ptr<Client> client = StartWithBodyTimeout(/*seconds=*/1, /*min_bytes_per_second=*/0);
  client->WriteRaw("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc");
  EXPECT_TRUE(client->ServerClosed());
}

TEST_F(ServerTest, TricklingBodyIsCutByTheMinimumRate) {
  std::unique_ptr<Client> client =
      StartWithBodyTimeout(/*seconds=*/1, /*min_bytes_per_second=*/1000);
  client->WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
  // A byte every 100 ms: never idle for a second, but far below 1000 bytes/s. Without the
  // minimum rate the body would take 100 s, past the client's 30 s read timeout.
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    for (int i = 0; i < 900 && !stop; ++i) {
      beast::error_code ec;
      asio::write(client->socket(), asio::buffer("x", 1), ec);
      if (ec) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  bool closed = client->ServerClosed();
  stop = true;
  trickle.join();
  EXPECT_TRUE(closed);
}

// A live response stream (a followed log) with nothing to say yet: many followers, more than
// there are workers, while other requests are answered; then each follower gets the rest.
class GatedLiveSource : public LiveByteSource {
 public:
  explicit GatedLiveSource(const std::atomic<bool>& open) : open_(open) {}
  StatusOr<size_t> ReadAvailable(char* buf, size_t n) override {
    if (!open_ || ended_ || n < 4) return size_t{0};
    if (sent_) {
      ended_ = true;
      return size_t{0};
    }
    std::memcpy(buf, "done", 4);
    sent_ = true;
    return size_t{4};
  }
  bool ended() const override { return ended_; }

 private:
  const std::atomic<bool>& open_;
  bool sent_ = false;
  bool ended_ = false;
};

TEST_F(ServerTest, LiveStreamFollowersDoNotHoldWorkers) {
  std::atomic<bool> open{false};
  router_.Add(Method::kGet, "/live",
              [&open](Request&) {
                Response r = Response::Text("");
                r.stream = std::make_unique<GatedLiveSource>(open);
                return r;
              },
              {.public_route = true});
  StartServer();
  constexpr int kFollowers = 40;
  std::vector<std::unique_ptr<Client>> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.push_back(std::make_unique<Client>(server_->port()));
    followers.back()->WriteRaw("GET /live HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  for (int i = 0; i < 8; ++i) {
    Client probe(server_->port());
    probe.SetReadTimeout(30);
    EXPECT_EQ(probe.Get("/items/" + std::to_string(i)).body(), std::to_string(i) + "|-");
  }
  open = true;
  for (auto& follower : followers) {
    follower->SetReadTimeout(30);
    ClientResponse r = follower->Read();
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_EQ(r.body(), "done");
  }
}

TEST_F(ServerTest, ClientLeavingMidUploadIsLoggedAsAnAbortAndFreesItsSlot) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  ServerOptions options = Quiet();
  options.max_connections_per_client = 1;
  options.access_log = true;
  StartServerWith(options);
  {
    Client dropped(server_->port());
    dropped.WriteRaw("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc");
  }
  // Its slot is free as soon as the server sees the close (the 60 s body timeout is not what
  // frees it: this loop gives up long before).
  EXPECT_EQ(StatusOnceASlotIsFree(), 200);
  server_->Stop();
  spdlog::set_default_logger(previous);
  std::string log;
  for (const std::string& line : sink->last_formatted()) log += line;
  EXPECT_NE(log.find("PUT /upload 499 0 client closed the connection during the request body"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find(" 500 "), std::string::npos) << log;
}

TEST_F(ServerTest, TransferCodingsOtherThanChunkedAre501) {
  StartServer();
  for (std::string coding : {"xchunked", "gzip, chunked", "identity"}) {
    Client client(server_->port());
    client.SetReadTimeout(30);
    client.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                    "\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    ClientResponse r = client.Read();
    EXPECT_EQ(r.result_int(), 501) << coding;
    EXPECT_EQ(ErrorCode(r), "NOT_IMPLEMENTED");
    EXPECT_EQ(Message(r), "Transfer-Encoding '" + coding +
                              "' is not supported; send the body with Content-Length or "
                              "Transfer-Encoding: chunked");
    EXPECT_FALSE(r.keep_alive());
  }
}

TEST_F(ServerTest, StreamedResponsesWithAndWithoutLength) {
  StartServer();
  Client client(server_->port());
  std::string expected(3'000'000, '\0');
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = PatternByte(i);

  ClientResponse sized = client.Get("/stream/sized");
  EXPECT_EQ(sized.result_int(), 200);
  EXPECT_EQ(sized[bhttp::field::content_length], "3000000");
  EXPECT_FALSE(sized.chunked());
  EXPECT_TRUE(sized.body() == expected);

  ClientResponse chunked = client.Get("/stream/chunked");
  EXPECT_EQ(chunked.result_int(), 200);
  EXPECT_TRUE(chunked.chunked());
  EXPECT_TRUE(chunked.body() == expected);
  EXPECT_EQ(client.Get("/items/after").body(), "after|-");
}

TEST_F(ServerTest, HeadOnGetRouteSendsHeadersOnly) {
  StartServer();
  Client client(server_->port());
  bhttp::request<bhttp::string_body> req(bhttp::verb::head, "/items/abc", 11);
  ClientResponse r = client.Send(std::move(req));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_length], "5");
  EXPECT_TRUE(r.body().empty());
  // Had a body been sent, this next response would be misparsed.
  EXPECT_EQ(client.Get("/items/x").body(), "x|-");
}

TEST_F(ServerTest, PercentEncodedTraversalReachesHandlerDecoded) {
  StartServer();
  Client client(server_->port());
  ClientResponse r = client.Get("/files/..%2F..%2Fetc%2Fpasswd");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "../../etc/passwd");
  EXPECT_EQ(client.Get("//files///a//b").body(), "a/b");
}

TEST_F(ServerTest, StopLetsInFlightRequestFinish) {
  StartServer();
  std::future<void> entered = entered_.get_future();
  Client slow(server_->port());
  Client idle(server_->port());
  EXPECT_EQ(idle.Get("/items/1").body(), "1|-");
  slow.WriteRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  entered.wait();

  std::thread stopper([this] { server_->Stop(); });
  // The idle keep-alive connection is closed promptly; the listener stops accepting.
  EXPECT_TRUE(idle.ServerClosed());
  for (int i = 0; i < 1000; ++i) {
    asio::io_context ioc;
    tcp::socket probe(ioc);
    beast::error_code ec;
    probe.connect(tcp::endpoint(asio::ip::address_v4::loopback(), server_->port()), ec);
    if (ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  release_.set_value();
  ClientResponse r = slow.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "finished");
  EXPECT_FALSE(r.keep_alive());
  stopper.join();
  server_->Wait();
  server_->Stop();  // a second Stop is a no-op
}

TEST_F(ServerTest, ManyConcurrentClients) {
  StartServer();
  constexpr int kClients = 32;
  constexpr int kRequests = 20;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      Client client(server_->port());
      for (int i = 0; i < kRequests; ++i) {
        std::string id = std::to_string(c) + "-" + std::to_string(i);
        if (client.Get("/items/" + id).body() == id + "|-") ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterTimeout) {
  StartServer(/*idle_timeout_seconds=*/1);
  Client client(server_->port());
  EXPECT_EQ(client.Get("/items/1").body(), "1|-");
  EXPECT_TRUE(client.ServerClosed());  // blocks until the server's idle timer fires
}

TEST_F(ServerTest, StalledHeaderIsCutOffByHeaderTimeout) {
  StartServer(/*idle_timeout_seconds=*/75, /*header_timeout_seconds=*/1);
  Client client(server_->port());
  client.WriteRaw("GET /items/1 HTTP/1.1\r\nHost: x\r\n");  // never finished
  EXPECT_TRUE(client.ServerClosed());
}

TEST(ServerLifecycleTest, StartFailsOnBusyPortAndStopWithoutStartIsSafe) {
  Router router;
  testing::FakeAuthenticator auth;
  ServerOptions options;
  options.port = 0;
  options.workers = 1;
  options.access_log = false;
  Server first(options, router, auth);
  ASSERT_TRUE(first.Start().ok());
  options.port = first.port();
  Server second(options, router, auth);
  Status st = second.Start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  second.Stop();
  second.Wait();
  first.Stop();
  first.Stop();
}

TEST(ServerLifecycleTest, RoutesAddedBetweenListenAndStartAreServed) {
  Router router;
  testing::FakeAuthenticator auth;
  ServerOptions options;
  options.port = 0;
  options.workers = 1;
  options.access_log = false;
  Server server(options, router, auth);
  ASSERT_TRUE(server.Listen().ok());
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(server.Listen().code(), StatusCode::kFailedPrecondition);
  // The port is known before serving: a route can now be built from it.
  std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  router.Add(
      Method::kGet, "/url", [url](Request&) { return Response::Text(url); },
      RouteOptions{.public_route = true});
  ASSERT_TRUE(server.Start().ok());
  Client client(server.port());
  EXPECT_EQ(client.Get("/url").body(), url);
  EXPECT_EQ(server.Start().code(), StatusCode::kFailedPrecondition);
  server.Stop();
  server.Wait();
}

TEST(ServerLifecycleTest, StopAfterListenWithoutStartReleasesThePort) {
  Router router;
  testing::FakeAuthenticator auth;
  ServerOptions options;
  options.port = 0;
  options.workers = 1;
  options.access_log = false;
  Server first(options, router, auth);
  ASSERT_TRUE(first.Listen().ok());
  first.Stop();
  first.Wait();
  options.port = first.port();
  Server second(options, router, auth);
  EXPECT_TRUE(second.Start().ok());
  second.Stop();
  second.Wait();
}

}  // namespace
}  // namespace inet::http
