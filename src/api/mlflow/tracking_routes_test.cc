// Handler tests: built Requests go through the Router (no sockets) to the real SQLite store.
#include "api/mlflow/tracking_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>

#include "store/sqlite/sqlite_metadata_store.h"
#include "store/testing/temp_sqlite_store.h"

namespace inet::api {
namespace {

namespace json = boost::json;
using http::Method;
using ::testing::HasSubstr;

class TrackingRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::testing::TempSqliteStore::Open(&clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    store_ = &db_->store();
    service_ = std::make_unique<tracking::TrackingService>(
        store_->tracking(), clock_, tracking::TrackingOptions{"mlflow-artifacts:/"});
    ASSERT_TRUE(service_->EnsureDefaultExperiment().ok());
    authorizer_ = std::make_unique<Authorizer>(store_->tracking());
    RegisterMlflowTrackingRoutes(router_, *service_, *authorizer_);
  }

  void TearDown() override {
    service_.reset();
    db_.reset();
  }

  http::Response Call(Method method, const std::string& path, std::string body = {},
                      std::vector<std::pair<std::string, std::string>> query = {}) {
    auto match = router_.Find(method, path);
    if (!match) return http::Response::Text("no route", 404);
    http::Request req;
    req.method = method;
    req.path = path;
    req.body = std::move(body);
    req.query = std::move(query);
    if (!req.body.empty()) req.headers.emplace_back("content-type", "application/json");
    req.path_params = match->params;
    req.identity = identity_;
    EXPECT_TRUE(match->route->options.scoped_tokens) << path << " must authorize scoped tokens";
    return match->route->handler(req);
  }

  // POSTs `body` and returns the parsed response, expecting 200.
  json::value Ok(Method method, const std::string& path, std::string body = {},
                 std::vector<std::pair<std::string, std::string>> query = {}) {
    http::Response r = Call(method, path, std::move(body), std::move(query));
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
  }

  json::value Post(const std::string& path, std::string body) {
    return Ok(Method::kPost, "/api/2.0/mlflow" + path, std::move(body));
  }
  json::value Get(const std::string& path, std::vector<std::pair<std::string, std::string>> query) {
    return Ok(Method::kGet, "/api/2.0/mlflow" + path, {}, std::move(query));
  }

  // Expects an MLflow error with this status and error_code; returns the message.
  std::string Error(const http::Response& r, int status, std::string_view code) {
    EXPECT_EQ(r.status, status) << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not JSON: " << r.body;
      return {};
    }
    EXPECT_EQ(v.at("error_code").as_string(), code) << r.body;
    return std::string(v.at("message").as_string());
  }

  std::string CreateRun(const std::string& experiment_id = "0") {
    json::value v =
        Post("/runs/create", R"({"experiment_id": ")" + experiment_id + R"(", "start_time": 7})");
    return std::string(v.at("run").at("info").at("run_id").as_string());
  }

  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<store::testing::TempSqliteStore> db_;
  store::MetadataStore* store_ = nullptr;  // db_'s
  std::unique_ptr<tracking::TrackingService> service_;
  std::unique_ptr<Authorizer> authorizer_;
  http::Router router_;
  Identity identity_{"alice", "", false};
};

