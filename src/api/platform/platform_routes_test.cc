// Handler tests for the platform job routes: built Requests go through the Router (no sockets)
// to a real JobService over a FakeExecutor, a SQLite store in a temp directory and an
// InMemoryArtifactStore. The controller runs one pass at a time (RunOnceForTest), so every
// state the tests see is one they caused.
#include "api/platform/platform_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "archive/archive.h"
#include "artifacts/testing/in_memory_artifact_store.h"
#include "exec/testing/fake_executor.h"
#include "jobs/testing/job_system.h"
#include "sched/admission.h"
#include "store/sqlite/sqlite_metadata_store.h"
#include "store/testing/temp_sqlite_store.h"
#include "tracking/tracking_service.h"

namespace inet::api {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using http::Method;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kExternalUrl[] = "http://inet.example:8080/";
constexpr int64_t kMaxSnapshotBytes = 4096;

struct CallOptions {
  std::string body{};
  std::vector<std::pair<std::string, std::string>> query{};
};

class PlatformRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::testing::TempSqliteStore::Open(&clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    dir_ = db_->dir();
    store_ = &db_->store();
    tracking_ = std::make_unique<tracking::TrackingService>(
        store_->tracking(), clock_, tracking::TrackingOptions{"mlflow-artifacts:/"});
    ASSERT_TRUE(tracking_->EnsureDefaultExperiment().ok());
    exec::FakeExecutorOptions executor_options;
    executor_options.gpus = 2;
    executor_ = std::make_unique<exec::FakeExecutor>(executor_options, &artifacts_);
    jobs::testing::JobSystemOptions options = jobs::testing::InlineOptions("http://127.0.0.1:5005");
    options.service.max_snapshot_bytes = kMaxSnapshotBytes;
    jobs_ = std::make_unique<jobs::testing::JobSystem>(*store_, artifacts_, *executor_, admission_,
                                                       *tracking_, clock_, options);
    service_ = &jobs_->service();
    ASSERT_TRUE(jobs_->Start().ok());
    authorizer_ = std::make_unique<Authorizer>(store_->tracking());
    RegisterPlatformRoutes(
        router_, *service_, artifacts_, *authorizer_,
        PlatformRouteOptions{
            .external_url = kExternalUrl, .version = "9.8.7", .mlflow_version = "3.17.2"});
  }

  void TearDown() override {
    jobs_.reset();
    tracking_.reset();
    db_.reset();
  }

  http::Response Call(Method method, const std::string& path, CallOptions options = {}) {
    auto match = router_.Find(method, path);
    if (!match) return http::Response::Text("no route", 599);
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(options.query);
    req.path_params = match->params;
    req.identity = caller_;
    // What http::Server does before a handler runs.
    if (caller_.scoped() && !match->route->options.scoped_tokens) {
      return http::ErrorResponse(OutOfScopeError(caller_, path));
    }
    // Streaming routes read the body from body_stream, as the server delivers it.
    StringByteSource stream(options.body);
    req.content_length = options.body.size();
    if (match->route->options.stream_body) {
      req.body_stream = &stream;
    } else {
      req.body = std::move(options.body);
    }
    http::Response response = match->route->handler(req);
    // Drain here: a stream may read the request's body (it is gone after this call).
    if (response.stream) {
      auto all = ReadAll(*response.stream, 1 << 20);
      EXPECT_TRUE(all.ok()) << all.status().ToString();
      if (all.ok()) response.body = std::move(all).value();
    }
    return response;
  }

  static json::value Json(const http::Response& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
  }

  // Expects an error body with this status and code; returns its message.
  static std::string Error(const http::Response& r, int status, std::string_view code) {
    json::value v = Json(r, status);
    if (!v.is_object()) return {};
    EXPECT_EQ(v.at("error_code").as_string(), code) << r.body;
    return std::string(v.at("message").as_string());
  }

  static std::string Header(const http::Response& r, std::string_view name) {
    for (const auto& [key, value] : r.headers) {
      if (key == name) return value;
    }
    return {};
  }

  // Submits a job through the API and returns its id.
  std::string Submit(const std::string& spec_json) {
    json::value v = Json(Call(Method::kPost, "/api/v1/jobs", {.body = spec_json}), 201);
    return v.is_object() ? std::string(v.at("job").at("job_id").as_string()) : "";
  }

