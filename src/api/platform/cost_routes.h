// The platform API's budgets and cost reports under /api/v1 (api/openapi.yaml, docs/costs.md):
//   GET/PUT /api/v1/teams/{team}/budget   a team's monthly budget (members read; platform
//                                         admins set)
//   GET     /api/v1/costs?team=&month=    each team's month: compute, storage, budget, jobs
// Who may see a team is teams::TeamService's rule (GetTeam); what things cost is
// jobs::CostMeter's.
#pragma once

#include "http/http.h"
#include "jobs/cost_meter.h"
#include "store/cost_store.h"
#include "teams/team_service.h"

namespace inet::api {

// Borrows everything; all must outlive the router.
void RegisterCostRoutes(http::Router& router, teams::TeamService& teams, store::CostStore& costs,
                        jobs::CostMeter& meter, const Clock& clock);

}  // namespace inet::api