TEST_F(TrackingRoutesTest, ExperimentLifecycle) {
  json::value created =
      Post("/experiments/create", R"({"name": "exp-a", "tags": [{"key": "k", "value": "v"}]})");
  std::string id(created.at("experiment_id").as_string());
  json::value got = Get("/experiments/get", {{"experiment_id", id}});
  const json::value& e = got.at("experiment");
  EXPECT_EQ(e.at("name").as_string(), "exp-a");
  EXPECT_EQ(e.at("artifact_location").as_string(), "mlflow-artifacts:/" + id);
  EXPECT_EQ(e.at("lifecycle_stage").as_string(), "active");
  EXPECT_TRUE(e.at("creation_time").is_int64());
  EXPECT_EQ(e.at("tags").at(0).at("key").as_string(), "k");

  json::value by_name = Get("/experiments/get-by-name", {{"experiment_name", "exp-a"}});
  EXPECT_EQ(by_name.at("experiment").at("experiment_id").as_string(), id);

  // experiment_id may arrive as a JSON number.
  Post("/experiments/update", R"({"experiment_id": )" + id + R"(, "new_name": "exp-b"})");
  Post("/experiments/set-experiment-tag",
       R"({"experiment_id": ")" + id + R"(", "key": "k2", "value": ""})");
  Post("/experiments/delete-experiment-tag", R"({"experiment_id": ")" + id + R"(", "key": "k"})");
  json::value after = Get("/experiments/get", {{"experiment_id", id}});
  EXPECT_EQ(after.at("experiment").at("name").as_string(), "exp-b");
  ASSERT_EQ(after.at("experiment").at("tags").as_array().size(), 1u);
  EXPECT_EQ(after.at("experiment").at("tags").at(0).at("key").as_string(), "k2");

  Post("/experiments/delete", R"({"experiment_id": ")" + id + R"("})");
  json::value active = Post("/experiments/search", R"({"max_results": 10})");
  EXPECT_EQ(active.at("experiments").as_array().size(), 1u);  // only Default
  json::value all = Get("/experiments/search", {{"view_type", "ALL"}, {"max_results", "10"}});
  EXPECT_EQ(all.at("experiments").as_array().size(), 2u);
  Post("/experiments/restore", R"({"experiment_id": ")" + id + R"("})");
  json::value named = Post("/experiments/search", R"({"filter": "name = 'exp-b'"})");
  ASSERT_EQ(named.at("experiments").as_array().size(), 1u);
}

TEST_F(TrackingRoutesTest, ExperimentErrors) {
  Post("/experiments/create", R"({"name": "dup"})");
  Error(Call(Method::kPost, "/api/2.0/mlflow/experiments/create", R"({"name": "dup"})"), 400,
        "RESOURCE_ALREADY_EXISTS");
  EXPECT_THAT(Error(Call(Method::kPost, "/api/2.0/mlflow/experiments/create", "{}"), 400,
                    "INVALID_PARAMETER_VALUE"),
              HasSubstr("Missing value for required parameter 'name'."));
  Error(Call(Method::kGet, "/api/2.0/mlflow/experiments/get", {}, {{"experiment_id", "999"}}), 404,
        "RESOURCE_DOES_NOT_EXIST");
  Error(Call(Method::kGet, "/api/2.0/mlflow/experiments/get-by-name", {},
             {{"experiment_name", "nope"}}),
        404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(
      Error(Call(Method::kPost, "/api/2.0/mlflow/experiments/search", R"({"max_results": 0})"), 400,
            "INVALID_PARAMETER_VALUE"),
      "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer");
}

TEST_F(TrackingRoutesTest, RunShapeAndLogging) {
  json::value created = Post("/runs/create", R"({"experiment_id": "0", "user_id": "u",
      "start_time": 5, "tags": [{"key": "t", "value": "1"}]})");
  const json::value& info = created.at("run").at("info");
  std::string run_id(info.at("run_id").as_string());
  EXPECT_EQ(run_id.size(), 32u);
  EXPECT_EQ(info.at("run_uuid").as_string(), run_id);
  EXPECT_EQ(info.at("status").as_string(), "RUNNING");
  EXPECT_EQ(info.at("start_time").as_int64(), 5);
  EXPECT_EQ(info.at("user_id").as_string(), "u");
  EXPECT_EQ(info.at("artifact_uri").as_string(), "mlflow-artifacts:/0/" + run_id + "/artifacts");
  EXPECT_EQ(info.at("lifecycle_stage").as_string(), "active");
  EXPECT_FALSE(info.as_object().contains("end_time"));
  EXPECT_FALSE(info.at("run_name").as_string().empty());

  Post("/runs/log-metric",
       R"({"run_id": ")" + run_id + R"(", "key": "m", "value": 1.5, "timestamp": 10, "step": 1})");
  Post("/runs/log-parameter", R"({"run_uuid": ")" + run_id + R"(", "key": "p", "value": "v"})");
  Post("/runs/set-tag", R"({"run_id": ")" + run_id + R"(", "key": "t2", "value": "x"})");
  Post("/runs/log-batch", R"({"run_id": ")" + run_id + R"(",
      "metrics": [{"key": "nan", "value": "NaN", "timestamp": "11", "step": 0},
                  {"key": "m", "value": 2.5, "timestamp": 12, "step": 2}],
      "params": [{"key": "p2", "value": "w"}], "tags": [{"key": "t3", "value": "y"}]})");

  json::value got = Get("/runs/get", {{"run_id", run_id}});
  const json::value& data = got.at("run").at("data");
  std::map<std::string, json::value> metrics;
  for (const auto& m : data.at("metrics").as_array()) {
    metrics[std::string(m.at("key").as_string())] = m.at("value");
  }
  EXPECT_EQ(metrics["nan"], json::value("NaN"));
  EXPECT_EQ(metrics["m"].to_number<double>(), 2.5);
  EXPECT_EQ(data.at("params").as_array().size(), 2u);
  EXPECT_GE(data.at("tags").as_array().size(), 4u);  // t, t2, t3, mlflow.runName

  json::value history = Get("/metrics/get-history", {{"run_id", run_id}, {"metric_key", "m"}});
  ASSERT_EQ(history.at("metrics").as_array().size(), 2u);
  EXPECT_EQ(history.at("metrics").at(0).at("step").as_int64(), 1);
  EXPECT_EQ(history.at("metrics").at(1).at("timestamp").as_int64(), 12);

  json::value updated = Post(
      "/runs/update", R"({"run_id": ")" + run_id + R"(", "status": "FINISHED", "end_time": 99})");
  EXPECT_EQ(updated.at("run_info").at("status").as_string(), "FINISHED");
  EXPECT_EQ(updated.at("run_info").at("end_time").as_int64(), 99);
  Post("/runs/update", R"({"run_id": ")" + run_id + R"(", "run_name": "renamed"})");
  EXPECT_EQ(Get("/runs/get", {{"run_id", run_id}}).at("run").at("info").at("run_name"),
            json::value("renamed"));

  Post("/runs/delete-tag", R"({"run_id": ")" + run_id + R"(", "key": "t2"})");
  Post("/runs/delete", R"({"run_id": ")" + run_id + R"("})");
  EXPECT_EQ(Get("/runs/get", {{"run_id", run_id}}).at("run").at("info").at("lifecycle_stage"),
            json::value("deleted"));
  Post("/runs/restore", R"({"run_id": ")" + run_id + R"("})");
}

