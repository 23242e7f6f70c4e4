// Handler tests for the platform artifact routes: built Requests go through the Router (no
// sockets) to an InMemoryArtifactStore.
#include "api/platform/platform_artifacts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "artifacts/testing/in_memory_artifact_store.h"
#include "common/clock.h"

namespace inet::api {
namespace {

namespace json = boost::json;
using http::Method;
using ::testing::HasSubstr;

struct CallOptions {
  std::string body{};
  std::vector<std::pair<std::string, std::string>> query{};
  std::vector<std::pair<std::string, std::string>> headers{};
  // The team the request acts in; unset: the path's namespace (as the SDK sends it).
  std::optional<std::string> team{};
};

class PlatformArtifactsTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterPlatformArtifactRoutes(router_, store_, "local"); }

  http::Response Call(Method method, const std::string& path, CallOptions options = {}) {
    auto match = router_.Find(method, path);
    if (!match) return http::Response::Text("no route", 599);
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(options.query);
    req.headers = std::move(options.headers);
    req.path_params = match->params;
    req.identity.user = "alice";
    auto ns = match->params.find("namespace");
    req.identity.team =
        options.team ? *options.team : (ns == match->params.end() ? "default" : ns->second);
    // Streaming routes read the body from body_stream, as the server delivers it.
    StringByteSource stream(options.body);
    req.content_length = options.body.size();
    if (match->route->options.stream_body) {
      req.body_stream = &stream;
    } else {
      req.body = std::move(options.body);
    }
    return match->route->handler(req);
  }

  static std::string Body(http::Response& r) {
    if (!r.stream) return r.body;
    auto all = ReadAll(*r.stream, 1 << 20);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? *all : std::string();
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

  json::value Put(const std::string& path, std::string body, std::string metadata = {}) {
    CallOptions options{.body = std::move(body)};
    if (!metadata.empty()) options.headers.emplace_back("x-inet-artifact-metadata", metadata);
    return Json(Call(Method::kPut, "/api/v1/artifacts/" + path, std::move(options)), 201);
  }

  FakeClock clock_{1'700'000'000'000};
  artifacts::InMemoryArtifactStore store_{&clock_};
  http::Router router_;
};

TEST_F(PlatformArtifactsTest, PutGetListDeleteRoundTrip) {
  json::value put =
      Put("team-a/models/bert/model.pt", "weights", R"({"accuracy": 0.93, "f": "x"})");
  const json::value& a = put.at("artifact");
  EXPECT_EQ(a.at("path").as_string(), "models/bert/model.pt");
  EXPECT_EQ(a.at("size").as_int64(), 7);
  EXPECT_EQ(a.at("created").as_int64(), 1'700'000'000'000);
  EXPECT_EQ(a.at("uri").as_string(),
            "mlflow-artifacts:/workspaces/team-a/platform/team-a/models/bert/model.pt");
  EXPECT_DOUBLE_EQ(a.at("metadata").at("accuracy").as_double(), 0.93);
  EXPECT_EQ(a.at("metadata").at("f").as_string(), "x");

  // The bytes are where mlflow-artifacts: URIs point, so mlflow can read them too.
  EXPECT_TRUE(store_.Head("workspaces/team-a/platform/team-a/models/bert/model.pt").ok());

  http::Response got = Call(Method::kGet, "/api/v1/artifacts/team-a/models/bert/model.pt");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.content_type, "application/octet-stream");
  EXPECT_EQ(got.stream_length, 7);
  EXPECT_EQ(Body(got), "weights");

  json::value listed = Json(Call(Method::kGet, "/api/v1/artifacts/team-a"), 200);
  ASSERT_EQ(listed.at("artifacts").as_array().size(), 1u) << listed;  // sidecar hidden
  EXPECT_EQ(listed.at("artifacts").at(0).at("path").as_string(), "models/bert/model.pt");
  EXPECT_EQ(listed.at("artifacts").at(0).at("metadata").at("f").as_string(), "x");
  EXPECT_EQ(listed.at("next_page_token").as_string(), "");

