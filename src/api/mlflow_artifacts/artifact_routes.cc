#include "api/mlflow_artifacts/artifact_routes.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/authorization.h"
#include "api/routes.h"
#include "artifacts/artifact_uri.h"
#include "tracking/messages.h"
#include "tracking/tracking_service.h"

namespace inet::api {
namespace {

namespace json = boost::json;
using artifacts::ArtifactLocation;
constexpr Access kRead = Access::kRead;
constexpr Access kWrite = Access::kWrite;
using artifacts::ArtifactStore;
using http::Method;
using http::Request;
using http::Response;

constexpr size_t kAjaxUploadMaxBytes = 10 * 1024 * 1024;  // MLflow's ajax upload limit
constexpr int64_t kMaxParts = 10000;
constexpr std::string_view kMultipartUnsupported =
    "Multipart upload is not supported for the current artifact repository";

Response InvalidPath() { return http::ErrorResponse(InvalidArgumentError("Invalid path")); }

Response MissingParameter(std::string_view name) {
  return http::ErrorResponse(
      InvalidArgumentError("Missing value for required parameter '" + std::string(name) + "'."));
}

Response JsonOk(const json::object& body) { return Response::Json(json::serialize(body)); }

// One round of percent-decoding; nullopt when there is nothing (left) to decode or an escape
// is malformed.
std::optional<std::string> DecodeOnce(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  if (out == s) return std::nullopt;
  return out;
}

// MLflow's validate_path_is_safe: the path as received (already percent-decoded once by the
// HTTP core) is decoded until stable, and the result must be a plain relative path. Returns
// the key to use (the once-decoded form, normalised), or nullopt for "Invalid path".
std::optional<std::string> SafePath(std::string_view path, bool allow_empty) {
  std::string decoded(path);
  for (int round = 0; round < 10; ++round) {
    std::optional<std::string> next = DecodeOnce(decoded);
    if (!next) break;
    decoded = std::move(*next);
  }
  for (std::string_view candidate : {std::string_view(path), std::string_view(decoded)}) {
    if (candidate.find('#') != std::string_view::npos) return std::nullopt;
    if (candidate.starts_with("file:")) return std::nullopt;
    if (candidate.starts_with('/')) return std::nullopt;  // absolute, even "/" alone
    // A Windows drive ("C:\\x", "C:/x") is absolute there; refuse it everywhere.
    if (candidate.size() >= 2 && std::isalpha(static_cast<unsigned char>(candidate[0])) &&
        candidate[1] == ':') {
      return std::nullopt;
    }
    auto key = artifacts::ValidateKey(candidate, allow_empty);
    if (!key.ok()) return std::nullopt;
  }
  auto key = artifacts::ValidateKey(path, allow_empty);
  return std::move(key).value();
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return std::string(a) + "/" + std::string(b);
}

// MLflow's _guess_mime_type: text-like files are text/plain, a few well-known types keep
// theirs, everything else is application/octet-stream.
std::string GuessContentType(std::string_view filename) {
  std::string name(filename);
  size_t dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? name : name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::string_view kText[] = {
      "txt",  "log",   "err",  "cfg",  "conf", "cnf",   "cf",      "ini",      "properties",
      "prop", "hocon", "toml", "yaml", "yml",  "xml",   "json",    "js",       "py",
      "py3",  "csv",   "tsv",  "md",   "rst",  "ipynb", "mlmodel", "mlproject"};
  for (std::string_view t : kText) {
    if (ext == t) return "text/plain";
  }
  struct Known {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr Known kKnown[] = {
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"svg", "image/svg+xml"},
      {"bmp", "image/bmp"},
      {"webp", "image/webp"},
      {"html", "text/html"},
      {"htm", "text/html"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"mp4", "video/mp4"},
      {"wav", "audio/x-wav"},
      {"mp3", "audio/mpeg"},
      {"geojson", "application/geo+json"},
  };
  for (const Known& k : kKnown) {
    if (ext == k.ext) return std::string(k.type);
  }
  return "application/octet-stream";
}

// RFC 6266 attachment; non-ASCII names get an ASCII fallback plus an RFC 5987 filename*.
std::string ContentDisposition(std::string_view filename) {
  bool ascii = std::all_of(filename.begin(), filename.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  std::string quoted;
  for (char c : filename) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80) continue;
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  if (quoted.empty()) quoted = "download";
  std::string value = "attachment; filename=\"" + quoted + "\"";
  if (!ascii) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string encoded;
    for (unsigned char c : filename) {
      if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~') {
        encoded.push_back(static_cast<char>(c));
      } else {
        encoded += {'%', kHex[c >> 4], kHex[c & 15]};
      }
    }
    value += "; filename*=UTF-8''" + encoded;
  }
  return value;
}