// The assertions of MLflow's test_log_metric_validation, against our messages.
TEST_F(TrackingRoutesTest, LogMetricValidationMessages) {
  std::string run_id = CreateRun();
  auto bad = [&](const std::string& body) {
    http::Response r = Call(Method::kPost, "/api/2.0/mlflow/runs/log-metric", body);
    EXPECT_EQ(r.status, 400) << body;
    return r.body;
  };
  EXPECT_THAT(bad(R"({"run_id": 31, "key": "metric", "value": 41, "timestamp": 59, "step": 26})"),
              HasSubstr("Invalid value 31 for parameter 'run_id' supplied"));
  EXPECT_THAT(bad(R"({"run_id": ")" + run_id +
                  R"(", "key": 31, "value": 41, "timestamp": 59, "step": 26})"),
              HasSubstr("Invalid value 31 for parameter 'key' supplied"));
  EXPECT_THAT(bad(R"({"run_id": ")" + run_id +
                  R"(", "key": "foo", "value": 31, "timestamp": 59, "step": "foo"})"),
              HasSubstr(R"(Invalid value \"foo\" for parameter 'step' supplied)"));
  EXPECT_THAT(bad(R"({"run_id": ")" + run_id +
                  R"(", "key": "foo", "value": 31, "timestamp": "foo", "step": 41})"),
              HasSubstr(R"(Invalid value \"foo\" for parameter 'timestamp' supplied)"));
  EXPECT_THAT(bad(R"({"run_id": null, "key": "foo", "value": 31, "timestamp": 59, "step": 41})"),
              HasSubstr("Missing value for required parameter 'run_id'"));
  EXPECT_THAT(bad(R"({"run_id": ")" + run_id + R"(", "value": 31, "timestamp": 59, "step": 41})"),
              HasSubstr("Missing value for required parameter 'key'"));
  EXPECT_THAT(bad(R"({"run_id": ")" + run_id + R"(", "key": "foo", "timestamp": 59})"),
              HasSubstr("Missing value for required parameter 'value'"));
}

