// What `inet platform costs` and the budget commands print, as pure functions of the API's
// JSON (GET /api/v1/costs, the Budget object), so the exact text is unit-tested.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace inet::cli {

// `inet platform costs`: per team the month's total against its budget, compute vs storage,
// and its jobs with their cost, costliest first:
//   nlp-team, 2026-12: $412.10 of $500.00 budget (82%)
//     compute $400.00, storage $12.10
//     JOB                      COST
//     bert-finetuning-abc123   $300.00
// "(no budget)" for a team without one; "No teams." for an empty report.
std::string FormatCostReport(const boost::json::value& report);

// The lines `inet platform train` adds after submitting, from GET /api/v1/costs?team=TEAM:
//   Budget: $412.10 of $500.00 this month (82%)
//   Warning: nlp-team has used 82% of its $500.00 budget for 2026-12 (warnings at 50/80/100%)
// the warning from 50% on; "" when the team has no budget (or the report lacks it).
std::string FormatBudgetStanding(const boost::json::value& report, const std::string& team);

// `inet platform team set --monthly-budget`: "Budget of nlp-team: $500.00 a month (overrun
// allowed)", or "nlp-team has no budget" when removed.
std::string FormatBudget(const boost::json::value& budget);

}  // namespace inet::cli
