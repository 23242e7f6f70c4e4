// CostStore: the durable cost ledger (what each job attempt has cost, month by month), each
// team's monthly budget, and the budget warnings already sent: one of the narrow interfaces a
// MetadataStore (store/metadata_store.h) opens on one database. Adapters:
// store/sqlite/sqlite_cost_store.cc and store/postgres/postgres_cost_store.cc; the contract is
// pinned by store/testing/cost_store_conformance.h. How costs are computed (prices, accrual,
// what a budget allows) is jobs/'s (jobs/pricing.h, jobs/cost_meter.h); the store only stores,
// sums and fetches.
//
// Money is kept in micro-dollars (1 USD = 1,000,000), as integers, so sums are exact on both
// databases. Months are UTC calendar months spelled "YYYY-MM".
//
// Every method is thread-safe; a write that returned OK is committed. kUnavailable /
// kInternal for database trouble, with context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inet::store {

// What one attempt of a job cost within one month, up to `accrued_until`. The row holds the
// absolute amount, recomputed from the attempt's start each time: writing it again (after a
// restart, say) replaces it and never adds to it.
struct AttemptCost {
  std::string job_id;
  int attempt = 0;
  std::string month;  // "YYYY-MM"
  std::string team;
  std::string run_id;         // the job's MLflow run; "" when none
  int64_t cost_micros = 0;    // USD * 1e6
  int64_t accrued_until = 0;  // ms since epoch: the cost counts the attempt up to this time
  bool ended = false;         // the attempt has ended: this is its whole cost in the month

  friend bool operator==(const AttemptCost&, const AttemptCost&) = default;
};

// A team's month of artifact storage: GiB-hours measured so far (sampled: each sample adds the
// bytes held times the time since the previous sample).
struct StorageCost {
  std::string team;
  std::string month;
  int64_t bytes = 0;       // at the last sample
  double gib_hours = 0;    // accumulated this month
  int64_t sampled_at = 0;  // ms: the last sample

  friend bool operator==(const StorageCost&, const StorageCost&) = default;
};

// A team's monthly budget as its platform admins set it. A team without one has no budget.
struct TeamBudget {
  std::string team;
  int64_t monthly_micros = 0;  // USD * 1e6 a month
  bool allow_overrun = false;  // submissions past the budget are accepted (warnings still fire)
  int64_t updated_at = 0;      // ms; 0 on put means now
  std::string updated_by;

  friend bool operator==(const TeamBudget&, const TeamBudget&) = default;
};

// One job's total in a month (the sum over its attempts).
struct JobCost {
  std::string job_id;
  std::string run_id;
  int64_t cost_micros = 0;

  friend bool operator==(const JobCost&, const JobCost&) = default;
};

class CostStore {
 public:
  virtual ~CostStore() = default;

  // Creates or replaces the (job_id, attempt, month) row, unless the stored one already counts
  // up to a later time (a stale writer never moves the ledger back) or is ended.
  virtual Status PutAttemptCost(const AttemptCost& cost) = 0;
  // The job's rows, by attempt then month.
  virtual StatusOr<std::vector<AttemptCost>> ListAttemptCosts(std::string_view job_id) = 0;
  // The team's compute cost in the month: the sum over its attempts' rows.
  virtual StatusOr<int64_t> TeamComputeMicros(std::string_view team, std::string_view month) = 0;
  // The team's jobs with a cost in the month, costliest first (then by job id).
  virtual StatusOr<std::vector<JobCost>> ListJobCosts(std::string_view team,
                                                      std::string_view month) = 0;

  // Adds a storage sample of `bytes` at `at` (ms) to the team's month: the bytes of the
  // previous sample in that month times the hours since it. The first sample of a month adds
  // nothing. A sample older than the stored one is ignored.
  virtual Status AddStorageSample(std::string_view team, std::string_view month, int64_t bytes,
                                  int64_t at) = 0;
  // kNotFound when the team has no sample in the month.
  virtual StatusOr<StorageCost> GetStorageCost(std::string_view team, std::string_view month) = 0;

  // kNotFound when the team has no budget.
  virtual StatusOr<TeamBudget> GetTeamBudget(std::string_view team) = 0;
  // Creates or replaces the team's budget. kNotFound when the team does not exist.
  virtual Status PutTeamBudget(const TeamBudget& budget) = 0;
  // Removes the team's budget (no budget: nothing is rejected, no warnings). OK when none.
  virtual Status DeleteTeamBudget(std::string_view team) = 0;

  // Records that the warning at `percent` (50, 80, 100) of the team's budget for the month
  // was sent: true for the first call, false for every later one (exactly one caller wins,
  // across servers sharing the database).
  virtual StatusOr<bool> MarkBudgetWarning(std::string_view team, std::string_view month,
                                           int percent, int64_t at) = 0;
};

}  // namespace inet::store