TEST_F(TrackingRoutesTest, LogBatchValidation) {
  std::string run_id = CreateRun();
  std::string metrics;
  for (int i = 0; i < 1001; ++i) {
    metrics += (i ? "," : "") + std::string(R"({"key": "m", "value": 1, "timestamp": )") +
               std::to_string(i) + "}";
  }
  http::Response r = Call(Method::kPost, "/api/2.0/mlflow/runs/log-batch",
                          R"({"run_id": ")" + run_id + R"(", "metrics": [)" + metrics + "]}");
  EXPECT_THAT(Error(r, 400, "INVALID_PARAMETER_VALUE"),
              HasSubstr("A batch logging request can contain at most 1000 metrics. Got 1001 "
                        "metrics."));
  http::Response missing =
      Call(Method::kPost, "/api/2.0/mlflow/runs/log-batch",
           R"({"run_id": ")" + run_id + R"(", "metrics": [{"key": "m", "value": 1}]})");
  EXPECT_THAT(Error(missing, 400, "INVALID_PARAMETER_VALUE"),
              HasSubstr("Missing value for required parameter 'metrics[0].timestamp'."));
  http::Response bad_name =
      Call(Method::kPost, "/api/2.0/mlflow/runs/log-batch",
           R"({"run_id": ")" + run_id + R"(", "params": [{"key": "a#b", "value": "1"}]})");
  EXPECT_THAT(Error(bad_name, 400, "INVALID_PARAMETER_VALUE"),
              HasSubstr("for parameter 'params[0].key' supplied: Names may only contain"));
  Error(Call(Method::kPost, "/api/2.0/mlflow/runs/log-batch",
             R"({"run_id": "0123456789abcdef0123456789abcdef", "tags": [{"key": "a"}]})"),
        404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(TrackingRoutesTest, ContentTypeAndMalformedBodies) {
  http::Request req;
  req.method = Method::kPost;
  req.body = R"({"name": "x"})";
  req.headers.emplace_back("content-type", "text/plain");
  auto match = router_.Find(Method::kPost, "/api/2.0/mlflow/experiments/create");
  ASSERT_TRUE(match);
  EXPECT_EQ(Error(match->route->handler(req), 400, "INVALID_PARAMETER_VALUE"),
            "Bad Request. Content-Type must be one of ['application/json'].");
  Error(Call(Method::kPost, "/api/2.0/mlflow/experiments/create", "{nope"), 400,
        "INVALID_PARAMETER_VALUE");
  // A double-encoded body works.
  Post("/experiments/create", R"("{\"name\": \"double\"}")");
}

TEST_F(TrackingRoutesTest, SearchRunsPagesAndFilters) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(CreateRun());
  std::sort(ids.begin(), ids.end());
  Post("/runs/log-metric",
       R"({"run_id": ")" + ids[0] + R"(", "key": "acc", "value": 0.9, "timestamp": 1})");
  json::value first = Post("/runs/search", R"({"experiment_ids": [0], "max_results": 2})");
  ASSERT_EQ(first.at("runs").as_array().size(), 2u);
  EXPECT_EQ(first.at("runs").at(0).at("info").at("run_id").as_string(), ids[0]);
  std::string token(first.at("next_page_token").as_string());
  json::value rest = Post("/runs/search", R"({"experiment_ids": ["0"], "max_results": 10,
      "page_token": ")" + token + R"("})");
  EXPECT_EQ(rest.at("runs").as_array().size(), 3u);
  EXPECT_FALSE(rest.as_object().contains("next_page_token"));

  json::value filtered = Post("/runs/search", R"({"experiment_ids": ["0"],
      "filter": "metrics.acc > 0.5"})");
  ASSERT_EQ(filtered.at("runs").as_array().size(), 1u);
  EXPECT_EQ(filtered.at("runs").at(0).at("info").at("run_id").as_string(), ids[0]);

  EXPECT_THAT(Error(Call(Method::kPost, "/api/2.0/mlflow/runs/search",
                         R"({"experiment_ids": ["0"], "max_results": 123456789})"),
                    400, "INVALID_PARAMETER_VALUE"),
              HasSubstr("Invalid value 123456789 for parameter 'max_results' supplied"));
  Error(Call(Method::kPost, "/api/2.0/mlflow/runs/search",
             R"({"experiment_ids": ["0"], "filter": "metrics.acc >> 1"})"),
        400, "INVALID_PARAMETER_VALUE");
}

TEST_F(TrackingRoutesTest, InputsOutputsAndDatasets) {
  std::string run_id = CreateRun();
  Post("/runs/log-inputs", R"({"run_id": ")" + run_id + R"(", "datasets": [{
      "tags": [{"key": "mlflow.data.context", "value": "training"}],
      "dataset": {"name": "ds", "digest": "abc", "source_type": "local", "source": "/x"}}]})");
  json::value model = Post("/logged-models", R"({"experiment_id": "0", "name": "mdl"})");
  std::string model_id(model.at("model").at("info").at("model_id").as_string());
  Post("/runs/outputs", R"({"run_id": ")" + run_id + R"(", "models": [{"model_id": ")" + model_id +
                            R"(", "step": 3}]})");
  json::value run = Get("/runs/get", {{"run_id", run_id}}).at("run");
  EXPECT_EQ(run.at("inputs").at("dataset_inputs").at(0).at("dataset").at("digest"),
            json::value("abc"));
  EXPECT_EQ(run.at("outputs").at("model_outputs").at(0).at("step").as_int64(), 3);

  json::value summaries = Ok(Method::kPost, "/ajax-api/2.0/mlflow/experiments/search-datasets",
                             R"({"experiment_ids": ["0"]})");
  ASSERT_EQ(summaries.at("dataset_summaries").as_array().size(), 1u);
  EXPECT_EQ(summaries.at("dataset_summaries").at(0).at("context"), json::value("training"));
  EXPECT_FALSE(router_.Find(Method::kPost, "/api/2.0/mlflow/experiments/search-datasets"));

  Error(Call(Method::kPost, "/api/2.0/mlflow/runs/outputs", R"({"run_id": ")" + run_id + R"("})"),
        400, "INVALID_PARAMETER_VALUE");
}

