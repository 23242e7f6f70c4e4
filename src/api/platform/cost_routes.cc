#include "api/platform/cost_routes.h"

#include <boost/json.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/platform/handler_common.h"
#include "jobs/pricing.h"

namespace inet::api {
namespace {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;
using platform::JsonResponse;

double Usd(int64_t micros) { return static_cast<double>(micros) / 1e6; }

json::object BudgetJson(const std::string& team, const std::optional<store::TeamBudget>& b) {
  json::object o{{"team", team}};
  if (b) {
    o["monthly_budget_usd"] = Usd(b->monthly_micros);
    o["allow_overrun"] = b->allow_overrun;
    o["updated_at"] = b->updated_at;
    o["updated_by"] = b->updated_by;
  } else {
    o["monthly_budget_usd"] = nullptr;
    o["allow_overrun"] = false;
  }
  return o;
}

class CostHandlers {
 public:
  CostHandlers(teams::TeamService& teams, store::CostStore& costs, jobs::CostMeter& meter,
               const Clock& clock)
      : teams_(teams), costs_(costs), meter_(meter), clock_(clock) {}

  // GET /api/v1/teams/{team}/budget -> {"budget": {...}}: the team's members and platform
  // admins.
  Response GetBudget(Request& req) {
    const std::string& team = req.path_params.at("team");
    if (Status seen = teams_.GetTeam(req.identity, team).status(); !seen.ok()) {
      return http::ErrorResponse(seen);
    }
    StatusOr<store::TeamBudget> budget = costs_.GetTeamBudget(team);
    if (!budget.ok() && budget.status().code() != StatusCode::kNotFound) {
      return http::ErrorResponse(budget.status());
    }
    return JsonResponse(
        {{"budget", BudgetJson(team, budget.ok() ? std::optional<store::TeamBudget>(*budget)
                                                 : std::nullopt)}});
  }

  // PUT /api/v1/teams/{team}/budget {"monthly_budget_usd": USD | null, "allow_overrun"?}:
  // platform admins; null removes the budget.
  Response PutBudget(Request& req) {
    const std::string& team = req.path_params.at("team");
    if (!req.identity.is_admin) {
      return http::ErrorResponse(PermissionDeniedError(
          "Only platform admins set budgets; ask one to run: inet platform team set " + team +
          " --monthly-budget USD"));
    }
    if (Status seen = teams_.GetTeam(req.identity, team).status(); !seen.ok()) {
      return http::ErrorResponse(seen);
    }
    boost::system::error_code ec;
    json::value body = json::parse(req.body, ec);
    if (ec || !body.is_object()) {
      return http::ErrorResponse(
          InvalidArgumentError("Request body must be a JSON object: {\"monthly_budget_usd\": 500, "
                               "\"allow_overrun\": false}"));
    }
    const json::object& o = body.as_object();
    for (const auto& field : o) {
      if (field.key() != "monthly_budget_usd" && field.key() != "allow_overrun") {
        return http::ErrorResponse(
            InvalidArgumentError("Unknown field '" + std::string(field.key()) +
                                 "'; the fields are monthly_budget_usd, allow_overrun"));
      }
    }
    const json::value* usd = o.if_contains("monthly_budget_usd");
    if (usd == nullptr) {
      return http::ErrorResponse(InvalidArgumentError(
          "Missing field 'monthly_budget_usd' (a USD amount, or null to remove the budget)"));
    }
    bool allow_overrun = false;
    if (const json::value* a = o.if_contains("allow_overrun"); a != nullptr && !a->is_null()) {
      if (!a->is_bool()) {
        return http::ErrorResponse(
            InvalidArgumentError("Field 'allow_overrun' must be true or false"));
      }
      allow_overrun = a->as_bool();
    }
    if (usd->is_null()) {
      if (Status removed = costs_.DeleteTeamBudget(team); !removed.ok()) {
        return http::ErrorResponse(removed);
      }
      return JsonResponse({{"budget", BudgetJson(team, std::nullopt)}});
    }
    if (!usd->is_number() || !std::isfinite(usd->to_number<double>()) ||
        usd->to_number<double>() < 0 || usd->to_number<double>() > 1e9) {
      return http::ErrorResponse(InvalidArgumentError(
          "Field 'monthly_budget_usd' must be a USD amount from 0 to 1,000,000,000, or null to "
          "remove the budget"));
    }
    store::TeamBudget budget{team, jobs::UsdToMicros(usd->to_number<double>()), allow_overrun,
                             clock_.NowMillis(), req.identity.user};
    if (Status put = costs_.PutTeamBudget(budget); !put.ok()) {
      return http::ErrorResponse(put);
    }
    return JsonResponse({{"budget", BudgetJson(team, budget)}});
  }

