// ApiClient over libcurl's easy interface. One easy handle per client, reset between calls so
// the connection cache survives (reconnecting `logs -f` reuses the socket).
#include "client/api_client.h"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "common/format.h"

namespace inet::client {
namespace {

// JSON answers are read whole; no legitimate answer of this API comes close.
constexpr size_t kMaxBufferedBody = size_t{256} << 20;

std::once_flag curl_init_once;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct SlistFreer {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

StatusCode CodeForHttpStatus(long http_status, std::string_view error_code) {
  if (error_code == "RESOURCE_ALREADY_EXISTS") {
    return StatusCode::kAlreadyExists;
  }
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kAborted;
    case 413:
    case 429:
      return StatusCode::kResourceExhausted;
    case 501:
      return StatusCode::kUnimplemented;
    case 502:
    case 503:
      return StatusCode::kUnavailable;
    case 504:
      return StatusCode::kDeadlineExceeded;
    default:
      return http_status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
  }
}

}  // namespace

Status StatusFromErrorResponse(long http_status, std::string_view body) {
  std::string error_code;
  std::string message;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    const boost::json::object& object = parsed.get_object();
    if (const auto* code = object.if_contains("error_code"); code && code->is_string()) {
      error_code = std::string(code->get_string());
    }
    if (const auto* text = object.if_contains("message"); text && text->is_string()) {
      message = std::string(text->get_string());
    }
  }
  if (message.empty()) {
    std::string_view excerpt = Trim(body);
    if (excerpt.size() > 200) {
      excerpt = excerpt.substr(0, 200);
    }
    message = "HTTP " + std::to_string(http_status);
    if (!excerpt.empty()) {
      message += ": " + std::string(excerpt);
    }
  }
  if (!error_code.empty()) {
    message = error_code + ": " + message;
  }
  if (http_status == 401) {
    message += " (log in with `inet login`, or set INET_TOKEN or --token)";
  }
  return Status(CodeForHttpStatus(http_status, error_code), std::move(message));
}

namespace internal {
struct Transfer {
  std::string target;
  std::vector<std::string> headers;
  // Request body: a string (`body` non-null) or a file (`upload` non-null), else none (GET).
  const std::string* body = nullptr;
  FILE* upload = nullptr;
  const char* method = nullptr;  // another method than the body implies (DELETE)
  int64_t upload_size = 0;
  const UploadProgress* progress = nullptr;
  // Streaming: 2xx bodies go here instead of `response_body`.
  const ChunkCallback* on_chunk = nullptr;
  bool total_timeout = true;

  CURL* curl = nullptr;
  const std::atomic<bool>* interrupt = nullptr;
  std::map<std::string, std::string> response_headers;
  std::string response_body;
  int64_t streamed = 0;
  bool stopped_by_caller = false;
  bool too_large = false;
};
}  // namespace internal

namespace {

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<internal::Transfer*>(user);
  size_t n = size * count;
  if (t->on_chunk != nullptr) {
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      t->streamed += static_cast<int64_t>(n);
      if (!(*t->on_chunk)(std::string_view(data, n))) {
        t->stopped_by_caller = true;
        return 0;  // makes curl fail with CURLE_WRITE_ERROR
      }
      return n;
    }
  }
  if (t->response_body.size() + n > kMaxBufferedBody) {
    t->too_large = true;
    return 0;
  }
  t->response_body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<internal::Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->response_headers.clear();  // a new response (after 100 Continue or a redirect)
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    t->response_headers[Lowercase(Trim(line.substr(0, colon)))] =
        std::string(Trim(line.substr(colon + 1)));
  }
  return n;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<internal::Transfer*>(user);
  size_t n = std::fread(buffer, 1, size * count, t->upload);
  if (n == 0 && std::ferror(t->upload)) {
    return CURL_READFUNC_ABORT;
  }
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t upload_total, curl_off_t upload_now) {
  auto* t = static_cast<internal::Transfer*>(user);
  if (t->interrupt != nullptr && t->interrupt->load()) {
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  if (t->progress != nullptr && *t->progress && upload_total > 0) {
    (*t->progress)(static_cast<int64_t>(upload_now), static_cast<int64_t>(upload_total));
  }
  return 0;
}

StatusOr<boost::json::value> ParseJsonAnswer(const std::string& body, const std::string& url) {
  if (Trim(body).empty()) {
    return boost::json::value(boost::json::object());
  }
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  if (ec) {
    return InternalError("the server at " + url +
                         " answered with something other than JSON; is INET_URL pointing at "
                         "an inet server?");
  }
  return parsed;
}

}  // namespace