TEST_F(TrackingRoutesTest, BulkHistories) {
  std::string a = CreateRun();
  std::string b = CreateRun();
  for (int step = 0; step < 4; ++step) {
    for (const std::string& id : {a, b}) {
      Post("/runs/log-metric", R"({"run_id": ")" + id + R"(", "key": "loss", "value": )" +
                                   std::to_string(step) + R"(, "timestamp": 100, "step": )" +
                                   std::to_string(step) + "}");
    }
  }
  json::value interval = Get("/metrics/get-history-bulk-interval",
                             {{"run_ids", a}, {"run_ids", b}, {"metric_key", "loss"}});
  EXPECT_EQ(interval.at("metrics").as_array().size(), 8u);
  EXPECT_FALSE(interval.at("metrics").at(0).at("run_id").as_string().empty());
  json::value bulk = Ok(Method::kGet, "/ajax-api/2.0/mlflow/metrics/get-history-bulk", {},
                        {{"run_id", b}, {"run_id", a}, {"metric_key", "loss"}});
  ASSERT_EQ(bulk.at("metrics").as_array().size(), 8u);
  EXPECT_EQ(bulk.at("metrics").at(0).at("run_id").as_string(), std::min(a, b));
  EXPECT_THAT(Error(Call(Method::kGet, "/api/2.0/mlflow/metrics/get-history-bulk-interval", {},
                         {{"run_ids", a}, {"metric_key", "loss"}, {"start_step", "1"}}),
                    400, "INVALID_PARAMETER_VALUE"),
              HasSubstr("both must be specified"));
  json::value paged =
      Get("/metrics/get-history", {{"run_id", a}, {"metric_key", "loss"}, {"max_results", "3"}});
  EXPECT_EQ(paged.at("metrics").as_array().size(), 3u);
  EXPECT_TRUE(paged.as_object().contains("next_page_token"));
  Error(Call(Method::kGet, "/api/2.0/mlflow/metrics/get-history", {},
             {{"run_id", a}, {"metric_key", "loss"}, {"page_token", "garbage!"}}),
        400, "INVALID_PARAMETER_VALUE");
}

