#include "api/routes.h"

#include <string>

namespace inet::api {

void AddMlflowRoute(http::Router& router, http::Method method, std::string_view path,
                    const http::Handler& handler, http::RouteOptions options) {
  for (std::string_view prefix : {"/api/2.0", "/ajax-api/2.0"}) {
    router.Add(method, std::string(prefix) + std::string(path), handler, options);
  }
}

}  // namespace inet::api