void ApiClient::CurlDeleter::operator()(void* curl) const { curl_easy_cleanup(curl); }

ApiClient::ApiClient(std::string base_url, std::string token, ApiClientOptions options)
    : base_url_(std::move(base_url)), token_(std::move(token)), options_(std::move(options)) {
  while (!base_url_.empty() && base_url_.back() == '/') {
    base_url_.pop_back();
  }
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_.reset(curl_easy_init());
}

ApiClient::~ApiClient() = default;

Status ApiClient::Perform(internal::Transfer& t) {
  CURL* curl = static_cast<CURL*>(curl_.get());
  if (curl == nullptr) {
    return InternalError("could not initialise libcurl");
  }
  curl_easy_reset(curl);
  t.curl = curl;
  t.interrupt = options_.interrupt;

  std::string url = base_url_ + t.target;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (t.method != nullptr) curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, t.method);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "inet-cli");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(options_.connect_timeout_seconds));
  if (t.total_timeout) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options_.request_timeout_seconds));
  } else {
    // No total limit (a followed log may stream for days), but give up on a silent peer.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options_.stall_timeout_seconds));
  }

  std::unique_ptr<curl_slist, SlistFreer> headers;
  auto add_header = [&headers](const std::string& header) {
    headers.reset(curl_slist_append(headers.release(), header.c_str()));
  };
  add_header("Accept: application/json");
  if (!token_.empty()) {
    add_header("Authorization: Bearer " + token_);
  }
  if (!options_.team.empty()) add_header("X-MLFLOW-WORKSPACE: " + options_.team);
  // Without this curl waits for "100 Continue" before large bodies; send them straight away.
  add_header("Expect:");
  for (const std::string& header : t.headers) {
    add_header(header);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  if (t.body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, t.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.body->size()));
  } else if (t.upload != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.upload_size));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);

  CURLcode rc = curl_easy_perform(curl);
  // The buffers these point at die with this frame.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    if (t.stopped_by_caller) {
      return AbortedError("stopped by the caller");
    }
    if (t.too_large) {
      return ResourceExhaustedError("the answer from " + url + " is larger than " +
                                    FormatBytes(kMaxBufferedBody));
    }
    switch (rc) {
      case CURLE_ABORTED_BY_CALLBACK:
        return AbortedError("interrupted");
      case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
        std::string reason = os_errno == ECONNREFUSED ? "connection refused"
                             : os_errno != 0          ? std::strerror(static_cast<int>(os_errno))
                                                      : detail;
        return UnavailableError("cannot reach the inet server at " + base_url_ + ": " + reason +
                                "; start it with `inet server` or set INET_URL");
      }
      case CURLE_COULDNT_RESOLVE_HOST:
        return UnavailableError("cannot reach the inet server at " + base_url_ +
                                ": unknown host; check INET_URL or --url");
      case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connect_time = 0;
        curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_time);
        if (connect_time == 0) {
          return UnavailableError("cannot reach the inet server at " + base_url_ +
                                  ": no answer within " +
                                  std::to_string(options_.connect_timeout_seconds) +
                                  " s; is it running, and is INET_URL right?");
        }
        return DeadlineExceededError("the inet server at " + base_url_ + " stopped answering (" +
                                     detail + ")");
      }
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return InvalidArgumentError("invalid server URL \"" + base_url_ + "\" (" + detail +
                                    "); it should look like http://127.0.0.1:8080");
      case CURLE_READ_ERROR:
        return DataLossError("reading the file to upload failed: " + detail);
      default:
        return UnavailableError("talking to the inet server at " + base_url_ + ": " + detail);
    }
  }
  long http_status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  if (http_status < 200 || http_status >= 300) {
    return StatusFromErrorResponse(http_status, t.response_body);
  }
  return OkStatus();
}