TEST_F(TrackingRoutesTest, LoggedModelLifecycle) {
  std::string run_id = CreateRun();
  json::value created = Post("/logged-models", R"({"experiment_id": "0", "name": "clf",
      "model_type": "sklearn", "source_run_id": ")" +
                                                   run_id + R"(",
      "params": [{"key": "alpha", "value": "0.1"}], "tags": [{"key": "t", "value": "1"}]})");
  const json::value& info = created.at("model").at("info");
  std::string id(info.at("model_id").as_string());
  EXPECT_TRUE(id.starts_with("m-"));
  EXPECT_EQ(info.at("status").as_string(), "LOGGED_MODEL_PENDING");
  EXPECT_EQ(info.at("artifact_uri").as_string(), "mlflow-artifacts:/0/models/" + id + "/artifacts");
  EXPECT_FALSE(info.as_object().contains("creator_id"));  // int64 in the proto

  json::value finalized = Ok(Method::kPatch, "/api/2.0/mlflow/logged-models/" + id,
                             R"({"model_id": ")" + id + R"(", "status": "LOGGED_MODEL_READY"})");
  EXPECT_EQ(finalized.at("model").at("info").at("status").as_string(), "LOGGED_MODEL_READY");
  Ok(Method::kPatch, "/api/2.0/mlflow/logged-models/" + id + "/tags",
     R"({"tags": [{"key": "mlflow.modelVersions", "value": "[]"}]})");
  Ok(Method::kDelete, "/api/2.0/mlflow/logged-models/" + id + "/tags/t");
  Ok(Method::kPost, "/api/2.0/mlflow/logged-models/" + id + "/params",
     R"({"params": [{"key": "beta", "value": "2"}]})");
  json::value got = Ok(Method::kGet, "/api/2.0/mlflow/logged-models/" + id);
  EXPECT_EQ(got.at("model").at("data").at("params").as_array().size(), 2u);
  EXPECT_EQ(got.at("model").at("info").at("tags").as_array().size(), 1u);

  json::value found = Post("/logged-models/search", R"({"experiment_ids": ["0"],
      "filter": "name = 'clf'", "order_by": [{"field_name": "creation_timestamp",
      "ascending": false}]})");
  ASSERT_EQ(found.at("models").as_array().size(), 1u);

  Ok(Method::kDelete, "/api/2.0/mlflow/logged-models/" + id);
  Error(Call(Method::kGet, "/api/2.0/mlflow/logged-models/" + id), 404, "RESOURCE_DOES_NOT_EXIST");
  Ok(Method::kGet, "/api/2.0/mlflow/logged-models/" + id, {}, {{"allow_deleted", "True"}});
  Error(Call(Method::kPost, "/api/2.0/mlflow/logged-models", R"({"name": "x"})"), 400,
        "INVALID_PARAMETER_VALUE");
}