  json::value deleted =
      Json(Call(Method::kDelete, "/api/v1/artifacts/team-a/models/bert/model.pt"), 200);
  EXPECT_TRUE(deleted.as_object().empty());
  EXPECT_EQ(
      store_.Head("workspaces/team-a/platform/team-a/.inet-metadata/models/bert/model.pt.json")
          .status()
          .code(),
      StatusCode::kNotFound);
  Error(Call(Method::kGet, "/api/v1/artifacts/team-a/models/bert/model.pt"), 404,
        "RESOURCE_DOES_NOT_EXIST");
  json::value empty = Json(Call(Method::kGet, "/api/v1/artifacts/team-a"), 200);
  EXPECT_TRUE(empty.at("artifacts").as_array().empty());
}

TEST_F(PlatformArtifactsTest, ReuploadWithoutMetadataClearsIt) {
  Put("ns/a.txt", "1", R"({"k": "v"})");
  json::value again = Put("ns/a.txt", "22");
  EXPECT_TRUE(again.at("artifact").at("metadata").as_object().empty());
  json::value listed = Json(Call(Method::kGet, "/api/v1/artifacts/ns"), 200);
  EXPECT_TRUE(listed.at("artifacts").at(0).at("metadata").as_object().empty());
  EXPECT_EQ(listed.at("artifacts").at(0).at("size").as_int64(), 2);
}

TEST_F(PlatformArtifactsTest, ListFiltersByPrefixAndNamespaceAndPages) {
  Put("ns/models/a.pt", "a");
  Put("ns/models/b.pt", "b", R"({"n": 1})");
  Put("ns/models/c.pt", "c");
  Put("ns/data/d.csv", "d");
  Put("other/models/z.pt", "z");

  json::value models =
      Json(Call(Method::kGet, "/api/v1/artifacts/ns", {.query = {{"prefix", "models/"}}}), 200);
  ASSERT_EQ(models.at("artifacts").as_array().size(), 3u);

  std::vector<std::string> paths;
  std::string token;
  for (int pages = 0; pages < 10; ++pages) {
    CallOptions options{.query = {{"max_results", "2"}}};
    if (!token.empty()) options.query.emplace_back("page_token", token);
    json::value page = Json(Call(Method::kGet, "/api/v1/artifacts/ns", std::move(options)), 200);
    EXPECT_LE(page.at("artifacts").as_array().size(), 2u);
    for (const json::value& a : page.at("artifacts").as_array()) {
      paths.emplace_back(a.at("path").as_string());
    }
    token = std::string(page.at("next_page_token").as_string());
    if (token.empty()) break;
  }
  EXPECT_THAT(paths,
              ::testing::ElementsAre("data/d.csv", "models/a.pt", "models/b.pt", "models/c.pt"));
}

TEST_F(PlatformArtifactsTest, PageMadeOfSidecarsIsSkipped) {
  // ".inet-metadata/..." sorts before "z": with max_results=1 the first store page holds
  // only the sidecar, which must not surface as an empty page.
  Put("ns/z.bin", "z", R"({"k": "v"})");
  json::value page =
      Json(Call(Method::kGet, "/api/v1/artifacts/ns", {.query = {{"max_results", "1"}}}), 200);
  ASSERT_EQ(page.at("artifacts").as_array().size(), 1u) << page;
  EXPECT_EQ(page.at("artifacts").at(0).at("path").as_string(), "z.bin");
}

TEST_F(PlatformArtifactsTest, BadPathsAreRejectedBeforeTheStore) {
  for (const std::string path :
       {"ns/a/../b", "ns/./a", "ns/a\\b", "ns/.inet-metadata/a.json", "ns/a//b"}) {
    std::string message = Error(Call(Method::kPut, "/api/v1/artifacts/" + path, {.body = "x"}), 400,
                                "INVALID_PARAMETER_VALUE");
    EXPECT_THAT(message, HasSubstr("Invalid path")) << path;
    Error(Call(Method::kGet, "/api/v1/artifacts/" + path), 400, "INVALID_PARAMETER_VALUE");
    Error(Call(Method::kDelete, "/api/v1/artifacts/" + path), 400, "INVALID_PARAMETER_VALUE");
  }
  Error(Call(Method::kPut, "/api/v1/artifacts/../a", {.body = "x"}), 400,
        "INVALID_PARAMETER_VALUE");
  Error(Call(Method::kGet, "/api/v1/artifacts/ns", {.query = {{"prefix", "../x"}}}), 400,
        "INVALID_PARAMETER_VALUE");
  auto listed = store_.List({"", false, "", 1000});
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->objects.empty());
}