  json::value GetJob(const std::string& id) {
    return Json(Call(Method::kGet, "/api/v1/jobs/" + id), 200).at("job");
  }

  std::string dir_;  // db_'s scratch directory
  FakeClock clock_;
  std::unique_ptr<store::testing::TempSqliteStore> db_;
  store::MetadataStore* store_ = nullptr;  // db_'s
  artifacts::InMemoryArtifactStore artifacts_;
  sched::FifoCapacityAdmission admission_;
  std::unique_ptr<tracking::TrackingService> tracking_;
  std::unique_ptr<exec::FakeExecutor> executor_;
  std::unique_ptr<jobs::testing::JobSystem> jobs_;
  jobs::JobService* service_ = nullptr;
  std::unique_ptr<Authorizer> authorizer_;
  http::Router router_;
  Identity caller_{"alice", "tok-alice", false};
};

TEST_F(PlatformRoutesTest, SubmitReturnsTheJobObject) {
  http::Response r = Call(Method::kPost, "/api/v1/jobs", {.body = R"({
      "name": "bert-finetuning", "image": "ml-training:latest", "script": "train.py",
      "args": ["--epochs", "3"], "resources": {"cpu": "2", "memory": "16Gi", "gpu": 1},
      "retries": 2, "output_artifacts": ["model.pt"]})"});
  json::value v = Json(r, 201);
  const json::value& job = v.at("job");
  std::string id(job.at("job_id").as_string());
  EXPECT_TRUE(std::regex_match(id, std::regex("bert-finetuning-[a-z0-9]{6}"))) << id;
  EXPECT_EQ(job.at("name").as_string(), "bert-finetuning");
  EXPECT_EQ(job.at("user").as_string(), "alice");
  EXPECT_EQ(job.at("team").as_string(), "default");
  EXPECT_EQ(job.at("state").as_string(), "Queued");
  EXPECT_EQ(job.at("attempt").as_int64(), 0);
  EXPECT_EQ(job.at("max_attempts").as_int64(), 3);
  EXPECT_EQ(job.at("priority_class").as_string(), "batch");
  EXPECT_EQ(job.at("created_at").as_int64(), clock_.NowMillis());
  EXPECT_EQ(job.at("started_at").as_int64(), 0);
  EXPECT_EQ(job.at("finished_at").as_int64(), 0);
  EXPECT_FALSE(job.at("cancel_requested").as_bool());
  EXPECT_TRUE(job.at("exit_code").is_null());
  EXPECT_EQ(job.at("last_failure").as_string(), "");
  EXPECT_TRUE(job.at("gpus").as_array().empty());
  EXPECT_TRUE(job.at("artifacts").as_array().empty());
  EXPECT_EQ(job.at("resources").at("cpu").as_string(), "2");
  EXPECT_EQ(job.at("resources").at("memory").as_string(), "16Gi");
  EXPECT_EQ(job.at("resources").at("gpu").as_int64(), 1);
  // The spec is the canonical form, nested: outputs as a map, experiment defaulted.
  EXPECT_EQ(job.at("spec").at("output_artifacts").at("model.pt").as_string(), "model.pt");
  EXPECT_EQ(job.at("spec").at("experiment").as_string(), "bert-finetuning");
  EXPECT_EQ(job.at("log_url").as_string(), "/api/v1/jobs/" + id + "/logs");
  const json::value& mlflow = job.at("mlflow");
  std::string exp(mlflow.at("experiment_id").as_string());
  std::string run(mlflow.at("run_id").as_string());
  EXPECT_FALSE(run.empty());
  EXPECT_EQ(mlflow.at("run_url").as_string(),
            "http://inet.example:8080/#/experiments/" + exp + "/runs/" + run);

  EXPECT_EQ(GetJob(id), job);
}