TEST_F(TrackingRoutesTest, LegacyLogModelAppendsHistory) {
  std::string run_id = CreateRun();
  std::string model = R"({\"artifact_path\": \"m\", \"flavors\": {}, \"run_id\": \"r\", )"
                      R"(\"utc_time_created\": \"2024\"})";
  Post("/runs/log-model", R"({"run_id": ")" + run_id + R"(", "model_json": ")" + model + "\"}");
  Post("/runs/log-model", R"({"run_id": ")" + run_id + R"(", "model_json": ")" + model + "\"}");
  std::string history;
  json::value run = Get("/runs/get", {{"run_id", run_id}});
  for (const auto& tag : run.at("run").at("data").at("tags").as_array()) {
    if (tag.at("key").as_string() == "mlflow.log-model.history") {
      history = std::string(tag.at("value").as_string());
    }
  }
  json::value parsed = json::parse(history);
  ASSERT_TRUE(parsed.is_array());
  EXPECT_EQ(parsed.as_array().size(), 2u);
  EXPECT_EQ(parsed.at(0).at("artifact_path").as_string(), "m");
  EXPECT_EQ(Error(Call(Method::kPost, "/api/2.0/mlflow/runs/log-model",
                       R"({"run_id": ")" + run_id + R"(", "model_json": "{\"run_id\": \"r\"}"})"),
                  400, "INVALID_PARAMETER_VALUE"),
            "Model json is missing mandatory fields: {'artifact_path', 'flavors', "
            "'utc_time_created'}");
  EXPECT_THAT(Error(Call(Method::kPost, "/api/2.0/mlflow/runs/log-model",
                         R"({"run_id": ")" + run_id + R"(", "model_json": "nope"})"),
                    400, "INVALID_PARAMETER_VALUE"),
              HasSubstr("Malformed model info."));
}

TEST_F(TrackingRoutesTest, RoutesExistUnderBothPrefixes) {
  for (std::string prefix : {"/api/2.0", "/ajax-api/2.0"}) {
    EXPECT_TRUE(router_.Find(Method::kPost, prefix + "/mlflow/runs/log-batch")) << prefix;
    EXPECT_TRUE(router_.Find(Method::kGet, prefix + "/mlflow/experiments/search")) << prefix;
  }
  EXPECT_FALSE(router_.Find(Method::kPost, "/api/2.0/mlflow/registered-models/create"));
}

// --- Scoped (attempt) tokens ------------------------------------------------------------------

class ScopedTrackingRoutesTest : public TrackingRoutesTest {
 protected:
  void SetUp() override {
    TrackingRoutesTest::SetUp();
    own_run_ = CreateRun();
    other_run_ = CreateRun();
    other_experiment_ = std::string(
        Post("/experiments/create", R"({"name": "other"})").at("experiment_id").as_string());
    identity_.scope.kind = TokenScope::Kind::kAttempt;
    identity_.scope.job_id = "train-abc123";
    identity_.scope.attempt = 1;
    identity_.scope.run_id = own_run_;
    identity_.scope.experiment_id = "0";
  }

  // Expects 403 PERMISSION_DENIED saying what the token is limited to.
  void ExpectDenied(const http::Response& r) {
    std::string message = Error(r, 403, "PERMISSION_DENIED");
    EXPECT_THAT(message, HasSubstr("attempt 1 of job 'train-abc123'"));
    EXPECT_THAT(message, HasSubstr("its MLflow run '" + own_run_ + "'"));
  }

  std::string own_run_;
  std::string other_run_;
  std::string other_experiment_;
};

TEST_F(ScopedTrackingRoutesTest, LogsToAndReadsItsOwnRun) {
  Post("/runs/log-metric",
       R"({"run_id": ")" + own_run_ + R"(", "key": "loss", "value": 1.5, "timestamp": 1})");
  Post("/runs/log-batch", R"({"run_id": ")" + own_run_ + R"(", "params": [{"key": "lr",
       "value": "0.1"}], "tags": [{"key": "t", "value": "v"}]})");
  Post("/runs/update", R"({"run_id": ")" + own_run_ + R"(", "status": "FINISHED"})");
  json::value run = Get("/runs/get", {{"run_id", own_run_}});
  EXPECT_EQ(run.at("run").at("data").at("params").as_array().size(), 1u);
  Get("/metrics/get-history", {{"run_id", own_run_}, {"metric_key", "loss"}});
  Get("/experiments/get", {{"experiment_id", "0"}});
  Get("/experiments/get-by-name", {{"experiment_name", "Default"}});
}