// A namespace is a team: another team's files are refused (403), on every route; team
// default's stay at the store's root, where they were before teams.
TEST_F(PlatformArtifactsTest, ANamespaceIsATeamTheCallerActsIn) {
  Json(Call(Method::kPut, "/api/v1/artifacts/team-a/a.txt", {.body = "x"}), 201);
  for (Method method : {Method::kGet, Method::kDelete, Method::kPut}) {
    std::string message =
        Error(Call(method, "/api/v1/artifacts/team-a/a.txt", {.body = "y", .team = "team-b"}), 403,
              "PERMISSION_DENIED");
    EXPECT_THAT(message, HasSubstr("Namespace 'team-a' is a team that user 'alice' does not act"));
  }
  Error(Call(Method::kGet, "/api/v1/artifacts/team-a", {.team = "team-b"}), 403,
        "PERMISSION_DENIED");
  http::Response own = Call(Method::kGet, "/api/v1/artifacts/team-a/a.txt");
  EXPECT_EQ(Body(own), "x");
  json::value put = Json(Call(Method::kPut, "/api/v1/artifacts/default/b.txt", {.body = "z"}), 201);
  EXPECT_EQ(put.at("artifact").at("uri").as_string(), "mlflow-artifacts:/platform/default/b.txt");
}

TEST_F(PlatformArtifactsTest, BadMetadataAndMaxResultsAre400) {
  for (const std::string& metadata : std::vector<std::string>{
           "[1]", "{not json", R"("text")", "null", std::string(65 * 1024, ' ') + "{}"}) {
    std::string message =
        Error(Call(Method::kPut, "/api/v1/artifacts/ns/a.txt",
                   {.body = "x", .headers = {{"x-inet-artifact-metadata", metadata}}}),
              400, "INVALID_PARAMETER_VALUE");
    EXPECT_THAT(message, HasSubstr("X-Inet-Artifact-Metadata")) << metadata;
  }
  EXPECT_EQ(store_.Head("workspaces/ns/platform/ns/a.txt").status().code(), StatusCode::kNotFound);
  for (const std::string n : {"0", "1001", "-1", "abc"}) {
    std::string message =
        Error(Call(Method::kGet, "/api/v1/artifacts/ns", {.query = {{"max_results", n}}}), 400,
              "INVALID_PARAMETER_VALUE");
    EXPECT_THAT(message, HasSubstr("max_results")) << n;
  }
}

// The article's metadata: nested objects, floats, lists and booleans come back as sent.
TEST_F(PlatformArtifactsTest, NestedMetadataRoundTrips) {
  const std::string metadata =
      R"({"model_type": "BERT", "hyperparams": {"lr": 1e-05, "batch_size": 32, "epochs": 3},)"
      R"( "tags": ["nlp", true, null]})";
  json::value put = Put("team-a/bert/v2/model.pt", "weights", metadata);
  const json::value& sent = put.at("artifact").at("metadata");
  EXPECT_EQ(sent, json::parse(metadata));
  json::value listed = Json(Call(Method::kGet, "/api/v1/artifacts/team-a"), 200);
  EXPECT_EQ(listed.at("artifacts").at(0).at("metadata"), json::parse(metadata));
}

TEST_F(PlatformArtifactsTest, StoreInfoNamesTheKindOfStore) {
  json::value info = Json(Call(Method::kGet, "/api/v1/artifact-store"), 200);
  EXPECT_EQ(info, json::parse(R"({"kind": "local"})"));
}

TEST_F(PlatformArtifactsTest, DeleteOfMissingArtifactIsOk) {
  Json(Call(Method::kDelete, "/api/v1/artifacts/ns/never.txt"), 200);
}

}  // namespace
}  // namespace inet::api
