#include "cli/cost_format.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace inet::cli {
namespace {

TEST(CostFormatTest, ReportShowsEachTeamsMonthAgainstItsBudgetAndItsJobs) {
  const boost::json::value report = boost::json::parse(R"({"month": "2026-12", "teams": [
    {"team": "nlp-team", "monthly_budget_usd": 500, "allow_overrun": false, "compute_usd": 400,
     "storage_usd": 12.1, "total_usd": 412.1, "percent_used": 82.42,
     "jobs": [{"job_id": "bert-finetuning-abc123", "run_id": "r1", "cost_usd": 300},
              {"job_id": "eval-x1", "run_id": "r2", "cost_usd": 100}]},
    {"team": "cv", "monthly_budget_usd": null, "allow_overrun": false, "compute_usd": 0,
     "storage_usd": 0, "total_usd": 0, "percent_used": null, "jobs": []}]})");
  EXPECT_EQ(FormatCostReport(report),
            "nlp-team, 2026-12: $412.10 of $500.00 budget (82%)\n"
            "  compute $400.00, storage $12.10\n"
            "  JOB                      COST\n"
            "  bert-finetuning-abc123   $300.00\n"
            "  eval-x1                  $100.00\n"
            "\n"
            "cv, 2026-12: $0.00 (no budget)\n"
            "  compute $0.00, storage $0.00\n"
            "  No job costs this month.\n");
  EXPECT_EQ(FormatCostReport(boost::json::parse(R"({"month": "2026-12", "teams": []})")),
            "No teams.\n");
}

TEST(CostFormatTest, TrainShowsTheTeamsBudgetAndWarnsFromHalfOfIt) {
  const boost::json::value report = boost::json::parse(R"({"month": "2026-12", "teams": [
    {"team": "nlp-team", "monthly_budget_usd": 500, "total_usd": 412.1, "percent_used": 82.42}]})");
  EXPECT_EQ(FormatBudgetStanding(report, "nlp-team"),
            "Budget: $412.10 of $500.00 this month (82%)\n"
            "Warning: nlp-team has used 82% of its $500.00 budget for 2026-12 (warnings at "
            "50/80/100%)\n");
  const boost::json::value low = boost::json::parse(R"({"month": "2026-12", "teams": [
    {"team": "nlp-team", "monthly_budget_usd": 500, "total_usd": 12, "percent_used": 2.4}]})");
  EXPECT_EQ(FormatBudgetStanding(low, "nlp-team"), "Budget: $12.00 of $500.00 this month (2%)\n");
  const boost::json::value none = boost::json::parse(R"({"month": "2026-12", "teams": [
    {"team": "nlp-team", "monthly_budget_usd": null, "total_usd": 12, "percent_used": null}]})");
  EXPECT_EQ(FormatBudgetStanding(none, "nlp-team"), "");
  EXPECT_EQ(FormatBudgetStanding(report, "cv"), "");
}

TEST(CostFormatTest, BudgetSaysWhatItAllows) {
  EXPECT_EQ(
      FormatBudget(boost::json::parse(
          R"({"budget": {"team": "nlp-team", "monthly_budget_usd": 500, "allow_overrun": false}})")),
      "Budget of nlp-team: $500.00 a month (submissions past it are refused)\n");
  EXPECT_EQ(
      FormatBudget(boost::json::parse(
          R"({"budget": {"team": "nlp-team", "monthly_budget_usd": 750.5, "allow_overrun": true}})")),
      "Budget of nlp-team: $750.50 a month (overrun allowed)\n");
  EXPECT_EQ(FormatBudget(boost::json::parse(
                R"({"budget": {"team": "nlp-team", "monthly_budget_usd": null}})")),
            "nlp-team has no budget\n");
}

}  // namespace
}  // namespace inet::cli
