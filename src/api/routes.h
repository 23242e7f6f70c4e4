// Route registration helpers shared by the API modules.
#pragma once

#include <string_view>

#include "http/http.h"

namespace inet::api {

// Registers `handler` for an MLflow REST path (e.g. "/mlflow/runs/get") under both prefixes
// the MLflow client and UI use: /api/2.0<path> and /ajax-api/2.0<path>.
void AddMlflowRoute(http::Router& router, http::Method method, std::string_view path,
                    const http::Handler& handler, http::RouteOptions options = {});

// GET /api/v1/routes (platform admins): the router's whole table as {"routes": [{"method",
// "path", "public", "scoped_tokens"}]}, read at request time, so it lists every route added
// before or after it. For operators, and for the isolation test that walks every route.
// `router` must outlive the server.
void AddRouteTableRoute(http::Router& router);

}  // namespace inet::api
