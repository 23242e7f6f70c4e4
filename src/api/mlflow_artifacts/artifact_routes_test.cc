// Handler tests: built Requests go through the Router (no sockets) to a real LocalArtifactStore
// in a temp dir and the real SQLite metadata store.
#include "api/mlflow_artifacts/artifact_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "artifacts/local/local_artifact_store.h"
#include "artifacts/testing/in_memory_artifact_store.h"
#include "store/sqlite/sqlite_metadata_store.h"
#include "tracking/lifecycle.h"

namespace inet::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using http::Method;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

using Query = std::vector<std::pair<std::string, std::string>>;

constexpr char kRunId[] = "0123456789abcdef0123456789abcdef";
constexpr char kLocalRunId[] = "fedcba9876543210fedcba9876543210";
constexpr char kModelId[] = "m-00112233445566778899aabbccddeeff";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string HeaderOf(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

std::string BodyOf(http::Response& r) {
  if (!r.stream) return r.body;
  auto all = ReadAll(*r.stream, 1 << 30);
  EXPECT_TRUE(all.ok());
  return all.ok() ? *all : "";
}

json::value ParseJson(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
  return v;
}

struct CallOptions {
  std::string body{};
  bool stream = false;  // deliver `body` through body_stream, as the server does
  Query query{};
  std::vector<std::pair<std::string, std::string>> headers{};
};

class ArtifactRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "inet-artifact-routes-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteMetadataStore("sqlite:///" + (dir_ / "t.db").string(),
                                                "mlflow-artifacts:/", &clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(tracking::EnsureDefaultExperiment(store_->tracking(), 0).ok());
    auto destination = artifacts::LocalArtifactStore::Open((dir_ / "dest").string());
    ASSERT_TRUE(destination.ok());
    destination_ = std::move(destination).value();

    store::RunInfo run;
    run.run_id = kRunId;
    run.experiment_id = "0";
    run.run_name = "proxied";
    run.start_time = clock_.NowMillis();
    run.artifact_uri = std::string("mlflow-artifacts:/0/") + kRunId + "/artifacts";
    ASSERT_TRUE(store_->tracking().CreateRun(run, {}).ok());
    run.run_id = kLocalRunId;
    run.run_name = "local";
    run.artifact_uri = "file://" + (dir_ / "mlruns/0" / kLocalRunId / "artifacts").string();
    ASSERT_TRUE(store_->tracking().CreateRun(run, {}).ok());

    store::LoggedModel model;
    model.model_id = kModelId;
    model.experiment_id = "0";
    model.name = "model";
    model.creation_timestamp_ms = clock_.NowMillis();
    model.last_updated_timestamp_ms = clock_.NowMillis();
    model.artifact_uri = std::string("mlflow-artifacts:/0/models/") + kModelId + "/artifacts";
    ASSERT_TRUE(store_->tracking().CreateLoggedModel(model).ok());

    ASSERT_TRUE(schemes_.Register("file", artifacts::OpenLocalArtifactStoreUri).ok());
    authorizer_ = std::make_unique<Authorizer>(store_->tracking());
    tracking_ = std::make_unique<tracking::TrackingService>(store_->tracking(), clock_);
    RegisterArtifactRoutes(router_, *tracking_, *destination_, schemes_,
                           {(dir_ / "mlruns").string()}, *authorizer_);
  }

  void TearDown() override {
    store_.reset();
    destination_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  http::Response Call(Method method, const std::string& path) {
    return Call(method, path, CallOptions{});
  }
  http::Response Call(Method method, const std::string& path, CallOptions options) {
    auto match = router_.Find(method, path);
    if (!match) return http::Response::Text("no route", 404);
    last_route_ = match->route;
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(options.query);
    req.headers = std::move(options.headers);
    req.path_params = match->params;
    req.identity = identity_;
    if (identity_.scoped()) {
      EXPECT_TRUE(match->route->options.scoped_tokens) << path;
    }
    StringByteSource source(options.body);
    if (options.stream) {
      EXPECT_TRUE(match->route->options.stream_body) << path;
      req.body_stream = &source;
      req.content_length = options.body.size();
    } else {
      req.body = options.body;
    }
    return match->route->handler(req);
  }

  json::value Ok(Method method, const std::string& path) { return Ok(method, path, CallOptions{}); }
  json::value Ok(Method method, const std::string& path, CallOptions options) {
    http::Response r = Call(method, path, std::move(options));
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return ParseJson(r.body);
  }

  // Expects an MLflow error; returns the message.
  std::string Error(const http::Response& r, int status, std::string_view code) {
    EXPECT_EQ(r.status, status) << r.body;
    json::value v = ParseJson(r.body);
    if (!v.is_object()) return "";
    EXPECT_EQ(v.at("error_code").as_string(), code) << r.body;
    return std::string(v.at("message").as_string());
  }

  void Upload(const std::string& path, std::string body) {
    http::Response r = Call(Method::kPut, "/api/2.0/mlflow-artifacts/artifacts/" + path,
                            {.body = std::move(body), .stream = true});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "{}");
  }

  // (path, is_dir, file_size or -1) of a files[] answer.
  static std::vector<std::tuple<std::string, bool, int64_t>> Files(const json::value& v) {
    std::vector<std::tuple<std::string, bool, int64_t>> out;
    const json::value* files = v.as_object().if_contains("files");
    if (files == nullptr) return out;
    for (const json::value& f : files->as_array()) {
      const json::object& o = f.as_object();
      out.emplace_back(std::string(o.at("path").as_string()), o.at("is_dir").as_bool(),
                       o.contains("file_size") ? o.at("file_size").as_int64() : -1);
    }
    return out;
  }

  std::string RunPrefix() const { return std::string("0/") + kRunId + "/artifacts"; }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<artifacts::LocalArtifactStore> destination_;
  artifacts::ArtifactSchemeRegistry schemes_;  // outlives the router's handlers
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<tracking::TrackingService> tracking_;  // outlives the router's handlers
  http::Router router_;
  const http::Router::Route* last_route_ = nullptr;
  Identity identity_{"alice", "", false};
};