// Percent-encodes a key for use in a URL path (keeps '/').
std::string EncodePath(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

struct DirEntry {
  std::string name;
  bool is_dir = false;
  int64_t size = 0;
};

// The immediate children of the directory `dir_key` ("" = root), every page, sorted by name.
StatusOr<std::vector<DirEntry>> ListDirectory(ArtifactStore& store, const std::string& dir_key) {
  std::vector<DirEntry> entries;
  artifacts::ListOptions options;
  options.prefix = dir_key.empty() ? "" : dir_key + "/";
  options.delimited = true;
  for (;;) {
    ASSIGN_OR_RETURN(artifacts::ListResult page, store.List(options));
    for (const artifacts::ObjectInfo& o : page.objects) {
      entries.push_back({std::string(Basename(o.key)), false, o.size});
    }
    for (const std::string& p : page.common_prefixes) {
      std::string_view dir(p);
      dir.remove_suffix(1);  // the trailing '/'
      entries.push_back({std::string(Basename(dir)), true, 0});
    }
    if (page.next_page_token.empty()) break;
    options.page_token = std::move(page.next_page_token);
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

json::object FileInfo(std::string path, const DirEntry& e) {
  json::object f;
  f["path"] = std::move(path);
  f["is_dir"] = e.is_dir;
  if (!e.is_dir) f["file_size"] = e.size;
  return f;
}

// Streams the object at `key` as an attachment named after `display_path`.
Response SendArtifact(ArtifactStore& store, const std::string& key, std::string_view display_path) {
  auto info = store.Head(key);
  if (!info.ok()) {
    if (info.status().code() == StatusCode::kNotFound) {
      auto children = store.List({key + "/", true, "", 1});
      if (children.ok() && (!children->objects.empty() || !children->common_prefixes.empty())) {
        return http::ErrorResponse(
            InvalidArgumentError("Artifact path refers to a directory, not a file: '" +
                                 std::string(display_path) + "'"));
      }
      return http::ErrorResponse(
          NotFoundError("Artifact '" + std::string(display_path) + "' does not exist"));
    }
    return http::ErrorResponse(info.status());
  }
  auto body = store.Get(key);
  if (!body.ok()) return http::ErrorResponse(body.status());
  std::string_view filename = Basename(display_path);
  Response response;
  response.status = 200;
  response.content_type = GuessContentType(filename);
  response.headers.emplace_back("Content-Disposition", ContentDisposition(filename));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("ETag", "\"" + info->etag + "\"");
  response.stream = std::move(body).value();
  response.stream_length = info->size;
  return response;
}

// Parses a JSON object body (empty = {}). nullopt for anything else.
std::optional<json::object> ParseObject(std::string_view body) {
  if (body.empty()) return json::object();
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::string> StringField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

// An int64 given as a JSON number or a numeric string (proto-JSON allows both).
std::optional<int64_t> IntField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->as_uint64());
  }
  if (v->is_string()) {
    std::string_view s = v->as_string();
    if (s.empty() || s.size() > 18 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stoll(std::string(s));
  }
  return std::nullopt;
}

// Handlers share this state; the router keeps it alive through the lambdas.
class ArtifactHandlers {
 public:
  ArtifactHandlers(tracking::TrackingService& tracking, ArtifactStore& destination,
                   const artifacts::ArtifactSchemeRegistry& schemes,
                   std::vector<std::string> local_roots, const Authorizer& authorizer)
      : tracking_(tracking),
        destination_(destination),
        resolver_(destination, schemes, std::move(local_roots)),
        authorizer_(authorizer) {}

  // PUT /mlflow-artifacts/artifacts/<path>: streams the body into the destination.
  Response Upload(Request& req) {
    StatusOr<std::string> key = ProxiedKey(req, req.path_params["path"], false, kWrite);
    if (!key.ok()) return http::ErrorResponse(key.status());
    StringByteSource buffered(std::move(req.body));
    ByteSource& body = req.body_stream != nullptr ? *req.body_stream : buffered;
    int64_t size = req.content_length ? static_cast<int64_t>(*req.content_length) : -1;
    Status put = destination_.Put(*key, body, size);
    if (!put.ok()) return http::ErrorResponse(put.WithContext("uploading '" + *key + "'"));
    return JsonOk({});
  }

  // GET /mlflow-artifacts/artifacts/<path>
  Response Download(Request& req) {
    StatusOr<std::string> key = ProxiedKey(req, req.path_params["path"], false, kRead);
    if (!key.ok()) return http::ErrorResponse(key.status());
    return SendArtifact(destination_, *key, req.path_params["path"]);
  }

  // GET /mlflow-artifacts/artifacts?path=<dir>: basenames only, like MLflow.
  Response ListProxied(Request& req) {
    StatusOr<std::string> dir = ProxiedKey(req, req.Query("path").value_or(""), true, kRead);
    if (!dir.ok()) return http::ErrorResponse(dir.status());
    auto entries = ListDirectory(destination_, *dir);
    if (!entries.ok()) return http::ErrorResponse(entries.status());
    json::object body;
    if (!entries->empty()) {
      json::array files;
      for (const DirEntry& e : *entries) files.push_back(FileInfo(e.name, e));
      body["files"] = std::move(files);
    }
    return JsonOk(body);
  }

  // DELETE /mlflow-artifacts/artifacts/<path>: a file or a whole directory.
  Response DeleteProxied(Request& req) {
    StatusOr<std::string> key = ProxiedKey(req, req.path_params["path"], false, kWrite);
    if (!key.ok()) return http::ErrorResponse(key.status());
    Status deleted = destination_.Delete(*key);
    if (deleted.ok()) deleted = destination_.DeletePrefix(*key);
    if (!deleted.ok()) return http::ErrorResponse(deleted);
    return JsonOk({});
  }

  // POST /mlflow-artifacts/mpu/create/<dir>: {path: local file, num_parts}. The object key is
  // <dir>/<basename(path)>, as in MLflow's S3 repository. Each part is PUT to a URL on this
  // server whose upload id acts as the credential (the client sends no auth header there).
  Response MultipartCreate(Request& req) {
    auto request = ParseRequest(req);
    if (!request.ok()) return http::ErrorResponse(request.status());
    auto& [key, body] = *request;
    int64_t num_parts = 1;
    if (body.contains("num_parts")) {
      std::optional<int64_t> n = IntField(body, "num_parts");
      if (!n || *n < 1 || *n > kMaxParts) {
        return http::ErrorResponse(InvalidArgumentError(
            "Invalid value for parameter 'num_parts': must be between 1 and 10000"));
      }
      num_parts = *n;
    }
    auto upload_id = destination_.CreateMultipartUpload(key);
    if (!upload_id.ok()) {
      if (upload_id.status().code() == StatusCode::kUnimplemented) {
        return http::ErrorResponse(UnimplementedError(std::string(kMultipartUnsupported)));
      }
      return http::ErrorResponse(upload_id.status());
    }
    std::string base =
        PartUrlBase(req) + EncodePath(key) + "?upload_id=" + *upload_id + "&part_number=";
    json::array credentials;
    for (int64_t i = 1; i <= num_parts; ++i) {
      json::object c;
      c["url"] = base + std::to_string(i);
      c["part_number"] = i;
      c["headers"] = json::object();
      credentials.push_back(std::move(c));
    }
    json::object out;
    out["upload_id"] = *upload_id;
    out["credentials"] = std::move(credentials);
    return JsonOk(out);
  }

  // PUT /mlflow-artifacts/mpu/part/<key>?upload_id=&part_number=: one part, streamed. The
  // response's ETag header is what the client sends back on completion.
  Response MultipartPart(Request& req) {
    std::optional<std::string> key = SafePath(req.path_params["path"], false);
    if (!key) return InvalidPath();
    std::optional<std::string> upload_id = req.Query("upload_id");
    std::optional<std::string> part = req.Query("part_number");
    if (!upload_id || upload_id->empty()) return MissingParameter("upload_id");
    if (!part || part->empty() || part->size() > 5 ||
        !std::all_of(part->begin(), part->end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return MissingParameter("part_number");
    }
    StringByteSource buffered(std::move(req.body));
    ByteSource& body = req.body_stream != nullptr ? *req.body_stream : buffered;
    auto etag = destination_.UploadPart(*key, *upload_id, std::stoi(*part), body);
    if (!etag.ok()) return http::ErrorResponse(etag.status());
    Response response = JsonOk({});
    response.headers.emplace_back("ETag", *etag);
    return response;
  }

  // POST /mlflow-artifacts/mpu/complete/<dir>: {path, upload_id, parts[{part_number, etag}]}.
  Response MultipartComplete(Request& req) {
    auto request = ParseRequest(req);
    if (!request.ok()) return http::ErrorResponse(request.status());
    auto& [key, body] = *request;
    std::optional<std::string> upload_id = StringField(body, "upload_id");
    if (!upload_id || upload_id->empty()) return MissingParameter("upload_id");
    const json::value* parts_value = body.if_contains("parts");
    if (parts_value == nullptr || !parts_value->is_array() || parts_value->as_array().empty()) {
      return MissingParameter("parts");
    }
    std::vector<artifacts::CompletedPart> parts;
    for (const json::value& p : parts_value->as_array()) {
      std::optional<int64_t> number =
          p.is_object() ? IntField(p.as_object(), "part_number") : std::nullopt;
      if (!number || *number < 1 || *number > kMaxParts) {
        return http::ErrorResponse(InvalidArgumentError("Invalid value for parameter 'parts'"));
      }
      parts.push_back({static_cast<int>(*number), StringField(p.as_object(), "etag").value_or("")});
    }
    Status completed = destination_.CompleteMultipartUpload(key, *upload_id, parts);
    if (!completed.ok()) return http::ErrorResponse(completed);
    return JsonOk({});
  }

  // POST /mlflow-artifacts/mpu/abort/<dir>: {path, upload_id}.
  Response MultipartAbort(Request& req) {
    auto request = ParseRequest(req);
    if (!request.ok()) return http::ErrorResponse(request.status());
    auto& [key, body] = *request;
    std::optional<std::string> upload_id = StringField(body, "upload_id");
    if (!upload_id || upload_id->empty()) return MissingParameter("upload_id");
    Status aborted = destination_.AbortMultipartUpload(key, *upload_id);
    if (!aborted.ok()) return http::ErrorResponse(aborted);
    return JsonOk({});
  }

  // GET /mlflow/artifacts/list?run_id=&path=: run-relative paths; every entry in one answer
  // (MLflow ignores page_token here too).
  Response ListRunArtifacts(Request& req) {
    std::string run_id = req.Query("run_id").value_or("");
    if (run_id.empty()) run_id = req.Query("run_uuid").value_or("");
    if (run_id.empty()) return MissingParameter("run_id");
    std::optional<std::string> path = SafePath(req.Query("path").value_or(""), true);
    if (!path) return InvalidPath();
    if (Status s = authorizer_.Run(req.identity, run_id, kRead); !s.ok()) {
      return http::ErrorResponse(s);
    }
    auto run = tracking_.GetRun(req.identity, run_id);
    if (!run.ok()) return http::ErrorResponse(run.status());
    return ListUnder(run->info.artifact_uri, *path);
  }

  // GET /get-artifact?run_id=&path=
  Response GetRunArtifact(Request& req) {
    std::string run_id = req.Query("run_id").value_or("");
    if (run_id.empty()) run_id = req.Query("run_uuid").value_or("");
    if (run_id.empty()) return MissingParameter("run_id");
    std::optional<std::string> raw = req.Query("path");
    if (!raw || raw->empty()) return MissingParameter("path");
    std::optional<std::string> path = SafePath(*raw, false);
    if (!path) return InvalidPath();
    if (Status s = authorizer_.Run(req.identity, run_id, kRead); !s.ok()) {
      return http::ErrorResponse(s);
    }
    auto run = tracking_.GetRun(req.identity, run_id);
    if (!run.ok()) return http::ErrorResponse(run.status());
    return SendUnder(run->info.artifact_uri, *path);
  }

  // GET /mlflow/logged-models/{model_id}/artifacts/directories?artifact_directory_path=
  Response ListModelArtifacts(Request& req) {
    std::optional<std::string> path =
        SafePath(req.Query("artifact_directory_path").value_or(""), true);
    if (!path) return InvalidPath();
    if (Status s = authorizer_.LoggedModel(req.identity, req.path_params["model_id"], kRead);
        !s.ok()) {
      return http::ErrorResponse(s);
    }
    const std::string& model_id = req.path_params["model_id"];
    auto model = tracking_.GetLoggedModel(req.identity, model_id);
    if (!model.ok()) return http::ErrorResponse(model.status());
    return ListUnder(model->artifact_uri, *path);
  }

  // GET /ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files?artifact_file_path=
  Response GetModelArtifact(Request& req) {
    std::optional<std::string> raw = req.Query("artifact_file_path");
    if (!raw || raw->empty()) {
      return http::ErrorResponse(
          InvalidArgumentError("Request must include the \"artifact_file_path\" query parameter."),
          "BAD_REQUEST");
    }
    std::optional<std::string> path = SafePath(*raw, false);
    if (!path) return InvalidPath();
    if (Status s = authorizer_.LoggedModel(req.identity, req.path_params["model_id"], kRead);
        !s.ok()) {
      return http::ErrorResponse(s);
    }
    const std::string& model_id = req.path_params["model_id"];
    auto model = tracking_.GetLoggedModel(req.identity, model_id);
    if (!model.ok()) return http::ErrorResponse(model.status());
    return SendUnder(model->artifact_uri, *path);
  }

  // POST /ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path= with the file as the body.
  Response AjaxUpload(Request& req) {
    std::string run_id = req.Query("run_uuid").value_or("");
    if (run_id.empty()) {
      return http::ErrorResponse(InvalidArgumentError("Request must specify run_uuid."));
    }
    std::optional<std::string> raw = req.Query("path");
    if (!raw || raw->empty()) {
      return http::ErrorResponse(InvalidArgumentError("Request must specify path."));
    }
    std::optional<std::string> path = SafePath(*raw, false);
    if (!path) return InvalidPath();
    if ((req.content_length && *req.content_length > kAjaxUploadMaxBytes) ||
        req.body.size() > kAjaxUploadMaxBytes) {
      return http::ErrorResponse(
          InvalidArgumentError("Artifact size is too large. Max size is 10MB."));
    }
    if (req.body.empty()) {
      return http::ErrorResponse(InvalidArgumentError("Request must specify data."));
    }
    if (Status s = authorizer_.Run(req.identity, run_id, kWrite); !s.ok()) {
      return http::ErrorResponse(s);
    }
    auto run = tracking_.GetRun(req.identity, run_id);
    if (!run.ok()) return http::ErrorResponse(run.status());
    auto location = resolver_.Resolve(run->info.artifact_uri, /*create=*/true);
    if (!location.ok()) return http::ErrorResponse(location.status());
    if (location->is_destination) {
      // A run whose experiment points into platform-owned keys still may not write there.
      Status s = authorizer_.ArtifactKey(req.identity, location->KeyFor(*path), kWrite);
      if (!s.ok()) return http::ErrorResponse(s);
    }
    StringByteSource body(std::move(req.body));
    Status put = location->store->Put(location->KeyFor(*path), body);
    if (!put.ok()) return http::ErrorResponse(put.WithContext("uploading '" + *path + "'"));
    return JsonOk({});
  }

 private:
  // The object key of a multipart request: <path param dir>/<basename of body "path">.
  StatusOr<std::pair<std::string, json::object>> ParseRequest(Request& req) {
    std::optional<std::string> dir = SafePath(req.path_params["path"], true);
    if (!dir) return InvalidArgumentError("Invalid path");
    std::optional<json::object> body = ParseObject(req.body);
    if (!body) return InvalidArgumentError("Request body must be a JSON object");
    std::optional<std::string> local_file = StringField(*body, "path");
    if (!local_file || local_file->empty()) {
      return InvalidArgumentError("Missing value for required parameter 'path'.");
    }
    // The client sends its local file path; only the file name matters (either separator).
    std::string_view name = *local_file;
    size_t sep = name.find_last_of("/\\");
    if (sep != std::string_view::npos) name = name.substr(sep + 1);
    std::optional<std::string> file = SafePath(name, false);
    if (!file || file->find('/') != std::string::npos) {
      return InvalidArgumentError("Invalid path");
    }
    ASSIGN_OR_RETURN(std::string key, ProxiedKey(req, JoinPath(*dir, *file), false, kWrite));
    return std::make_pair(std::move(key), std::move(*body));
  }

  // The store key of a path of the mlflow-artifacts routes: a safe path (MLflow's "Invalid
  // path" otherwise), inside the acting team's root, that the caller may touch.
  StatusOr<std::string> ProxiedKey(const Request& req, std::string_view path, bool allow_empty,
                                   Access access) const {
    std::optional<std::string> safe = SafePath(path, allow_empty);
    if (!safe) return InvalidArgumentError("Invalid path");
    ASSIGN_OR_RETURN(std::string key, TeamArtifactKey(req.identity, *safe));
    RETURN_IF_ERROR(authorizer_.ArtifactKey(req.identity, key, access));
    return key;
  }

  // "<scheme>://<host><prefix>/mlflow-artifacts/mpu/part/", from the request that created
  // the upload, so the URLs work through the same host and path prefix the client used.
  static std::string PartUrlBase(const Request& req) {
    std::string_view forwarded = req.Header("x-forwarded-proto");
    std::string scheme = forwarded == "https" ? "https" : "http";
    std::string host(req.Header("host"));
    if (host.empty()) host = "localhost";
    std::string_view path = req.path;
    size_t anchor = path.find("/mlflow-artifacts/");
    std::string prefix(anchor == std::string_view::npos ? "/api/2.0" : path.substr(0, anchor));
    return scheme + "://" + host + prefix + "/mlflow-artifacts/mpu/part/";
  }

  Response ListUnder(const std::string& artifact_uri, const std::string& path) {
    json::object body;
    body["root_uri"] = artifact_uri;
    auto location = resolver_.Resolve(artifact_uri);
    if (!location.ok()) {
      // A local run directory nothing was logged to yet: no artifacts.
      if (location.status().code() == StatusCode::kNotFound) return JsonOk(body);
      return http::ErrorResponse(location.status());
    }
    auto entries = ListDirectory(*location->store, location->KeyFor(path));
    if (!entries.ok()) return http::ErrorResponse(entries.status());
    if (!entries->empty()) {
      json::array files;
      for (const DirEntry& e : *entries) files.push_back(FileInfo(JoinPath(path, e.name), e));
      body["files"] = std::move(files);
    }
    return JsonOk(body);
  }

  Response SendUnder(const std::string& artifact_uri, const std::string& path) {
    auto location = resolver_.Resolve(artifact_uri);
    if (!location.ok()) {
      if (location.status().code() == StatusCode::kNotFound) {
        return http::ErrorResponse(NotFoundError("Artifact '" + path + "' does not exist"));
      }
      return http::ErrorResponse(location.status());
    }
    return SendArtifact(*location->store, location->KeyFor(path), path);
  }

  // Reads of runs and logged models go through the tracking service, which applies the team
  // rule (another team's answer as absent).
  tracking::TrackingService& tracking_;
  ArtifactStore& destination_;
  artifacts::ArtifactUriResolver resolver_;
  const Authorizer& authorizer_;
};

}  // namespace

void RegisterArtifactRoutes(http::Router& router, tracking::TrackingService& tracking,
                            artifacts::ArtifactStore& destination,
                            const artifacts::ArtifactSchemeRegistry& schemes,
                            std::vector<std::string> local_roots, const Authorizer& authorizer) {
  // shared_ptr: owned jointly by every handler the router keeps.
  auto h = std::make_shared<ArtifactHandlers>(tracking, destination, schemes,
                                              std::move(local_roots), authorizer);
  auto bind = [h](Response (ArtifactHandlers::*method)(Request&)) {
    return [h, method](Request& req) { return ((*h).*method)(req); };
  };
  // Every handler authorizes scoped tokens on the run, model or key it touches.
  const http::RouteOptions scoped{.scoped_tokens = true};
  const http::RouteOptions streaming{.stream_body = true, .scoped_tokens = true};

  AddMlflowRoute(router, Method::kPut, "/mlflow-artifacts/artifacts/{path...}",
                 bind(&ArtifactHandlers::Upload), streaming);
  AddMlflowRoute(router, Method::kGet, "/mlflow-artifacts/artifacts/{path...}",
                 bind(&ArtifactHandlers::Download), scoped);
  AddMlflowRoute(router, Method::kGet, "/mlflow-artifacts/artifacts",
                 bind(&ArtifactHandlers::ListProxied), scoped);
  AddMlflowRoute(router, Method::kDelete, "/mlflow-artifacts/artifacts/{path...}",
                 bind(&ArtifactHandlers::DeleteProxied), scoped);
  for (std::string_view suffix : {"", "/{path...}"}) {
    std::string s(suffix);
    AddMlflowRoute(router, Method::kPost, "/mlflow-artifacts/mpu/create" + s,
                   bind(&ArtifactHandlers::MultipartCreate), scoped);
    AddMlflowRoute(router, Method::kPost, "/mlflow-artifacts/mpu/complete" + s,
                   bind(&ArtifactHandlers::MultipartComplete), scoped);
    AddMlflowRoute(router, Method::kPost, "/mlflow-artifacts/mpu/abort" + s,
                   bind(&ArtifactHandlers::MultipartAbort), scoped);
  }
  http::RouteOptions part_options;
  part_options.stream_body = true;
  // The MLflow client PUTs parts with plain `requests.put` and no credentials, as it would to
  // an S3 presigned URL; the unguessable upload id bound to its key is the capability.
  part_options.public_route = true;
  AddMlflowRoute(router, Method::kPut, "/mlflow-artifacts/mpu/part/{path...}",
                 bind(&ArtifactHandlers::MultipartPart), part_options);

  AddMlflowRoute(router, Method::kGet, "/mlflow/artifacts/list",
                 bind(&ArtifactHandlers::ListRunArtifacts), scoped);
  router.Add(Method::kGet, "/get-artifact", bind(&ArtifactHandlers::GetRunArtifact), scoped);
  AddMlflowRoute(router, Method::kGet, "/mlflow/logged-models/{model_id}/artifacts/directories",
                 bind(&ArtifactHandlers::ListModelArtifacts), scoped);
  AddMlflowRoute(router, Method::kGet, "/mlflow/logged-models/{model_id}/artifacts/files",
                 bind(&ArtifactHandlers::GetModelArtifact), scoped);
  router.Add(Method::kPost, "/ajax-api/2.0/mlflow/upload-artifact",
             bind(&ArtifactHandlers::AjaxUpload), scoped);
}

}  // namespace inet::api
