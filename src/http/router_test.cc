#include <gtest/gtest.h>

#include "http/http.h"

namespace inet::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(name); };
}

std::string Call(const Router& router, Method method, std::string_view path) {
  auto match = router.Find(method, path);
  if (!match) return "<none>";
  Request req;
  return match->route->handler(req).body;
}

TEST(RouterTest, LiteralParamAndGreedy) {
  Router router;
  router.Add(Method::kGet, "/api/2.0/mlflow/runs/get", Named("get"));
  router.Add(Method::kGet, "/api/2.0/mlflow/runs/{id}", Named("param"));
  router.Add(Method::kGet, "/artifacts/{path...}", Named("greedy"));
  router.Add(Method::kGet, "/", Named("root"));

  EXPECT_EQ(Call(router, Method::kGet, "/api/2.0/mlflow/runs/get"), "get");
  EXPECT_EQ(Call(router, Method::kGet, "/api/2.0/mlflow/runs/abc"), "param");
  EXPECT_EQ(Call(router, Method::kGet, "/"), "root");
  EXPECT_EQ(Call(router, Method::kGet, "/api/2.0/mlflow/runs"), "<none>");
  EXPECT_EQ(Call(router, Method::kGet, "/api/2.0/mlflow/runs/a/b"), "<none>");

  auto m = router.Find(Method::kGet, "/api/2.0/mlflow/runs/abc");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params.at("id"), "abc");

  m = router.Find(Method::kGet, "/artifacts/a/b/c.txt");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params.at("path"), "a/b/c.txt");
  m = router.Find(Method::kGet, "/artifacts/x");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params.at("path"), "x");
  // A greedy parameter needs at least one segment.
  EXPECT_FALSE(router.Find(Method::kGet, "/artifacts"));
}

TEST(RouterTest, RoutesListsTheTableInTheOrderAddedWithoutDuplicates) {
  Router r;
  r.Add(Method::kGet, "/api/v1/jobs/{job_id}", Named("get"));
  r.Add(Method::kPost, "/a/{rest...}", Named("post"), RouteOptions{.public_route = true});
  r.Add(Method::kGet, "/api/v1/jobs/{job_id}", Named("again"));  // the first one stays
  std::vector<const Router::Route*> routes = r.Routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]->method, Method::kGet);
  EXPECT_EQ(routes[0]->segments, (std::vector<std::string>{"api", "v1", "jobs", "{job_id}"}));
  EXPECT_EQ(routes[1]->segments, (std::vector<std::string>{"a", "{rest...}"}));
  EXPECT_TRUE(routes[1]->options.public_route);
}

TEST(RouterTest, EmptySegmentDoesNotMatchParam) {
  Router router;
  router.Add(Method::kGet, "/runs/{id}", Named("param"));
  EXPECT_FALSE(router.Find(Method::kGet, "/runs/"));
}

TEST(RouterTest, LiteralBeatsParamWithBacktracking) {
  Router router;
  router.Add(Method::kGet, "/a/b/c", Named("literal"));
  router.Add(Method::kGet, "/a/{x}/d", Named("param"));
  EXPECT_EQ(Call(router, Method::kGet, "/a/b/c"), "literal");
  // "b" matches the literal branch first, which has no "d"; the param branch must be tried.
  EXPECT_EQ(Call(router, Method::kGet, "/a/b/d"), "param");
}

TEST(RouterTest, DifferentParamNamesAtSamePosition) {
  Router router;
  router.Add(Method::kGet, "/runs/{run_id}/metrics", Named("metrics"));
  router.Add(Method::kGet, "/runs/{id}/params", Named("params"));
  auto m = router.Find(Method::kGet, "/runs/7/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params.at("run_id"), "7");
  m = router.Find(Method::kGet, "/runs/8/params");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params.at("id"), "8");
}

TEST(RouterTest, PathExistsWhenOnlyMethodDiffers) {
  Router router;
  router.Add(Method::kPost, "/runs/create", Named("create"));
  router.Add(Method::kDelete, "/runs/create", Named("delete"));
  bool exists = false;
  EXPECT_FALSE(router.Find(Method::kGet, "/runs/create", &exists));
  EXPECT_TRUE(exists);
  exists = true;
  EXPECT_FALSE(router.Find(Method::kGet, "/nope", &exists));
  EXPECT_FALSE(exists);
  EXPECT_EQ(router.AllowedMethods("/runs/create"),
            (std::vector<Method>{Method::kPost, Method::kDelete}));
}

TEST(RouterTest, HeadFallsBackToGet) {
  Router router;
  router.Add(Method::kGet, "/health", Named("get"));
  EXPECT_EQ(Call(router, Method::kHead, "/health"), "get");
  router.Add(Method::kHead, "/only-head", Named("head"));
  EXPECT_EQ(Call(router, Method::kHead, "/only-head"), "head");
  EXPECT_EQ(Call(router, Method::kGet, "/only-head"), "<none>");
}

TEST(RouterTest, FirstRegistrationWins) {
  Router router;
  router.Add(Method::kGet, "/x", Named("first"));
  router.Add(Method::kGet, "/x", Named("second"));
  EXPECT_EQ(Call(router, Method::kGet, "/x"), "first");
}

TEST(RouterTest, OptionsAreKept) {
  Router router;
  router.Add(Method::kPut, "/upload/{p...}", Named("u"), {.stream_body = true});
  auto m = router.Find(Method::kPut, "/upload/a");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->route->options.stream_body);
  EXPECT_FALSE(m->route->options.public_route);
}

TEST(RouterTest, MovedRouterStillFinds) {
  Router router;
  router.Add(Method::kGet, "/x", Named("x"));
  Router moved = std::move(router);
  EXPECT_EQ(Call(moved, Method::kGet, "/x"), "x");
}

TEST(RequestTest, HeaderQueryHelpers) {
  Request req;
  req.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  req.query = {{"experiment_ids", "1"}, {"q", ""}, {"experiment_ids", "2"}};
  EXPECT_EQ(req.Header("Content-Type"), "application/json");
  EXPECT_EQ(req.Header("X-A"), "1");
  EXPECT_EQ(req.Header("missing"), "");
  EXPECT_EQ(req.Query("experiment_ids"), "1");
  EXPECT_EQ(req.Query("q"), "");
  EXPECT_FALSE(req.Query("nope"));
  EXPECT_EQ(req.QueryAll("experiment_ids"), (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(req.QueryAll("nope").empty());
}

TEST(ResponseTest, Factories) {
  Response j = Response::Json("{}", 201);
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.content_type, "application/json");
  Response t = Response::Text("OK");
  EXPECT_EQ(t.status, 200);
  EXPECT_EQ(t.content_type.substr(0, 10), "text/plain");
  EXPECT_EQ(MethodName(Method::kDelete), "DELETE");
  EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

}  // namespace
}  // namespace inet::http