  // GET /api/v1/costs?team=&month= -> {"month", "teams": [...]}: one team (the acting team
  // by default); every team for a platform admin who names none.
  Response Report(Request& req) {
    std::string month = req.Query("month").value_or("");
    if (month.empty()) {
      month = jobs::MonthOf(clock_.NowMillis());
    }
    if (Status valid = jobs::MonthStartMillis(month).status(); !valid.ok()) {
      return http::ErrorResponse(InvalidArgumentError("month: " + valid.message()));
    }
    std::vector<std::string> teams;
    const std::string named = req.Query("team").value_or("");
    if (!named.empty()) {
      if (Status seen = teams_.GetTeam(req.identity, named).status(); !seen.ok()) {
        return http::ErrorResponse(seen);
      }
      teams.push_back(named);
    } else if (req.identity.is_admin) {
      StatusOr<std::vector<store::Team>> all = teams_.ListTeams(req.identity);
      if (!all.ok()) {
        return http::ErrorResponse(all.status());
      }
      for (const store::Team& t : *all) {
        teams.push_back(t.name);
      }
    } else {
      StatusOr<std::string> acting = RequireActingTeam(req.identity);
      if (!acting.ok()) {
        return http::ErrorResponse(acting.status());
      }
      if (Status seen = teams_.GetTeam(req.identity, *acting).status(); !seen.ok()) {
        return http::ErrorResponse(seen);
      }
      teams.push_back(*acting);
    }
    json::array out;
    for (const std::string& team : teams) {
      StatusOr<jobs::BudgetStanding> standing = meter_.Standing(team, month);
      if (!standing.ok()) {
        return http::ErrorResponse(standing.status());
      }
      StatusOr<std::vector<store::JobCost>> jobs = costs_.ListJobCosts(team, month);
      if (!jobs.ok()) {
        return http::ErrorResponse(jobs.status());
      }
      json::object t = BudgetJson(team, standing->budget);
      t["compute_usd"] = Usd(standing->compute_micros);
      t["storage_usd"] = Usd(standing->storage_micros);
      t["total_usd"] = Usd(standing->total_micros());
      if (standing->budget && standing->budget->monthly_micros > 0) {
        t["percent_used"] = 100.0 * static_cast<double>(standing->total_micros()) /
                            static_cast<double>(standing->budget->monthly_micros);
      } else {
        t["percent_used"] = nullptr;
      }
      json::array job_costs;
      for (const store::JobCost& j : *jobs) {
        job_costs.push_back(json::object{
            {"job_id", j.job_id}, {"run_id", j.run_id}, {"cost_usd", Usd(j.cost_micros)}});
      }
      t["jobs"] = std::move(job_costs);
      out.push_back(std::move(t));
    }
    return JsonResponse({{"month", month}, {"teams", std::move(out)}});
  }

 private:
  teams::TeamService& teams_;
  store::CostStore& costs_;
  jobs::CostMeter& meter_;
  const Clock& clock_;
};

}  // namespace

void RegisterCostRoutes(http::Router& router, teams::TeamService& teams, store::CostStore& costs,
                        jobs::CostMeter& meter, const Clock& clock) {
  auto h = std::make_shared<CostHandlers>(teams, costs, meter, clock);
  auto bind = [h](Response (CostHandlers::*method)(Request&)) {
    return [h, method](Request& req) { return ((*h).*method)(req); };
  };
  router.Add(Method::kGet, "/api/v1/teams/{team}/budget", bind(&CostHandlers::GetBudget));
  router.Add(Method::kPut, "/api/v1/teams/{team}/budget", bind(&CostHandlers::PutBudget));
  router.Add(Method::kGet, "/api/v1/costs", bind(&CostHandlers::Report));
}

}  // namespace inet::api
