#include "cli/cost_format.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string_view>
#include <vector>

#include "jobs/pricing.h"

namespace inet::cli {
namespace {

namespace json = boost::json;

const json::value* Field(const json::value& v, std::string_view key) {
  const json::object* o = v.if_object();
  return o != nullptr ? o->if_contains(key) : nullptr;
}

std::string Text(const json::value& v, std::string_view key) {
  const json::value* f = Field(v, key);
  return f != nullptr && f->is_string() ? std::string(f->get_string()) : "";
}

// A USD number field as "$412.10"; nullopt when absent or null.
std::optional<std::string> Usd(const json::value& v, std::string_view key) {
  const json::value* f = Field(v, key);
  if (f == nullptr || !f->is_number()) {
    return std::nullopt;
  }
  return jobs::FormatUsd(jobs::UsdToMicros(f->to_number<double>()));
}

}  // namespace

std::string FormatCostReport(const json::value& report) {
  const json::value* teams = Field(report, "teams");
  if (teams == nullptr || !teams->is_array() || teams->get_array().empty()) {
    return "No teams.\n";
  }
  const std::string month = Text(report, "month");
  std::string out;
  for (const json::value& t : teams->get_array()) {
    if (!out.empty()) {
      out += "\n";
    }
    out += Text(t, "team") + ", " + month + ": " + Usd(t, "total_usd").value_or("$0.00");
    if (std::optional<std::string> budget = Usd(t, "monthly_budget_usd")) {
      out += " of " + *budget + " budget";
      const json::value* pct = Field(t, "percent_used");
      if (pct != nullptr && pct->is_number()) {
        out += " (" + std::to_string(static_cast<int64_t>(pct->to_number<double>())) + "%)";
      }
      const json::value* overrun = Field(t, "allow_overrun");
      if (overrun != nullptr && overrun->is_bool() && overrun->get_bool()) {
        out += ", overrun allowed";
      }
    } else {
      out += " (no budget)";
    }
    out += "\n  compute " + Usd(t, "compute_usd").value_or("$0.00") + ", storage " +
           Usd(t, "storage_usd").value_or("$0.00") + "\n";
    const json::value* jobs = Field(t, "jobs");
    if (jobs == nullptr || !jobs->is_array() || jobs->get_array().empty()) {
      out += "  No job costs this month.\n";
      continue;
    }
    size_t width = 3;
    for (const json::value& j : jobs->get_array()) {
      width = std::max(width, Text(j, "job_id").size());
    }
    out += "  JOB" + std::string(width - 3 + 3, ' ') + "COST\n";
    for (const json::value& j : jobs->get_array()) {
      const std::string id = Text(j, "job_id");
      out += "  " + id + std::string(width - id.size() + 3, ' ') +
             Usd(j, "cost_usd").value_or("$0.00") + "\n";
    }
  }
  return out;
}

std::string FormatBudgetStanding(const json::value& report, const std::string& team) {
  const json::value* teams = Field(report, "teams");
  if (teams == nullptr || !teams->is_array()) {
    return "";
  }
  for (const json::value& t : teams->get_array()) {
    if (Text(t, "team") != team) {
      continue;
    }
    std::optional<std::string> budget = Usd(t, "monthly_budget_usd");
    const json::value* pct = Field(t, "percent_used");
    if (!budget || pct == nullptr || !pct->is_number()) {
      return "";
    }
    const auto percent = static_cast<int64_t>(pct->to_number<double>());
    std::string out = "Budget: " + Usd(t, "total_usd").value_or("$0.00") + " of " + *budget +
                      " this month (" + std::to_string(percent) + "%)\n";
    if (percent >= 50) {
      out += "Warning: " + team + " has used " + std::to_string(percent) + "% of its " + *budget +
             " budget for " + Text(report, "month") + " (warnings at 50/80/100%)\n";
    }
    return out;
  }
  return "";
}

std::string FormatBudget(const json::value& answer) {
  const json::value* b = Field(answer, "budget");
  const json::value& budget = b != nullptr ? *b : answer;
  const std::string team = Text(budget, "team");
  std::optional<std::string> usd = Usd(budget, "monthly_budget_usd");
  if (!usd) {
    return team + " has no budget\n";
  }
  const json::value* overrun = Field(budget, "allow_overrun");
  const bool allowed = overrun != nullptr && overrun->is_bool() && overrun->get_bool();
  return "Budget of " + team + ": " + *usd + " a month" +
         (allowed ? " (overrun allowed)" : " (submissions past it are refused)") + "\n";
}

}  // namespace inet::cli
