#include "jobs/cost_meter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>
#include <vector>

#include "common/identity.h"
#include "jobs/internal/job_records.h"
#include "tracking/tracking_service.h"

namespace inet::jobs {
namespace {

constexpr std::array<int, 3> kWarningPercents = {50, 80, 100};
// GiB-hours in a GiB-month: storage is priced per month of 730 hours (365 * 24 / 12).
constexpr double kHoursPerMonth = 730.0;

int Percent(int64_t part, int64_t whole) {
  if (whole <= 0) {
    return 0;
  }
  return static_cast<int>((static_cast<__int128>(part) * 100) / whole);
}

// "12.34": micro-dollars as a decimal USD amount for the run tag.
std::string UsdDecimal(int64_t micros) {
  char out[32];
  std::snprintf(out, sizeof out, "%.2f", static_cast<double>(micros) / 1e6);
  return out;
}

}  // namespace

std::string BudgetLine(const BudgetStanding& s) {
  if (!s.budget) {
    return "";
  }
  return "Budget: " + FormatUsd(s.total_micros()) + " of " + FormatUsd(s.budget->monthly_micros) +
         " this month (" + std::to_string(Percent(s.total_micros(), s.budget->monthly_micros)) +
         "%)";
}

CostMeter::CostMeter(store::CostStore& costs, store::JobStore& jobs,
                     tracking::TrackingService* tracking, AlertSink* alerts, const Clock& clock,
                     CostOptions options)
    : costs_(costs),
      jobs_(jobs),
      tracking_(tracking),
      alerts_(alerts),
      clock_(clock),
      options_(std::move(options)) {}

StatusOr<int64_t> CostMeter::WriteLedger(const store::JobRecord& job, int64_t started_at,
                                         const Resources& resources, double gpu_hour, int64_t now,
                                         bool ended) {
  const double hourly = HourlyUsd(resources, gpu_hour, options_.prices);
  // One row per calendar month the attempt overlaps, each the absolute cost of its part.
  int64_t from = started_at;
  while (true) {
    const std::string month = MonthOf(from);
    ASSIGN_OR_RETURN(int64_t next, NextMonthStartMillis(month));
    const int64_t to = std::min(now, next);
    store::AttemptCost row;
    row.job_id = job.job_id;
    row.attempt = job.attempt;
    row.month = month;
    row.team = job.team;
    row.run_id = job.run_id;
    row.cost_micros = CostMicros(hourly, std::max<int64_t>(0, to - from));
    row.accrued_until = to;
    row.ended = ended || to < now;  // a past month's part no longer grows
    RETURN_IF_ERROR(costs_.PutAttemptCost(row));
    if (now <= next) {
      break;
    }
    from = next;
  }
  ASSIGN_OR_RETURN(std::vector<store::AttemptCost> rows, costs_.ListAttemptCosts(job.job_id));
  int64_t total = 0;
  for (const store::AttemptCost& r : rows) {
    total += r.cost_micros;
  }
  return total;
}

std::optional<CostStop> CostMeter::Accrue(const store::JobRecord& job, int64_t attempt_started_at,
                                          const Resources& resources, double gpu_hour, int64_t now,
                                          bool ended) {
  if (attempt_started_at <= 0 || now < attempt_started_at) {
    return std::nullopt;
  }
  StatusOr<int64_t> job_total =
      WriteLedger(job, attempt_started_at, resources, gpu_hour, now, ended);
  if (!job_total.ok()) {
    spdlog::warn("costs: recording the cost of {} attempt {}: {}", job.job_id, job.attempt,
                 job_total.status().ToString());
    return std::nullopt;
  }
  if (tracking_ != nullptr && !job.run_id.empty()) {
    Identity owner{job.user, "", false};
    owner.team = job.team;
    Status tagged = tracking_->SetTag(owner, job.run_id, {"inet.cost_usd", UsdDecimal(*job_total)});
    if (!tagged.ok()) {
      spdlog::warn("costs: tagging run {} of {}: {}", job.run_id, job.job_id, tagged.ToString());
    }
  }
  std::optional<CostStop> team_stop = CheckTeam(job, now);
  if (ended) {
    return std::nullopt;
  }
  const JobSpec spec = internal::SpecOf(job);
  const int64_t max_micros = UsdToMicros(spec.max_cost_usd);
  if (max_micros > 0 && *job_total >= max_micros) {
    CostStop stop;
    stop.reason = store::StopReason::kMaxCost;
    stop.message = "cost " + FormatUsd(*job_total) + " reached the job's --max-cost of " +
                   FormatUsd(max_micros);
    return stop;
  }
  return team_stop;
}

StatusOr<BudgetStanding> CostMeter::Standing(const std::string& team, const std::string& month) {
  BudgetStanding s;
  s.team = team;
  s.month = month;
  ASSIGN_OR_RETURN(s.compute_micros, costs_.TeamComputeMicros(team, month));
  StatusOr<store::StorageCost> storage = costs_.GetStorageCost(team, month);
  if (storage.ok()) {
    s.storage_micros =
        UsdToMicros(storage->gib_hours / kHoursPerMonth * options_.prices.storage_gib_month);
  } else if (storage.status().code() != StatusCode::kNotFound) {
    return storage.status();
  }
  StatusOr<store::TeamBudget> budget = costs_.GetTeamBudget(team);
  if (budget.ok()) {
    s.budget = *budget;
  } else if (budget.status().code() != StatusCode::kNotFound) {
    return budget.status();
  }
  return s;
}

std::optional<CostStop> CostMeter::CheckTeam(const store::JobRecord& job, int64_t now) {
  const std::string month = MonthOf(now);
  StatusOr<BudgetStanding> standing = Standing(job.team, month);
  if (!standing.ok()) {
    spdlog::warn("costs: reading the budget of team {}: {}", job.team,
                 standing.status().ToString());
    return std::nullopt;
  }
  if (!standing->budget || standing->budget->monthly_micros <= 0) {
    return std::nullopt;
  }
  const int64_t total = standing->total_micros();
  const int64_t budget = standing->budget->monthly_micros;
  const int percent = Percent(total, budget);
  for (int threshold : kWarningPercents) {
    if (percent < threshold) {
      break;
    }
    StatusOr<bool> first = costs_.MarkBudgetWarning(job.team, month, threshold, now);
    if (!first.ok()) {
      spdlog::warn("costs: recording the {}% warning of team {}: {}", threshold, job.team,
                   first.status().ToString());
      continue;
    }
    if (!*first) {
      continue;
    }
    const std::string text = BudgetLine(*standing) + ": team " + job.team + " is past " +
                             std::to_string(threshold) + "% of its " + FormatUsd(budget) +
                             " budget for " + month + " (warning at " + std::to_string(threshold) +
                             "%)";
    Note(job, text);
    Alert(text);
  }
  if (options_.ceiling_percent <= 0) {
    return std::nullopt;
  }
  const int64_t ceiling =
      static_cast<int64_t>(static_cast<__int128>(budget) * options_.ceiling_percent / 100);
  if (total < ceiling) {
    return std::nullopt;
  }
  CostStop stop;
  stop.reason = store::StopReason::kBudgetCeiling;
  stop.message = "team " + job.team + " has spent " + FormatUsd(total) + " in " + month +
                 ", past the hard ceiling of " + FormatUsd(ceiling) + " (" +
                 std::to_string(options_.ceiling_percent) + "% of its " + FormatUsd(budget) +
                 " budget)";
  return stop;
}

Status CostMeter::CheckBudget(const std::string& team, const Resources& requested,
                              double timeout_hours, const std::vector<exec::NodePool>& pools,
                              int64_t now) {
  const std::string month = MonthOf(now);
  ASSIGN_OR_RETURN(BudgetStanding standing, Standing(team, month));
  if (!standing.budget || standing.budget->allow_overrun) {
    return OkStatus();
  }
  // The GPU model is known only once the job runs: the dearest model the pools have.
  double gpu_hour = 0;
  for (const exec::NodePool& pool : pools) {
    for (const exec::GpuDevice& device : pool.gpu_devices) {
      gpu_hour = std::max(gpu_hour, jobs::GpuHourPrice(options_.prices, device.name));
    }
  }
  if (gpu_hour == 0) {
    gpu_hour = jobs::GpuHourPrice(options_.prices, "");
  }
  const auto millis = static_cast<int64_t>(timeout_hours * 3'600'000.0);
  const int64_t worst =
      CostMicros(HourlyUsd(requested, requested.gpus > 0 ? gpu_hour : 0, options_.prices), millis);
  const int64_t budget = standing.budget->monthly_micros;
  const int64_t left = std::max<int64_t>(0, budget - standing.total_micros());
  if (worst <= left) {
    return OkStatus();
  }
  char hours[32];
  std::snprintf(hours, sizeof hours, "%g", timeout_hours);
  std::string how;
  if (requested.gpus > 0) {
    how = std::to_string(requested.gpus) + (requested.gpus == 1 ? " GPU" : " GPUs") + " x " +
          hours + " h x " + FormatUsd(UsdToMicros(gpu_hour));
    const int64_t rest = worst - CostMicros(requested.gpus * gpu_hour, millis);
    if (rest > 0) {
      how += " + " + FormatUsd(rest) + " of CPU and memory";
    }
  } else {
    how = "CPU and memory for " + std::string(hours) + " h";
  }
  return FailedPreconditionError(
      "worst case " + FormatUsd(worst) + " (" + how + ") exceeds the " + FormatUsd(left) +
      " left of " + team + "'s " + FormatUsd(budget) + " budget for " + month +
      "; lower --timeout-hours or --gpu, or ask a platform admin to raise the budget: inet "
      "platform team set " +
      team + " --monthly-budget USD");
}

void CostMeter::Alert(const std::string& text) {
  spdlog::warn("costs: {}", text);
  if (alerts_ != nullptr) {
    alerts_->Send(text);
  }
}

void CostMeter::Note(const store::JobRecord& job, const std::string& text) {
  // The warning goes into the job's events without changing its state or reason.
  StatusOr<store::JobRecord> current = jobs_.GetJob(job.job_id);
  for (int i = 0; i < 5 && current.ok(); ++i) {
    store::JobEvent event;
    event.job_id = current->job_id;
    event.timestamp = clock_.NowMillis();
    event.state = current->state;
    event.attempt = current->attempt;
    event.reason = text;
    StatusOr<int64_t> written = jobs_.UpdateJob(*current, event);
    if (written.ok() || written.status().code() != StatusCode::kAborted) {
      return;
    }
    current = jobs_.GetJob(job.job_id);
  }
}

}  // namespace inet::jobs
