// CostMeter: what running jobs cost, written to the durable ledger (store::CostStore) by the
// job controller, the one loop that owns live attempts. For each attempt it writes, month by
// month, the absolute cost from the attempt's start to now (resources held x time x prices);
// rewriting a row replaces it, so a restarted controller (or the next lease holder) neither
// loses the time it was down nor counts anything twice. It also sets the job's MLflow run tag
// `inet.cost_usd`, sends the team's budget warnings at 50/80/100% (each once per team and
// month: as a job event and through the AlertSink), and says when a job must be stopped: its
// own max_cost_usd reached, or its team past the configured hard ceiling.
//
// Thread safety: used from the controller's thread only; the AlertSink must not block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/resources.h"
#include "common/status.h"
#include "exec/executor.h"
#include "jobs/pricing.h"
#include "store/cost_store.h"
#include "store/job_store.h"
#include "store/job_types.h"

namespace inet::tracking {
class TrackingService;
}  // namespace inet::tracking

namespace inet::jobs {

// Where budget and runaway alerts go besides the job's events (a Slack-compatible webhook in
// the server, server/webhook_alert_sink.h). Send must return at once: delivery happens
// elsewhere, with its own retries.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void Send(const std::string& text) = 0;
};

struct CostOptions {
  PriceTable prices = DefaultPrices();
  // How often a running attempt's cost is written (and its job and team checked); an attempt's
  // end is always written. Must be > 0.
  int64_t accrual_interval_millis = 60'000;
  // The server-wide hard ceiling, in percent of a team's monthly budget: a team whose month's
  // cost reaches it has its running jobs stopped (even when it allows overrun). 0 = none.
  int ceiling_percent = 0;
};

// A stop the meter asks for: the stop reason and the sentence naming the numbers.
struct CostStop {
  store::StopReason reason = store::StopReason::kMaxCost;
  std::string message;
};

// A team's month against its budget, for warnings, submissions and `inet platform costs`.
struct BudgetStanding {
  std::string team;
  std::string month;
  int64_t compute_micros = 0;
  int64_t storage_micros = 0;
  int64_t total_micros() const { return compute_micros + storage_micros; }
  std::optional<store::TeamBudget> budget;  // nullopt: the team has no budget
};

// "Budget: $412.10 of $500.00 this month (82%)"; "" when the standing has no budget.
std::string BudgetLine(const BudgetStanding& standing);

class CostMeter {
 public:
  // Borrows everything (`tracking` and `alerts` may be null: no run tag, no alerts besides
  // events); all must outlive the meter.
  CostMeter(store::CostStore& costs, store::JobStore& jobs, tracking::TrackingService* tracking,
            AlertSink* alerts, const Clock& clock, CostOptions options);

  const CostOptions& options() const { return options_; }

  // Writes what `job`'s attempt (started at `attempt_started_at`, holding `resources` with GPUs
  // at `gpu_hour` USD each) has cost up to `now`; `ended` marks its rows final. Then checks
  // the job and its team: the stop to carry out, or nullopt. Errors are logged and the next
  // call tries again (nothing is lost: the cost is recomputed from the start).
  std::optional<CostStop> Accrue(const store::JobRecord& job, int64_t attempt_started_at,
                                 const Resources& resources, double gpu_hour, int64_t now,
                                 bool ended);

  // Whether the team's budget leaves room for a job's worst case: `requested` held for
  // `timeout_hours` (every spec has one; 24 h by default), its GPUs at the highest price of
  // the executor's `pools`' models. OK when the team has no budget or allows overrun;
  // kFailedPrecondition with the numbers and what to do otherwise.
  Status CheckBudget(const std::string& team, const Resources& requested, double timeout_hours,
                     const std::vector<exec::NodePool>& pools, int64_t now);

  // Sends `text` to the AlertSink (when there is one) and the server log.
  void Alert(const std::string& text);

  // The team's month: compute from the ledger, storage from its samples, and its budget.
  StatusOr<BudgetStanding> Standing(const std::string& team, const std::string& month);

 private:
  StatusOr<int64_t> WriteLedger(const store::JobRecord& job, int64_t started_at,
                                const Resources& resources, double gpu_hour, int64_t now,
                                bool ended);
  // Sends each warning the team's standing has newly passed; returns the ceiling stop when
  // the team is past it.
  std::optional<CostStop> CheckTeam(const store::JobRecord& job, int64_t now);
  void Note(const store::JobRecord& job, const std::string& text);

  store::CostStore& costs_;
  store::JobStore& jobs_;
  tracking::TrackingService* tracking_;
  AlertSink* alerts_;
  const Clock& clock_;
  const CostOptions options_;
};

}  // namespace inet::jobs
