#include "api/routes.h"

#include <boost/json.hpp>
#include <string>

namespace inet::api {

void AddMlflowRoute(http::Router& router, http::Method method, std::string_view path,
                    const http::Handler& handler, http::RouteOptions options) {
  for (std::string_view prefix : {"/api/2.0", "/ajax-api/2.0"}) {
    router.Add(method, std::string(prefix) + std::string(path), handler, options);
  }
}

void AddRouteTableRoute(http::Router& router) {
  router.Add(http::Method::kGet, "/api/v1/routes", [&router](http::Request& req) {
    if (!req.identity.is_admin || req.identity.scoped()) {
      return http::ErrorResponse(
          PermissionDeniedError("Only platform admins can read the route table; user '" +
                                req.identity.user + "' is not one"));
    }
    boost::json::array routes;
    for (const http::Router::Route* route : router.Routes()) {
      std::string path;
      for (const std::string& segment : route->segments) path += "/" + segment;
      std::string_view method = http::MethodName(route->method);
      routes.push_back(
          boost::json::object{{"method", boost::json::string_view(method.data(), method.size())},
                              {"path", path.empty() ? "/" : path},
                              {"public", route->options.public_route},
                              {"scoped_tokens", route->options.scoped_tokens}});
    }
    return http::Response::Json(
        boost::json::serialize(boost::json::object{{"routes", std::move(routes)}}));
  });
}

}  // namespace inet::api
