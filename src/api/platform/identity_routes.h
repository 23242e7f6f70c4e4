// The platform API's users, teams, memberships and tokens under /api/v1 (api/openapi.yaml):
// JSON in and out, with the rules in teams::TeamService and auth::TokenService.
#pragma once

#include "auth/token_service.h"
#include "http/http.h"
#include "teams/team_service.h"

namespace inet::api {

// Borrows both services; they must outlive the router.
void RegisterIdentityRoutes(http::Router& router, teams::TeamService& teams,
                            auth::TokenService& tokens);

}  // namespace inet::api
