// The SQLite adapter of CostStore (store/cost_store.h).
#include "store/sqlite/sqlite_cost_store.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_connection.h"

namespace inet::store::sqlite {
namespace {

constexpr double kGib = 1024.0 * 1024.0 * 1024.0;
constexpr double kMillisPerHour = 3'600'000.0;

class SqliteCostStore : public CostStore {
 public:
  explicit SqliteCostStore(Database& db) : db_(db) {}

  Status PutAttemptCost(const AttemptCost& c) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(
          Statement ins,
          db.Prepare("INSERT INTO attempt_costs (job_id, attempt, month, team, run_id, "
                     "cost_micros, accrued_until, ended) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                     "ON CONFLICT (job_id, attempt, month) DO UPDATE SET cost_micros = "
                     "excluded.cost_micros, accrued_until = excluded.accrued_until, ended = "
                     "excluded.ended, run_id = excluded.run_id WHERE attempt_costs.ended = 0 AND "
                     "excluded.accrued_until >= attempt_costs.accrued_until"));
      return ins.Bind(1, c.job_id)
          .Bind(2, static_cast<int64_t>(c.attempt))
          .Bind(3, c.month)
          .Bind(4, c.team)
          .Bind(5, c.run_id)
          .Bind(6, c.cost_micros)
          .Bind(7, c.accrued_until)
          .Bind(8, static_cast<int64_t>(c.ended ? 1 : 0))
          .Run();
    });
  }

  StatusOr<std::vector<AttemptCost>> ListAttemptCosts(std::string_view job_id) override {
    std::vector<AttemptCost> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q,
                       db.Prepare("SELECT job_id, attempt, month, team, run_id, cost_micros, "
                                  "accrued_until, ended FROM attempt_costs WHERE job_id = ?1 "
                                  "ORDER BY attempt, month"));
      q.Bind(1, job_id);
      while (true) {
        ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return OkStatus();
        AttemptCost c;
        c.job_id = q.Text(0);
        c.attempt = static_cast<int>(q.Int(1));
        c.month = q.Text(2);
        c.team = q.Text(3);
        c.run_id = q.Text(4);
        c.cost_micros = q.Int(5);
        c.accrued_until = q.Int(6);
        c.ended = q.Int(7) != 0;
        out.push_back(std::move(c));
      }
    }));
    return out;
  }

  StatusOr<int64_t> TeamComputeMicros(std::string_view team, std::string_view month) override {
    int64_t total = 0;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT COALESCE(SUM(cost_micros), 0) FROM "
                                               "attempt_costs WHERE team = ?1 AND month = ?2"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, team).Bind(2, month).Step());
      if (row) total = q.Int(0);
      return OkStatus();
    }));
    return total;
  }

  StatusOr<std::vector<JobCost>> ListJobCosts(std::string_view team,
                                              std::string_view month) override {
    std::vector<JobCost> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(
          Statement q,
          db.Prepare("SELECT job_id, MAX(run_id), SUM(cost_micros) AS total FROM attempt_costs "
                     "WHERE team = ?1 AND month = ?2 GROUP BY job_id ORDER BY total DESC, "
                     "job_id"));
      q.Bind(1, team).Bind(2, month);
      while (true) {
        ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return OkStatus();
        out.push_back(JobCost{q.Text(0), q.Text(1), q.Int(2)});
      }
    }));
    return out;
  }

  Status AddStorageSample(std::string_view team, std::string_view month, int64_t bytes,
                          int64_t at) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT bytes, gib_hours, sampled_at FROM "
                                               "storage_costs WHERE team = ?1 AND month = ?2"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, team).Bind(2, month).Step());
      double gib_hours = 0;
      if (row) {
        const int64_t sampled_at = q.Int(2);
        if (at < sampled_at) {
          return OkStatus();
        }
        gib_hours = q.Double(1) + static_cast<double>(q.Int(0)) / kGib *
                                      static_cast<double>(at - sampled_at) / kMillisPerHour;
      }
      ASSIGN_OR_RETURN(Statement put,
                       db.Prepare("INSERT OR REPLACE INTO storage_costs (team, month, bytes, "
                                  "gib_hours, sampled_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
      return put.Bind(1, team).Bind(2, month).Bind(3, bytes).Bind(4, gib_hours).Bind(5, at).Run();
    });
  }

  StatusOr<StorageCost> GetStorageCost(std::string_view team, std::string_view month) override {
    std::optional<StorageCost> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT bytes, gib_hours, sampled_at FROM "
                                               "storage_costs WHERE team = ?1 AND month = ?2"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, team).Bind(2, month).Step());
      if (!row) return OkStatus();
      out = StorageCost{std::string(team), std::string(month), q.Int(0), q.Double(1), q.Int(2)};
      return OkStatus();
    }));
    if (!out) {
      return NotFoundError("Team '" + std::string(team) + "' has no storage sample in " +
                           std::string(month));
    }
    return std::move(*out);
  }

  StatusOr<TeamBudget> GetTeamBudget(std::string_view team) override {
    std::optional<TeamBudget> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q,
                       db.Prepare("SELECT team, monthly_micros, allow_overrun, updated_at, "
                                  "updated_by FROM team_budgets WHERE team = ?1"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, team).Step());
      if (!row) return OkStatus();
      out = TeamBudget{q.Text(0), q.Int(1), q.Int(2) != 0, q.Int(3), q.Text(4)};
      return OkStatus();
    }));
    if (!out) {
      return NotFoundError("Team '" + std::string(team) + "' has no budget");
    }
    return std::move(*out);
  }

  Status PutTeamBudget(const TeamBudget& b) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement team, db.Prepare("SELECT 1 FROM teams WHERE team = ?1"));
      ASSIGN_OR_RETURN(bool exists, team.Bind(1, b.team).Step());
      if (!exists) {
        return NotFoundError("Team '" + b.team + "' not found");
      }
      ASSIGN_OR_RETURN(Statement put,
                       db.Prepare("INSERT OR REPLACE INTO team_budgets (team, monthly_micros, "
                                  "allow_overrun, updated_at, updated_by) VALUES (?1, ?2, ?3, "
                                  "?4, ?5)"));
      return put.Bind(1, b.team)
          .Bind(2, b.monthly_micros)
          .Bind(3, static_cast<int64_t>(b.allow_overrun ? 1 : 0))
          .Bind(4, b.updated_at != 0 ? b.updated_at : db_.Now())
          .Bind(5, b.updated_by)
          .Run();
    });
  }

  Status DeleteTeamBudget(std::string_view team) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement del, db.Prepare("DELETE FROM team_budgets WHERE team = ?1"));
      return del.Bind(1, team).Run();
    });
  }

  StatusOr<bool> MarkBudgetWarning(std::string_view team, std::string_view month, int percent,
                                   int64_t at) override {
    bool first = false;
    RETURN_IF_ERROR(db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement ins,
                       db.Prepare("INSERT INTO budget_warnings (team, month, percent, sent_at) "
                                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING"));
      RETURN_IF_ERROR(ins.Bind(1, team)
                          .Bind(2, month)
                          .Bind(3, static_cast<int64_t>(percent))
                          .Bind(4, at)
                          .Run());
      first = db.Changes() == 1;
      return OkStatus();
    }));
    return first;
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<CostStore> NewSqliteCostStore(Database& db) {
  return std::make_unique<SqliteCostStore>(db);
}

}  // namespace inet::store::sqlite