TEST_F(ArtifactRoutesTest, ProxyUploadListDownloadDelete) {
  Upload(RunPrefix() + "/model/MLmodel", "flavors: {}");
  Upload(RunPrefix() + "/model/data/weights.bin", std::string(1000, 'w'));
  Upload(RunPrefix() + "/metrics.json", "{\"a\": 1}");
  // The bytes land in the destination directory, where a file:// reader finds them.
  EXPECT_EQ(ReadFile(dir_ / "dest" / RunPrefix() / "model/MLmodel"), "flavors: {}");

  json::value root =
      Ok(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts", {.query = {{"path", RunPrefix()}}});
  using F = std::tuple<std::string, bool, int64_t>;
  EXPECT_EQ(Files(root), (std::vector<F>{{"metrics.json", false, 8}, {"model", true, -1}}));
  json::value model = Ok(Method::kGet, "/ajax-api/2.0/mlflow-artifacts/artifacts",
                         {.query = {{"path", RunPrefix() + "/model"}}});
  EXPECT_EQ(Files(model), (std::vector<F>{{"MLmodel", false, 11}, {"data", true, -1}}));
  // Nothing there (and a file, as MLflow answers): an empty object.
  EXPECT_EQ(
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts", {.query = {{"path", "0/none"}}})
          .body,
      "{}");
  EXPECT_EQ(Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts",
                 {.query = {{"path", RunPrefix() + "/metrics.json"}}})
                .body,
            "{}");
  json::value top = Ok(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts");
  EXPECT_EQ(Files(top), (std::vector<F>{{"0", true, -1}}));

  http::Response got =
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/" + RunPrefix() + "/metrics.json");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.stream_length, 8);
  EXPECT_EQ(BodyOf(got), "{\"a\": 1}");
  EXPECT_EQ(got.content_type, "text/plain");
  EXPECT_EQ(HeaderOf(got, "Content-Disposition"), "attachment; filename=\"metrics.json\"");
  EXPECT_EQ(HeaderOf(got, "X-Content-Type-Options"), "nosniff");
  http::Response bin = Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/" + RunPrefix() +
                                              "/model/data/weights.bin");
  EXPECT_EQ(bin.content_type, "application/octet-stream");
  EXPECT_EQ(BodyOf(bin), std::string(1000, 'w'));

  EXPECT_EQ(Ok(Method::kDelete, "/api/2.0/mlflow-artifacts/artifacts/" + RunPrefix() + "/model"),
            json::value(json::object()));
  json::value after =
      Ok(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts", {.query = {{"path", RunPrefix()}}});
  EXPECT_EQ(Files(after), (std::vector<F>{{"metrics.json", false, 8}}));
  Ok(Method::kDelete, "/api/2.0/mlflow-artifacts/artifacts/" + RunPrefix() + "/metrics.json");
  EXPECT_FALSE(fs::exists(dir_ / "dest" / RunPrefix()));
}

TEST_F(ArtifactRoutesTest, UploadOverwritesAndNonAsciiNamesDownload) {
  Upload("0/x/r\xC3\xA9sum\xC3\xA9.txt", "v1");
  Upload("0/x/r\xC3\xA9sum\xC3\xA9.txt", "v2");
  http::Response got =
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/0/x/r\xC3\xA9sum\xC3\xA9.txt");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(BodyOf(got), "v2");
  EXPECT_EQ(HeaderOf(got, "Content-Disposition"),
            "attachment; filename=\"rsum.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt");
}

TEST_F(ArtifactRoutesTest, MissingFileIs404AndDirectoryIs400) {
  http::Response missing =
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/0/nothing/here.txt");
  EXPECT_THAT(Error(missing, 404, "RESOURCE_DOES_NOT_EXIST"), HasSubstr("0/nothing/here.txt"));
  Upload("0/dir/file", "x");
  http::Response dir = Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/0/dir");
  EXPECT_THAT(Error(dir, 400, "INVALID_PARAMETER_VALUE"),
              HasSubstr("Artifact path refers to a directory"));
  http::Response no_run =
      Call(Method::kGet, "/get-artifact",
           {.query = {{"run_id", "ffffffffffffffffffffffffffffffff"}, {"path", "a.txt"}}});
  Error(no_run, 404, "RESOURCE_DOES_NOT_EXIST");
  http::Response no_file =
      Call(Method::kGet, "/get-artifact", {.query = {{"run_id", kRunId}, {"path", "a.txt"}}});
  Error(no_file, 404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(ArtifactRoutesTest, RunArtifactRoutesResolveProxiedUris) {
  Upload(RunPrefix() + "/plots/loss.png", "PNG");
  Upload(RunPrefix() + "/notes.txt", "hello");
  for (const char* param : {"run_id", "run_uuid"}) {
    json::value listed =
        Ok(Method::kGet, "/api/2.0/mlflow/artifacts/list", {.query = {{param, kRunId}}});
    EXPECT_EQ(listed.at("root_uri").as_string(), std::string("mlflow-artifacts:/") + RunPrefix());
    using F = std::tuple<std::string, bool, int64_t>;
    EXPECT_EQ(Files(listed), (std::vector<F>{{"notes.txt", false, 5}, {"plots", true, -1}}));
  }
  json::value nested = Ok(Method::kGet, "/ajax-api/2.0/mlflow/artifacts/list",
                          {.query = {{"run_id", kRunId}, {"path", "plots"}}});
  using F = std::tuple<std::string, bool, int64_t>;
  EXPECT_EQ(Files(nested), (std::vector<F>{{"plots/loss.png", false, 3}}));

  http::Response got = Call(Method::kGet, "/get-artifact",
                            {.query = {{"run_uuid", kRunId}, {"path", "plots/loss.png"}}});
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.content_type, "image/png");
  EXPECT_EQ(BodyOf(got), "PNG");

  EXPECT_THAT(
      Error(Call(Method::kGet, "/api/2.0/mlflow/artifacts/list"), 400, "INVALID_PARAMETER_VALUE"),
      HasSubstr("'run_id'"));
  Error(Call(Method::kGet, "/api/2.0/mlflow/artifacts/list",
             {.query = {{"run_id", "ffffffffffffffffffffffffffffffff"}}}),
        404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(ArtifactRoutesTest, AjaxUploadWritesToTheRunAndLocalUrisWork) {
  for (const char* run : {kRunId, kLocalRunId}) {
    SCOPED_TRACE(run);
    EXPECT_EQ(Ok(Method::kPost, "/ajax-api/2.0/mlflow/upload-artifact",
                 {.body = "a,b\n1,2\n", .query = {{"run_uuid", run}, {"path", "data/t.csv"}}}),
              json::value(json::object()));
    json::value listed = Ok(Method::kGet, "/api/2.0/mlflow/artifacts/list",
                            {.query = {{"run_id", run}, {"path", "data"}}});
    using F = std::tuple<std::string, bool, int64_t>;
    EXPECT_EQ(Files(listed), (std::vector<F>{{"data/t.csv", false, 8}}));
    http::Response got =
        Call(Method::kGet, "/get-artifact", {.query = {{"run_id", run}, {"path", "data/t.csv"}}});
    EXPECT_EQ(BodyOf(got), "a,b\n1,2\n");
  }
  EXPECT_EQ(ReadFile(dir_ / "dest" / RunPrefix() / "data/t.csv"), "a,b\n1,2\n");
  EXPECT_EQ(ReadFile(dir_ / "mlruns/0" / kLocalRunId / "artifacts/data/t.csv"), "a,b\n1,2\n");

  Error(Call(Method::kPost, "/ajax-api/2.0/mlflow/upload-artifact",
             {.body = "x", .query = {{"path", "a"}}}),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call(Method::kPost, "/ajax-api/2.0/mlflow/upload-artifact",
             {.body = "", .query = {{"run_uuid", kRunId}, {"path", "a"}}}),
        400, "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(Error(Call(Method::kPost, "/ajax-api/2.0/mlflow/upload-artifact",
                         {.body = std::string(10 * 1024 * 1024 + 1, 'x'),
                          .query = {{"run_uuid", kRunId}, {"path", "big"}}}),
                    400, "INVALID_PARAMETER_VALUE"),
              HasSubstr("Max size is 10MB"));
}

TEST_F(ArtifactRoutesTest, RunsPointingOutsideTheLocalRootsAreRefused) {
  store::RunInfo run;
  run.run_id = "0123012301230123012301230123abcd";
  run.experiment_id = "0";
  run.run_name = "snoop";
  run.start_time = clock_.NowMillis();
  run.artifact_uri = "file:///etc";
  ASSERT_TRUE(store_->tracking().CreateRun(run, {}).ok());
  Error(Call(Method::kGet, "/api/2.0/mlflow/artifacts/list", {.query = {{"run_id", run.run_id}}}),
        403, "PERMISSION_DENIED");
  Error(
      Call(Method::kGet, "/get-artifact", {.query = {{"run_id", run.run_id}, {"path", "passwd"}}}),
      403, "PERMISSION_DENIED");
}

TEST_F(ArtifactRoutesTest, LocalRunWithNoArtifactDirectoryListsNothing) {
  json::value listed =
      Ok(Method::kGet, "/api/2.0/mlflow/artifacts/list", {.query = {{"run_id", kLocalRunId}}});
  EXPECT_TRUE(Files(listed).empty());
  EXPECT_TRUE(listed.as_object().contains("root_uri"));
  EXPECT_FALSE(fs::exists(dir_ / "mlruns"));
}

TEST_F(ArtifactRoutesTest, LoggedModelArtifacts) {
  std::string prefix = std::string("0/models/") + kModelId + "/artifacts";
  Upload(prefix + "/MLmodel", "artifact_path: model");
  Upload(prefix + "/data/model.pkl", "pickle");
  json::value listed = Ok(Method::kGet, std::string("/api/2.0/mlflow/logged-models/") + kModelId +
                                            "/artifacts/directories");
  EXPECT_EQ(listed.at("root_uri").as_string(), "mlflow-artifacts:/" + prefix);
  using F = std::tuple<std::string, bool, int64_t>;
  EXPECT_EQ(Files(listed), (std::vector<F>{{"MLmodel", false, 20}, {"data", true, -1}}));
  json::value nested =
      Ok(Method::kGet,
         std::string("/api/2.0/mlflow/logged-models/") + kModelId + "/artifacts/directories",
         {.query = {{"artifact_directory_path", "data"}}});
  EXPECT_EQ(Files(nested), (std::vector<F>{{"data/model.pkl", false, 6}}));

  http::Response got =
      Call(Method::kGet,
           std::string("/ajax-api/2.0/mlflow/logged-models/") + kModelId + "/artifacts/files",
           {.query = {{"artifact_file_path", "MLmodel"}}});
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.content_type, "text/plain");
  EXPECT_EQ(BodyOf(got), "artifact_path: model");
  EXPECT_THAT(Error(Call(Method::kGet, std::string("/ajax-api/2.0/mlflow/logged-models/") +
                                           kModelId + "/artifacts/files"),
                    400, "BAD_REQUEST"),
              HasSubstr("artifact_file_path"));
  Error(Call(Method::kGet, "/api/2.0/mlflow/logged-models/m-nope/artifacts/directories"), 404,
        "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(ArtifactRoutesTest, TraversalIsRejectedEverywhereAndTouchesNothing) {
  fs::path outside = dir_ / "outside.txt";
  { std::ofstream(outside) << "secret"; }
  // As the handlers receive them: the HTTP core has percent-decoded the path and the query
  // once, so "%2e%2e/" arrives as "../" and "%252e%252e" as "%2e%2e".
  const std::string bad[] = {"../x",         "../outside.txt",
                             "/etc/passwd",  "/",
                             "a/../../b",    "../",
                             "%2e%2e/x",     "a/%2E%2E/%2e%2e/outside.txt",
                             "%252e%252e/x", "..\\outside.txt",
                             "C:/x",         "file:///etc/passwd",
                             "a#b",          std::string("a\0b", 3)};
  const std::string invalid =
      R"({"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid path"})";
  auto expect_invalid = [&](const http::Response& r, const std::string& what) {
    EXPECT_EQ(r.status, 400) << what << ": " << r.body;
    EXPECT_EQ(ParseJson(r.body), ParseJson(invalid)) << what;
  };
  for (const std::string& path : bad) {
    SCOPED_TRACE("path: " + path);
    // Path-parameter routes. A leading '/' reaches them as written when the client encodes it
    // ("artifacts/%2Fetc%2Fpasswd" decodes to "artifacts//etc/passwd"; see http/internal/target.h).
    {
      std::string proxied = "/api/2.0/mlflow-artifacts/artifacts/" + path;
      expect_invalid(Call(Method::kPut, proxied, {.body = "pwned", .stream = true}), "PUT");
      expect_invalid(Call(Method::kGet, proxied), "GET");
      expect_invalid(Call(Method::kDelete, proxied), "DELETE");
      expect_invalid(Call(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create/" + path,
                          {.body = R"({"path": "f.bin", "num_parts": 1})"}),
                     "mpu/create");
      expect_invalid(Call(Method::kPut, "/api/2.0/mlflow-artifacts/mpu/part/" + path,
                          {.body = "x",
                           .stream = true,
                           .query = {{"upload_id", "0123456789abcdef0123456789abcdef"},
                                     {"part_number", "1"}}}),
                     "mpu/part");
    }
    expect_invalid(
        Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts", {.query = {{"path", path}}}),
        "list");
    expect_invalid(Call(Method::kGet, "/api/2.0/mlflow/artifacts/list",
                        {.query = {{"run_id", kRunId}, {"path", path}}}),
                   "artifacts/list");
    expect_invalid(
        Call(Method::kGet, "/get-artifact", {.query = {{"run_id", kRunId}, {"path", path}}}),
        "get-artifact");
    expect_invalid(
        Call(Method::kGet,
             std::string("/api/2.0/mlflow/logged-models/") + kModelId + "/artifacts/directories",
             {.query = {{"artifact_directory_path", path}}}),
        "model directories");
    expect_invalid(
        Call(Method::kGet,
             std::string("/ajax-api/2.0/mlflow/logged-models/") + kModelId + "/artifacts/files",
             {.query = {{"artifact_file_path", path}}}),
        "model files");
    expect_invalid(Call(Method::kPost, "/ajax-api/2.0/mlflow/upload-artifact",
                        {.body = "pwned", .query = {{"run_uuid", kLocalRunId}, {"path", path}}}),
                   "upload-artifact");
  }
  // Multipart requests name the file in the body; only its last component is used.
  for (const char* name : {"..", "dir/..", "C:\\dir\\..", "a#b"}) {
    expect_invalid(Call(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create/0/x",
                        {.body = json::serialize(json::object{{"path", name}})}),
                   std::string("mpu/create file name ") + name);
  }
  EXPECT_EQ(ReadFile(outside), "secret");
  // Nothing was written anywhere: the destination holds no objects and no run dir was made.
  auto all = destination_->List({"", false, "", 1000});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->objects.empty());
  EXPECT_FALSE(fs::exists(dir_ / "mlruns"));
  EXPECT_FALSE(fs::exists(dir_ / "x"));
  // Deleting the whole destination through the proxy is refused too.
  expect_invalid(Call(Method::kDelete, "/api/2.0/mlflow-artifacts/artifacts/"), "DELETE root");
}

TEST_F(ArtifactRoutesTest, MultipartUploadThroughPartUrls) {
  json::value created =
      Ok(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create/" + RunPrefix() + "/model",
         {.body = R"({"path": "/home/me/tmp/model.bin", "num_parts": 3})",
          .headers = {{"host", "tracking.example:5000"}}});
  std::string upload_id(created.at("upload_id").as_string());
  const json::array& credentials = created.at("credentials").as_array();
  ASSERT_EQ(credentials.size(), 3u);
  const std::string parts[] = {"first-", "second-", "third"};
  json::array completed;
  // Upload in reverse order, as a thread pool might.
  for (int i = 2; i >= 0; --i) {
    const json::object& c = credentials[i].as_object();
    EXPECT_EQ(c.at("part_number").as_int64(), i + 1);
    std::string url(c.at("url").as_string());
    std::string expected_prefix =
        "http://tracking.example:5000/api/2.0/mlflow-artifacts/mpu/part/" + RunPrefix() +
        "/model/model.bin?upload_id=" + upload_id + "&part_number=";
    ASSERT_EQ(url, expected_prefix + std::to_string(i + 1));
    // Split the URL the way the HTTP core would.
    std::string path = url.substr(std::string("http://tracking.example:5000").size());
    path = path.substr(0, path.find('?'));
    http::Response put =
        Call(Method::kPut, path,
             {.body = parts[i],
              .stream = true,
              .query = {{"upload_id", upload_id}, {"part_number", std::to_string(i + 1)}}});
    ASSERT_EQ(put.status, 200) << put.body;
    // The client PUTs parts without credentials.
    EXPECT_TRUE(last_route_->options.public_route);
    std::string etag = HeaderOf(put, "ETag");
    EXPECT_FALSE(etag.empty());
    completed.insert(completed.begin(),
                     json::object{{"part_number", i + 1}, {"etag", etag}, {"url", url}});
  }
  // Not visible until completed.
  EXPECT_EQ(
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/" + RunPrefix() + "/model/model.bin")
          .status,
      404);
  json::object complete{
      {"path", "/home/me/tmp/model.bin"}, {"upload_id", upload_id}, {"parts", completed}};
  Ok(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/complete/" + RunPrefix() + "/model",
     {.body = json::serialize(complete)});
  http::Response got =
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/" + RunPrefix() + "/model/model.bin");
  EXPECT_EQ(BodyOf(got), "first-second-third");
}

TEST_F(ArtifactRoutesTest, MultipartErrorsAndAbort) {
  json::value created = Ok(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create",
                           {.body = R"({"path": "C:\\Users\\me\\big.bin", "num_parts": "2"})"});
  std::string upload_id(created.at("upload_id").as_string());
  std::string url(created.at("credentials").as_array()[0].at("url").as_string());
  EXPECT_THAT(url, HasSubstr("/api/2.0/mlflow-artifacts/mpu/part/big.bin?upload_id="));
  http::Response put = Call(
      Method::kPut, "/api/2.0/mlflow-artifacts/mpu/part/big.bin",
      {.body = "data", .stream = true, .query = {{"upload_id", upload_id}, {"part_number", "1"}}});
  ASSERT_EQ(put.status, 200);
  // Wrong etag, then a wrong key for the upload id.
  Error(Call(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/complete",
             {.body = json::serialize(json::object{
                  {"path", "big.bin"},
                  {"upload_id", upload_id},
                  {"parts", json::array{json::object{{"part_number", 1}, {"etag", "bogus"}}}}})}),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call(Method::kPut, "/api/2.0/mlflow-artifacts/mpu/part/other.bin",
             {.body = "data",
              .stream = true,
              .query = {{"upload_id", upload_id}, {"part_number", "1"}}}),
        404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create",
             {.body = R"({"path": "f", "num_parts": 10001})"}),
        400, "INVALID_PARAMETER_VALUE");
  Error(Call(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create", {.body = R"({})"}), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/complete",
             {.body = R"({"path": "big.bin", "upload_id": "x"})"}),
        400, "INVALID_PARAMETER_VALUE");

  Ok(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/abort",
     {.body = json::serialize(json::object{{"path", "big.bin"}, {"upload_id", upload_id}})});
  Error(Call(Method::kPut, "/api/2.0/mlflow-artifacts/mpu/part/big.bin",
             {.body = "data",
              .stream = true,
              .query = {{"upload_id", upload_id}, {"part_number", "2"}}}),
        404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/big.bin").status, 404);
}

// A destination without multipart support, as some S3-compatible gateways are.
class NoMultipartStore : public artifacts::InMemoryArtifactStore {
 public:
  StatusOr<std::string> CreateMultipartUpload(std::string_view) override {
    return UnimplementedError("no multipart here");
  }
};

TEST(ArtifactRoutesNoMultipartTest, AnswersLikeMlflowSoTheClientFallsBack) {
  NoMultipartStore destination;
  auto store = store::OpenSqliteMetadataStore("sqlite:///:memory:", "mlflow-artifacts:/");
  ASSERT_TRUE(store.ok());
  http::Router router;
  artifacts::ArtifactSchemeRegistry schemes;
  Authorizer authorizer((*store)->tracking());
  FakeClock clock;
  tracking::TrackingService tracking((*store)->tracking(), clock);
  RegisterArtifactRoutes(router, tracking, destination, schemes, {}, authorizer);
  auto match = router.Find(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create/0/x");
  ASSERT_TRUE(match);
  http::Request req;
  req.method = Method::kPost;
  req.path = "/api/2.0/mlflow-artifacts/mpu/create/0/x";
  req.path_params = match->params;
  req.body = R"({"path": "f.bin", "num_parts": 2})";
  http::Response r = match->route->handler(req);
  EXPECT_EQ(r.status, 501);
  json::value v = ParseJson(r.body);
  EXPECT_EQ(v.at("error_code").as_string(), "NOT_IMPLEMENTED");
  EXPECT_EQ(v.at("message").as_string(),
            "Multipart upload is not supported for the current artifact repository");

  // Plain uploads still stream into the fake.
  auto put = router.Find(Method::kPut, "/api/2.0/mlflow-artifacts/artifacts/0/x/f.bin");
  ASSERT_TRUE(put);
  http::Request up;
  up.method = Method::kPut;
  up.path_params = put->params;
  StringByteSource body("bytes");
  up.body_stream = &body;
  EXPECT_EQ(put->route->handler(up).status, 200);
  EXPECT_EQ(destination.Head("0/x/f.bin")->size, 5);
}

// --- Authorization ----------------------------------------------------------------------------

TEST_F(ArtifactRoutesTest, PlatformOwnedKeysAreNotWritableByAnyone) {
  identity_.is_admin = true;
  struct Case {
    std::string key;
    std::string use_instead;
  };
  for (const Case& c :
       {Case{"snapshots/snap-1.tar.gz", "POST /api/v1/snapshots"},
        Case{"jobs/train-1/job.log", "GET /api/v1/jobs/{job_id}/logs"},
        Case{"platform/models/x.bin", "PUT /api/v1/artifacts/{namespace}/{path}"}}) {
    http::Response put = Call(Method::kPut, "/api/2.0/mlflow-artifacts/artifacts/" + c.key,
                              {.body = "evil", .stream = true});
    EXPECT_THAT(Error(put, 403, "PERMISSION_DENIED"), HasSubstr(c.use_instead)) << c.key;
    Error(Call(Method::kDelete, "/api/2.0/mlflow-artifacts/artifacts/" + c.key), 403,
          "PERMISSION_DENIED");
    std::string dir = c.key.substr(0, c.key.rfind('/'));
    Error(Call(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create/" + dir,
               {.body = R"({"path": "f.bin", "num_parts": 1})"}),
          403, "PERMISSION_DENIED");
    EXPECT_FALSE(destination_->Head(c.key).ok()) << c.key;
  }
  // What the platform stored there stays readable through the proxy (job outputs' URIs).
  StringByteSource log("line\n");
  ASSERT_TRUE(destination_->Put("jobs/train-1/job.log", log).ok());
  http::Response get =
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/jobs/train-1/job.log");
  EXPECT_EQ(get.status, 200);
  // A segment that merely starts with an owned name is an ordinary key.
  Upload("snapshots-old/x", "fine");
}

class ScopedArtifactRoutesTest : public ArtifactRoutesTest {
 protected:
  void SetUp() override {
    ArtifactRoutesTest::SetUp();
    identity_.scope.kind = TokenScope::Kind::kAttempt;
    identity_.scope.job_id = "train-1";
    identity_.scope.attempt = 1;
    identity_.scope.run_id = kRunId;
    identity_.scope.experiment_id = "0";
    identity_.scope.artifact_prefixes = {RunPrefix()};
    identity_.scope.models_prefix = "0/models";
  }

  void ExpectDenied(const http::Response& r) {
    EXPECT_THAT(Error(r, 403, "PERMISSION_DENIED"), HasSubstr("attempt 1 of job 'train-1'"));
  }
};

TEST_F(ScopedArtifactRoutesTest, ReadsAndWritesItsRunsArtifactsOnly) {
  Upload(RunPrefix() + "/model.pt", "weights");
  EXPECT_EQ(
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/" + RunPrefix() + "/model.pt").status,
      200);
  Ok(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts", {.query = {{"path", RunPrefix()}}});
  Ok(Method::kGet, "/api/2.0/mlflow/artifacts/list", {.query = {{"run_id", kRunId}}});

  const std::string other = std::string("0/") + kLocalRunId + "/artifacts/x";
  ExpectDenied(Call(Method::kPut, "/api/2.0/mlflow-artifacts/artifacts/" + other,
                    {.body = "x", .stream = true}));
  StringByteSource log("secret\n");
  ASSERT_TRUE(destination_->Put("jobs/train-2/job.log", log).ok());
  ExpectDenied(Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts/jobs/train-2/job.log"));
  ExpectDenied(
      Call(Method::kGet, "/api/2.0/mlflow-artifacts/artifacts", {.query = {{"path", ""}}}));
  ExpectDenied(Call(Method::kDelete, "/api/2.0/mlflow-artifacts/artifacts/0"));
  ExpectDenied(
      Call(Method::kGet, "/api/2.0/mlflow/artifacts/list", {.query = {{"run_id", kLocalRunId}}}));
  ExpectDenied(
      Call(Method::kGet, "/get-artifact", {.query = {{"run_id", kLocalRunId}, {"path", "x"}}}));
  ExpectDenied(Call(Method::kPost, "/ajax-api/2.0/mlflow/upload-artifact",
                    {.body = "x", .query = {{"run_uuid", kLocalRunId}, {"path", "x"}}}));
  // A prefix of the run's root is not inside it.
  ExpectDenied(Call(Method::kPut,
                    "/api/2.0/mlflow-artifacts/artifacts/0/" + std::string(kRunId) + "/artifactsX",
                    {.body = "x", .stream = true}));
}

TEST_F(ScopedArtifactRoutesTest, WritesTheArtifactsOfModelsLoggedFromItsRun) {
  // kModelId has no source run: readable in the experiment, not writable.
  const std::string theirs = std::string("0/models/") + kModelId + "/artifacts/MLmodel";
  ExpectDenied(Call(Method::kPut, "/api/2.0/mlflow-artifacts/artifacts/" + theirs,
                    {.body = "x", .stream = true}));
  Ok(Method::kGet,
     "/api/2.0/mlflow/logged-models/" + std::string(kModelId) + "/artifacts/directories");

  store::LoggedModel mine;
  mine.model_id = "m-ffeeddccbbaa99887766554433221100";
  mine.experiment_id = "0";
  mine.source_run_id = kRunId;
  mine.artifact_uri = "mlflow-artifacts:/0/models/" + mine.model_id + "/artifacts";
  ASSERT_TRUE(store_->tracking().CreateLoggedModel(mine).ok());
  Upload("0/models/" + mine.model_id + "/artifacts/MLmodel", "flavors: {}");
  Ok(Method::kPost, "/api/2.0/mlflow-artifacts/mpu/create/0/models/" + mine.model_id + "/artifacts",
     {.body = R"({"path": "big.bin", "num_parts": 1})"});
  // An unknown model id under the models prefix is refused, not an error.
  ExpectDenied(Call(Method::kPut, "/api/2.0/mlflow-artifacts/artifacts/0/models/m-nope/x",
                    {.body = "x", .stream = true}));
}

}  // namespace
}  // namespace inet::api