TEST_F(ScopedTrackingRoutesTest, RefusesOtherRunsAndEverythingElse) {
  const std::string other = R"({"run_id": ")" + other_run_ + R"(", )";
  ExpectDenied(Call(Method::kPost, "/api/2.0/mlflow/runs/log-metric",
                    other + R"("key": "loss", "value": 1, "timestamp": 1})"));
  ExpectDenied(
      Call(Method::kPost, "/api/2.0/mlflow/runs/set-tag", other + R"("key": "k", "value": "v"})"));
  ExpectDenied(Call(Method::kGet, "/api/2.0/mlflow/runs/get", {}, {{"run_id", other_run_}}));
  ExpectDenied(Call(Method::kPost, "/api/2.0/mlflow/runs/create", R"({"experiment_id": "0"})"));
  ExpectDenied(
      Call(Method::kPost, "/api/2.0/mlflow/runs/delete", R"({"run_id": ")" + own_run_ + R"("})"));
  ExpectDenied(Call(Method::kPost, "/api/2.0/mlflow/runs/search", R"({"experiment_ids": ["0"]})"));
  ExpectDenied(Call(Method::kPost, "/api/2.0/mlflow/experiments/create", R"({"name": "x"})"));
  ExpectDenied(Call(Method::kPost, "/api/2.0/mlflow/experiments/search", "{}"));
  ExpectDenied(Call(Method::kGet, "/api/2.0/mlflow/experiments/get", {},
                    {{"experiment_id", other_experiment_}}));
  ExpectDenied(Call(Method::kGet, "/api/2.0/mlflow/experiments/get-by-name", {},
                    {{"experiment_name", "other"}}));
  ExpectDenied(Call(Method::kPost, "/api/2.0/mlflow/experiments/set-experiment-tag",
                    R"({"experiment_id": "0", "key": "k", "value": "v"})"));
  ExpectDenied(Call(Method::kGet, "/api/2.0/mlflow/metrics/get-history-bulk-interval", {},
                    {{"run_ids", own_run_}, {"run_ids", other_run_}, {"metric_key", "loss"}}));
  // Nothing was written to the other run.
  identity_ = Identity{"alice", "", false};
  const json::value got = Get("/runs/get", {{"run_id", other_run_}});
  const json::object& data = got.at("run").at("data").as_object();
  EXPECT_FALSE(data.contains("metrics"));
  if (const json::value* tags = data.if_contains("tags")) {
    for (const json::value& tag : tags->as_array()) EXPECT_NE(tag.at("key").as_string(), "k");
  }
}

TEST_F(ScopedTrackingRoutesTest, LogsModelsOfItsRunOnly) {
  json::value created = Post("/logged-models", R"({"experiment_id": "0", "name": "m",
                             "source_run_id": ")" + own_run_ +
                                                   R"("})");
  std::string model_id(created.at("model").at("info").at("model_id").as_string());
  Ok(Method::kPatch, "/api/2.0/mlflow/logged-models/" + model_id,
     R"({"status": "LOGGED_MODEL_READY"})");
  Ok(Method::kGet, "/api/2.0/mlflow/logged-models/" + model_id);
  Post("/logged-models/search", R"({"experiment_ids": ["0"]})");
  ExpectDenied(Call(Method::kPost, "/api/2.0/mlflow/logged-models",
                    R"({"experiment_id": "0", "source_run_id": ")" + other_run_ + R"("})"));
  ExpectDenied(Call(Method::kPost, "/api/2.0/mlflow/logged-models/search",
                    R"({"experiment_ids": [")" + other_experiment_ + R"("]})"));

  // A model of another run in the same experiment may be read, not changed.
  const Identity scoped = identity_;
  identity_ = Identity{"alice", "", false};
  json::value theirs =
      Post("/logged-models", R"({"experiment_id": "0", "source_run_id": ")" + other_run_ + R"("})");
  std::string their_id(theirs.at("model").at("info").at("model_id").as_string());
  identity_ = scoped;
  Ok(Method::kGet, "/api/2.0/mlflow/logged-models/" + their_id);
  ExpectDenied(Call(Method::kPatch, "/api/2.0/mlflow/logged-models/" + their_id + "/tags",
                    R"({"tags": [{"key": "k", "value": "v"}]})"));
  ExpectDenied(Call(Method::kDelete, "/api/2.0/mlflow/logged-models/" + their_id));
}

}  // namespace
}  // namespace inet::api