TEST_F(PlatformRoutesTest, InvalidSpecsAre400WithTheValidationMessage) {
  std::string message =
      Error(Call(Method::kPost, "/api/v1/jobs",
                 {.body = R"({"name": "x", "command": "true", "resources": {"memory": "16GB"}})"}),
            400, "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(message, HasSubstr("16Gi"));
  message = Error(Call(Method::kPost, "/api/v1/jobs", {.body = R"({"name": "Bert_X",)"}), 400,
                  "INVALID_PARAMETER_VALUE");
  EXPECT_FALSE(message.empty());
  message = Error(Call(Method::kPost, "/api/v1/jobs", {.body = R"({"command": "true"})"}), 400,
                  "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(message, HasSubstr("name"));
  Error(Call(Method::kPost, "/api/v1/jobs", {.body = ""}), 400, "INVALID_PARAMETER_VALUE");
  // More GPUs than the executor has can never run.
  message = Error(Call(Method::kPost, "/api/v1/jobs",
                       {.body = R"({"name": "big", "command": "true", "resources": {"gpu": 8}})"}),
                  400, "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(message, HasSubstr("8"));
  Json(Call(Method::kGet, "/api/v1/jobs"), 200);
  EXPECT_TRUE(Json(Call(Method::kGet, "/api/v1/jobs"), 200).at("jobs").as_array().empty());
}

TEST_F(PlatformRoutesTest, UnknownJobIs404OnEveryJobRoute) {
  for (const auto& [method, suffix] :
       std::vector<std::pair<Method, std::string>>{{Method::kGet, ""},
                                                   {Method::kPost, "/cancel"},
                                                   {Method::kGet, "/events"},
                                                   {Method::kGet, "/logs"}}) {
    std::string message =
        Error(Call(method, "/api/v1/jobs/nope-abc123" + suffix), 404, "RESOURCE_DOES_NOT_EXIST");
    EXPECT_THAT(message, HasSubstr("nope-abc123")) << suffix;
  }
}

TEST_F(PlatformRoutesTest, JobsOfOthersAreInvisible) {
  std::string id = Submit(R"({"name": "mine", "command": "true"})");
  caller_ = Identity{"bob", "tok-bob", false};
  Error(Call(Method::kGet, "/api/v1/jobs/" + id), 404, "RESOURCE_DOES_NOT_EXIST");
  Error(Call(Method::kPost, "/api/v1/jobs/" + id + "/cancel"), 404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_TRUE(Json(Call(Method::kGet, "/api/v1/jobs"), 200).at("jobs").as_array().empty());
  caller_ = Identity{"admin", "tok-admin", true};
  EXPECT_EQ(Json(Call(Method::kGet, "/api/v1/jobs"), 200).at("jobs").as_array().size(), 1u);
}

TEST_F(PlatformRoutesTest, ListFiltersByStateNameAndPages) {
  std::string a = Submit(R"({"name": "a", "command": "true"})");
  clock_.Advance(1000);
  std::string b = Submit(R"({"name": "b", "command": "true"})");
  clock_.Advance(1000);
  std::string c = Submit(R"({"name": "c", "command": "true"})");
  jobs_->RunOnce();  // all three start (no resource requests)
  ASSERT_TRUE(executor_->Exit(a, 0).ok());
  jobs_->RunOnce();
  Json(Call(Method::kPost, "/api/v1/jobs/" + b + "/cancel", {.body = "{}"}), 200);
  jobs_->RunOnce();  // sends SIGTERM (the fake exits at once)
  jobs_->RunOnce();  // sees the attempt end
  ASSERT_EQ(GetJob(a).at("state").as_string(), "Succeeded");
  ASSERT_EQ(GetJob(b).at("state").as_string(), "Cancelled");
  ASSERT_EQ(GetJob(c).at("state").as_string(), "Running");

  auto ids = [&](CallOptions options) {
    std::vector<std::string> out;
    json::value v = Json(Call(Method::kGet, "/api/v1/jobs", std::move(options)), 200);
    for (const json::value& j : v.at("jobs").as_array())
      out.emplace_back(j.at("job_id").as_string());
    return out;
  };
  EXPECT_THAT(ids({}), ::testing::ElementsAre(c, b, a));  // newest first
  EXPECT_THAT(ids({.query = {{"state", "running"}}}), ::testing::ElementsAre(c));
  EXPECT_THAT(ids({.query = {{"state", "Running,SUCCEEDED"}}}), ::testing::ElementsAre(c, a));
  EXPECT_THAT(ids({.query = {{"state", "Cancelled"}, {"state", "Succeeded"}}}),
              ::testing::ElementsAre(b, a));
  EXPECT_THAT(ids({.query = {{"name", "b"}}}), ::testing::ElementsAre(b));
  EXPECT_THAT(ids({.query = {{"user", "bob"}}}), ::testing::IsEmpty());

  json::value first =
      Json(Call(Method::kGet, "/api/v1/jobs", {.query = {{"max_results", "2"}}}), 200);
  ASSERT_EQ(first.at("jobs").as_array().size(), 2u);
  std::string token(first.at("next_page_token").as_string());
  ASSERT_FALSE(token.empty());
  json::value second = Json(
      Call(Method::kGet, "/api/v1/jobs", {.query = {{"max_results", "2"}, {"page_token", token}}}),
      200);
  ASSERT_EQ(second.at("jobs").as_array().size(), 1u);
  EXPECT_EQ(second.at("jobs").at(0).at("job_id").as_string(), a);
  EXPECT_FALSE(second.as_object().contains("next_page_token"));
}

TEST_F(PlatformRoutesTest, BadListParametersAre400) {
  std::string message =
      Error(Call(Method::kGet, "/api/v1/jobs", {.query = {{"state", "Running,Done"}}}), 400,
            "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(message, HasSubstr("'Done'"));
  EXPECT_THAT(message,
              HasSubstr("Pending, Queued, Running, Succeeded, Failed, Cancelled, TimedOut"));
  for (const std::string n : {"0", "1001", "-5", "ten"}) {
    message = Error(Call(Method::kGet, "/api/v1/jobs", {.query = {{"max_results", n}}}), 400,
                    "INVALID_PARAMETER_VALUE");
    EXPECT_THAT(message, HasSubstr("max_results")) << n;
  }
  EXPECT_EQ(Call(Method::kGet, "/api/v1/jobs", {.query = {{"max_results", "1000"}}}).status, 200);
}

TEST_F(PlatformRoutesTest, CancelQueuedJobThenCancelAgainIs400) {
  std::string id = Submit(R"({"name": "c", "command": "true"})");
  json::value v = Json(Call(Method::kPost, "/api/v1/jobs/" + id + "/cancel"), 200);
  EXPECT_EQ(v.at("job").at("state").as_string(), "Cancelled");
  std::string message =
      Error(Call(Method::kPost, "/api/v1/jobs/" + id + "/cancel"), 400, "INVALID_PARAMETER_VALUE");
  EXPECT_FALSE(message.empty());
  Error(Call(Method::kPost, "/api/v1/jobs/" + id + "/cancel", {.body = "[1]"}), 400,
        "INVALID_PARAMETER_VALUE");
}

TEST_F(PlatformRoutesTest, EventsListEveryStateChange) {
  std::string id = Submit(R"({"name": "ev", "command": "true"})");
  jobs_->RunOnce();
  ASSERT_TRUE(executor_->Exit(id, 1).ok());
  jobs_->RunOnce();
  json::value v = Json(Call(Method::kGet, "/api/v1/jobs/" + id + "/events"), 200);
  std::vector<std::string> states;
  int64_t seq = 0;
  for (const json::value& e : v.at("events").as_array()) {
    states.emplace_back(e.at("state").as_string());
    EXPECT_GT(e.at("seq").as_int64(), seq);
    seq = e.at("seq").as_int64();
    EXPECT_TRUE(e.at("timestamp").is_int64());
    EXPECT_TRUE(e.at("attempt").is_int64());
    EXPECT_TRUE(e.at("reason").is_string());
  }
  EXPECT_THAT(states, ::testing::ElementsAre("Pending", "Queued", "Running", "Failed"));
  json::value job = GetJob(id);
  EXPECT_EQ(job.at("exit_code").as_int64(), 1);
  EXPECT_THAT(std::string(job.at("last_failure").as_string()), HasSubstr("1"));
  EXPECT_GT(job.at("finished_at").as_int64(), 0);
}

TEST_F(PlatformRoutesTest, LogsFromAnOffsetWithTheJobState) {
  std::string id = Submit(R"({"name": "logs", "command": "true"})");
  // Before any output: 200, empty, not 404.
  http::Response before = Call(Method::kGet, "/api/v1/jobs/" + id + "/logs");
  EXPECT_EQ(before.status, 200);
  EXPECT_EQ(before.body, "");
  EXPECT_EQ(before.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(Header(before, "X-Inet-Job-State"), "Queued");

  jobs_->RunOnce();
  executor_->AppendLog(id, "epoch 1\n");
  http::Response all = Call(Method::kGet, "/api/v1/jobs/" + id + "/logs");
  EXPECT_EQ(all.status, 200);
  EXPECT_EQ(Header(all, "X-Inet-Job-State"), "Running");
  EXPECT_THAT(all.body, ::testing::EndsWith("epoch 1\n"));
  const int64_t size = static_cast<int64_t>(all.body.size());
  http::Response tail = Call(Method::kGet, "/api/v1/jobs/" + id + "/logs",
                             {.query = {{"offset", std::to_string(size - 8)}}});
  EXPECT_EQ(tail.body, "epoch 1\n");

  // A followed log of a finished job streams what is left, chunked, and ends.
  executor_->AppendLog(id, "done\n");
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  jobs_->RunOnce();
  auto match = router_.Find(Method::kGet, "/api/v1/jobs/" + id + "/logs");
  ASSERT_TRUE(match);
  http::Request req;
  req.path_params = match->params;
  req.query = {{"offset", std::to_string(size)}, {"follow", "true"}};
  req.identity = caller_;
  http::Response followed = match->route->handler(req);
  EXPECT_EQ(followed.status, 200);
  EXPECT_EQ(Header(followed, "X-Inet-Job-State"), "Succeeded");
  ASSERT_TRUE(followed.stream);
  EXPECT_EQ(followed.stream_length, -1);
  auto rest = ReadAll(*followed.stream, 1 << 20);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_THAT(*rest, StartsWith("done\n"));
}

TEST_F(PlatformRoutesTest, BadLogParametersAre400) {
  std::string id = Submit(R"({"name": "logs", "command": "true"})");
  for (const std::string offset : {"-1", "abc", "1.5", "99999999999999999999"}) {
    std::string message =
        Error(Call(Method::kGet, "/api/v1/jobs/" + id + "/logs", {.query = {{"offset", offset}}}),
              400, "INVALID_PARAMETER_VALUE");
    EXPECT_THAT(message, HasSubstr("offset")) << offset;
  }
  std::string message =
      Error(Call(Method::kGet, "/api/v1/jobs/" + id + "/logs", {.query = {{"follow", "maybe"}}}),
            400, "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(message, HasSubstr("follow"));
}

TEST_F(PlatformRoutesTest, SnapshotUploadStoresAGzippedTar) {
  fs::create_directories(dir_ + "/code");
  std::ofstream(dir_ + "/code/train.py") << "print('hi')\n";
  auto packed = archive::PackDirectory(dir_ + "/code", dir_ + "/code.tar.gz");
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  std::stringstream bytes;
  bytes << std::ifstream(dir_ + "/code.tar.gz", std::ios::binary).rdbuf();

  json::value v = Json(Call(Method::kPost, "/api/v1/snapshots", {.body = bytes.str()}), 201);
  std::string id(v.at("snapshot_id").as_string());
  EXPECT_THAT(id, StartsWith("snap-"));
  EXPECT_EQ(v.at("size").as_int64(), static_cast<int64_t>(bytes.str().size()));
  // A job can refer to it.
  Submit(R"({"name": "with-code", "command": "true", "code_snapshot": ")" + id + R"("})");
}

TEST_F(PlatformRoutesTest, SnapshotNotGzipIs400AndTooLargeIs413) {
  std::string message =
      Error(Call(Method::kPost, "/api/v1/snapshots", {.body = "PK\x03\x04 a zip file"}), 400,
            "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(message, HasSubstr("gzip"));
  Error(Call(Method::kPost, "/api/v1/snapshots"), 400, "INVALID_PARAMETER_VALUE");

  std::string big = "\x1f\x8b" + std::string(kMaxSnapshotBytes, 'x');
  message =
      Error(Call(Method::kPost, "/api/v1/snapshots", {.body = big}), 413, "RESOURCE_EXHAUSTED");
  EXPECT_THAT(message, HasSubstr("limit"));
}

TEST_F(PlatformRoutesTest, CapacityReportsTheExecutorAndWhatJobsHold) {
  json::value before = Json(Call(Method::kGet, "/api/v1/capacity"), 200);
  EXPECT_EQ(before.at("gpus_total").as_int64(), 2);
  EXPECT_EQ(before.at("gpus_used").as_int64(), 0);
  EXPECT_EQ(before.at("cpu_millis_total").as_int64(), 8000);
  EXPECT_EQ(before.at("memory_bytes_total").as_int64(), 32LL << 30);
  EXPECT_TRUE(before.at("gpu_source").is_string());
  EXPECT_TRUE(before.at("isolation").is_string());
  EXPECT_FALSE(before.as_object().contains("job_python_warning"));  // the job Python is fine
  ASSERT_EQ(before.at("node_pools").as_array().size(), 1u);
  const json::object& pool = before.at("node_pools").as_array()[0].as_object();
  EXPECT_EQ(pool.at("name").as_string(), "fake");
  EXPECT_EQ(pool.at("gpus_allocatable").as_int64(), 2);
  EXPECT_EQ(pool.at("cpu_millis_allocatable").as_int64(), 8000);
  EXPECT_EQ(pool.at("memory_bytes_allocatable").as_int64(), 32LL << 30);
  EXPECT_EQ(pool.at("gpus_used").as_int64(), 0);
  EXPECT_EQ(pool.at("gpu_source").as_string(), "configured");
  EXPECT_FALSE(pool.contains("gpu_model"));  // configured devices have no model

  std::string id = Submit(R"({"name": "g", "command": "true", "resources": {"gpu": 1}})");
  jobs_->RunOnce();
  json::value after = Json(Call(Method::kGet, "/api/v1/capacity"), 200);
  EXPECT_EQ(after.at("gpus_used").as_int64(), 1);
  EXPECT_EQ(after.at("node_pools").as_array()[0].at("gpus_used").as_int64(), 1);
  EXPECT_THAT(GetJob(id).at("gpus").as_array(), ::testing::SizeIs(1));
}

TEST_F(PlatformRoutesTest, VersionNamesInetAndTheMlflowApiWithoutAToken) {
  auto match = router_.Find(Method::kGet, "/api/v1/version");
  ASSERT_TRUE(match);
  EXPECT_TRUE(match->route->options.public_route);
  json::value v = Json(Call(Method::kGet, "/api/v1/version"), 200);
  EXPECT_EQ(v.at("version").as_string(), "9.8.7");
  EXPECT_EQ(v.at("mlflow_version").as_string(), "3.17.2");
}

TEST_F(PlatformRoutesTest, PlatformArtifactRoutesAreRegisteredToo) {
  // The namespace is the caller's team.
  Json(Call(Method::kPut, "/api/v1/artifacts/default/a.txt", {.body = "x"}), 201);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/artifacts/default/a.txt").body, "x");
}

TEST_F(PlatformRoutesTest, AnAttemptTokenReadsItsOwnJobOnly) {
  const std::string mine = Submit(R"({"name": "mine", "command": "true"})");
  const std::string other = Submit(R"({"name": "other", "command": "true"})");
  caller_.scope.kind = TokenScope::Kind::kAttempt;
  caller_.scope.job_id = mine;
  caller_.scope.attempt = 1;

  EXPECT_EQ(GetJob(mine).at("job_id").as_string(), mine);
  Json(Call(Method::kGet, "/api/v1/jobs/" + mine + "/events"), 200);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/jobs/" + mine + "/logs").status, 200);

  auto denied = [&](Method method, const std::string& path, CallOptions options = {}) {
    std::string message = Error(Call(method, path, std::move(options)), 403, "PERMISSION_DENIED");
    EXPECT_THAT(message, HasSubstr("attempt 1 of job '" + mine + "'")) << path;
  };
  denied(Method::kGet, "/api/v1/jobs/" + other);
  denied(Method::kGet, "/api/v1/jobs/" + other + "/logs");
  denied(Method::kGet, "/api/v1/jobs/" + other + "/events");
  denied(Method::kPost, "/api/v1/jobs/" + other + "/cancel");
  denied(Method::kPost, "/api/v1/jobs/" + mine + "/cancel");
  denied(Method::kPost, "/api/v1/jobs", {.body = R"({"name": "x", "command": "true"})"});
  denied(Method::kGet, "/api/v1/jobs");
  denied(Method::kPost, "/api/v1/snapshots", {.body = "x"});
  denied(Method::kPut, "/api/v1/artifacts/models/x.bin", {.body = "x"});
  // Nothing was cancelled.
  caller_ = Identity{"alice", "tok-alice", false};
  EXPECT_NE(GetJob(other).at("state").as_string(), "Cancelled");
}

}  // namespace
}  // namespace inet::api