StatusOr<boost::json::value> ApiClient::GetJson(std::string_view target) {
  internal::Transfer t;
  t.target = std::string(target);
  RETURN_IF_ERROR(Perform(t));
  return ParseJsonAnswer(t.response_body, base_url_ + t.target);
}

StatusOr<boost::json::value> ApiClient::PostJson(std::string_view target,
                                                 const boost::json::value& body) {
  internal::Transfer t;
  t.target = std::string(target);
  std::string serialized = boost::json::serialize(body);
  t.body = &serialized;
  t.headers.push_back("Content-Type: application/json");
  RETURN_IF_ERROR(Perform(t));
  return ParseJsonAnswer(t.response_body, base_url_ + t.target);
}

StatusOr<boost::json::value> ApiClient::PutJson(std::string_view target,
                                                const boost::json::value& body) {
  internal::Transfer t;
  t.target = std::string(target);
  t.method = "PUT";
  std::string serialized = boost::json::serialize(body);
  t.body = &serialized;
  t.headers.push_back("Content-Type: application/json");
  RETURN_IF_ERROR(Perform(t));
  return ParseJsonAnswer(t.response_body, base_url_ + t.target);
}

StatusOr<boost::json::value> ApiClient::DeleteJson(std::string_view target) {
  internal::Transfer t;
  t.target = std::string(target);
  t.method = "DELETE";
  RETURN_IF_ERROR(Perform(t));
  return ParseJsonAnswer(t.response_body, base_url_ + t.target);
}

StatusOr<StreamResult> ApiClient::GetStream(std::string_view target,
                                            const ChunkCallback& on_chunk) {
  internal::Transfer t;
  t.target = std::string(target);
  t.on_chunk = &on_chunk;
  t.total_timeout = false;
  RETURN_IF_ERROR(Perform(t));
  StreamResult result;
  long http_status = 0;
  curl_easy_getinfo(static_cast<CURL*>(curl_.get()), CURLINFO_RESPONSE_CODE, &http_status);
  result.http_status = static_cast<int>(http_status);
  result.headers = std::move(t.response_headers);
  result.bytes = t.streamed;
  return result;
}

StatusOr<boost::json::value> ApiClient::PostFile(std::string_view target, const std::string& path,
                                                 std::string_view content_type,
                                                 const UploadProgress& progress) {
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    int error = errno;
    std::string message = "cannot open " + path + ": " + std::strerror(error);
    if (error == ENOENT) {
      return NotFoundError(message);
    }
    if (error == EACCES) {
      return PermissionDeniedError(message);
    }
    return InternalError(message);
  }
  if (std::fseek(file.get(), 0, SEEK_END) != 0) {
    return InternalError("cannot seek in " + path);
  }
  long size = std::ftell(file.get());
  if (size < 0) {
    return InternalError("cannot size " + path);
  }
  std::rewind(file.get());

  internal::Transfer t;
  t.target = std::string(target);
  t.upload = file.get();
  t.upload_size = size;
  t.progress = &progress;
  t.total_timeout = false;
  t.headers.push_back("Content-Type: " + std::string(content_type));
  RETURN_IF_ERROR(Perform(t));
  return ParseJsonAnswer(t.response_body, base_url_ + t.target);
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace inet::client
