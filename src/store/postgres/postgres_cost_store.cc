// The PostgreSQL adapter of CostStore (store/cost_store.h).
#include "store/postgres/postgres_cost_store.h"

#include <string>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.h"

namespace inet::store::postgres {
namespace {

class PostgresCostStore : public CostStore {
 public:
  explicit PostgresCostStore(Database& db) : db_(db) {}

  Status PutAttemptCost(const AttemptCost& c) override {
    return db_.Write("recording an attempt's cost", [&](PgConnection& conn) -> Status {
      return conn
          .Exec(
              "INSERT INTO attempt_costs (job_id, attempt, month, team, run_id, cost_micros, "
              "accrued_until, ended) VALUES ($1::text, $2::integer, $3::text, $4::text, "
              "$5::text, $6::bigint, $7::bigint, $8::boolean) ON CONFLICT (job_id, attempt, "
              "month) DO UPDATE SET cost_micros = excluded.cost_micros, accrued_until = "
              "excluded.accrued_until, ended = excluded.ended, run_id = excluded.run_id WHERE "
              "NOT attempt_costs.ended AND excluded.accrued_until >= attempt_costs.accrued_until",
              {c.job_id, PgInt(c.attempt), c.month, c.team, c.run_id, PgInt(c.cost_micros),
               PgInt(c.accrued_until), PgBool(c.ended)})
          .status();
    });
  }

  StatusOr<std::vector<AttemptCost>> ListAttemptCosts(std::string_view job_id) override {
    std::vector<AttemptCost> out;
    RETURN_IF_ERROR(db_.Read("listing an attempt's costs", [&](PgConnection& conn) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       conn.Exec("SELECT job_id, attempt, month, team, run_id, cost_micros, "
                                 "accrued_until, ended FROM attempt_costs WHERE job_id = $1::text "
                                 "ORDER BY attempt, month",
                                 {std::string(job_id)}));
      for (int i = 0; i < res.rows(); ++i) {
        AttemptCost c;
        c.job_id = res.GetString(i, 0);
        c.attempt = static_cast<int>(res.GetInt64(i, 1));
        c.month = res.GetString(i, 2);
        c.team = res.GetString(i, 3);
        c.run_id = res.GetString(i, 4);
        c.cost_micros = res.GetInt64(i, 5);
        c.accrued_until = res.GetInt64(i, 6);
        c.ended = res.GetBool(i, 7);
        out.push_back(std::move(c));
      }
      return OkStatus();
    }));
    return out;
  }

  StatusOr<int64_t> TeamComputeMicros(std::string_view team, std::string_view month) override {
    int64_t total = 0;
    RETURN_IF_ERROR(db_.Read("summing a team's costs", [&](PgConnection& conn) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       conn.Exec("SELECT COALESCE(SUM(cost_micros), 0)::bigint FROM attempt_costs "
                                 "WHERE team = $1::text AND month = $2::text",
                                 {std::string(team), std::string(month)}));
      total = res.GetInt64(0, 0);
      return OkStatus();
    }));
    return total;
  }

  StatusOr<std::vector<JobCost>> ListJobCosts(std::string_view team,
                                              std::string_view month) override {
    std::vector<JobCost> out;
    RETURN_IF_ERROR(db_.Read("listing a team's job costs", [&](PgConnection& conn) -> Status {
      ASSIGN_OR_RETURN(
          PgResult res,
          conn.Exec("SELECT job_id, MAX(run_id), SUM(cost_micros)::bigint AS total FROM "
                    "attempt_costs WHERE team = $1::text AND month = $2::text GROUP BY job_id "
                    "ORDER BY total DESC, job_id",
                    {std::string(team), std::string(month)}));
      for (int i = 0; i < res.rows(); ++i) {
        out.push_back(JobCost{res.GetString(i, 0), res.GetString(i, 1), res.GetInt64(i, 2)});
      }
      return OkStatus();
    }));
    return out;
  }

  Status AddStorageSample(std::string_view team, std::string_view month, int64_t bytes,
                          int64_t at) override {
    // One statement: the previous sample's bytes times the hours since it, added atomically.
    return db_.Write("recording a storage sample", [&](PgConnection& conn) -> Status {
      return conn
          .Exec(
              "INSERT INTO storage_costs (team, month, bytes, gib_hours, sampled_at) VALUES "
              "($1::text, $2::text, $3::bigint, 0, $4::bigint) ON CONFLICT (team, month) DO "
              "UPDATE SET gib_hours = storage_costs.gib_hours + storage_costs.bytes::double "
              "precision / 1073741824.0 * (excluded.sampled_at - storage_costs.sampled_at)::double "
              "precision / 3600000.0, bytes = excluded.bytes, sampled_at = excluded.sampled_at "
              "WHERE excluded.sampled_at >= storage_costs.sampled_at",
              {std::string(team), std::string(month), PgInt(bytes), PgInt(at)})
          .status();
    });
  }

  StatusOr<StorageCost> GetStorageCost(std::string_view team, std::string_view month) override {
    std::vector<StorageCost> out;
    RETURN_IF_ERROR(db_.Read("getting a team's storage", [&](PgConnection& conn) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       conn.Exec("SELECT bytes, gib_hours, sampled_at FROM storage_costs WHERE "
                                 "team = $1::text AND month = $2::text",
                                 {std::string(team), std::string(month)}));
      if (res.rows() > 0) {
        out.push_back(StorageCost{std::string(team), std::string(month), res.GetInt64(0, 0),
                                  res.GetDouble(0, 1), res.GetInt64(0, 2)});
      }
      return OkStatus();
    }));
    if (out.empty()) {
      return NotFoundError(Cat({"Team '", team, "' has no storage sample in ", month}));
    }
    return std::move(out[0]);
  }

  StatusOr<TeamBudget> GetTeamBudget(std::string_view team) override {
    std::vector<TeamBudget> out;
    RETURN_IF_ERROR(db_.Read("getting a team budget", [&](PgConnection& conn) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       conn.Exec("SELECT team, monthly_micros, allow_overrun, updated_at, "
                                 "updated_by FROM team_budgets WHERE team = $1::text",
                                 {std::string(team)}));
      if (res.rows() > 0) {
        out.push_back(TeamBudget{res.GetString(0, 0), res.GetInt64(0, 1), res.GetBool(0, 2),
                                 res.GetInt64(0, 3), res.GetString(0, 4)});
      }
      return OkStatus();
    }));
    if (out.empty()) {
      return NotFoundError(Cat({"Team '", team, "' has no budget"}));
    }
    return std::move(out[0]);
  }

  Status PutTeamBudget(const TeamBudget& b) override {
    return db_.Write("setting a team budget", [&](PgConnection& conn) -> Status {
      ASSIGN_OR_RETURN(PgResult team,
                       conn.Exec("SELECT 1 FROM teams WHERE team = $1::text FOR SHARE", {b.team}));
      if (team.rows() == 0) {
        return NotFoundError(Cat({"Team '", b.team, "' not found"}));
      }
      return conn
          .Exec(
              "INSERT INTO team_budgets (team, monthly_micros, allow_overrun, updated_at, "
              "updated_by) VALUES ($1::text, $2::bigint, $3::boolean, $4::bigint, $5::text) ON "
              "CONFLICT (team) DO UPDATE SET monthly_micros = excluded.monthly_micros, "
              "allow_overrun = excluded.allow_overrun, updated_at = excluded.updated_at, "
              "updated_by = excluded.updated_by",
              {b.team, PgInt(b.monthly_micros), PgBool(b.allow_overrun),
               PgInt(b.updated_at != 0 ? b.updated_at : db_.Now()), b.updated_by})
          .status();
    });
  }

  Status DeleteTeamBudget(std::string_view team) override {
    return db_.Write("removing a team budget", [&](PgConnection& conn) -> Status {
      return conn.Exec("DELETE FROM team_budgets WHERE team = $1::text", {std::string(team)})
          .status();
    });
  }

  StatusOr<bool> MarkBudgetWarning(std::string_view team, std::string_view month, int percent,
                                   int64_t at) override {
    bool first = false;
    RETURN_IF_ERROR(db_.Write("recording a budget warning", [&](PgConnection& conn) -> Status {
      ASSIGN_OR_RETURN(
          PgResult res,
          conn.Exec("INSERT INTO budget_warnings (team, month, percent, sent_at) "
                    "VALUES ($1::text, $2::text, $3::integer, $4::bigint) ON "
                    "CONFLICT DO NOTHING",
                    {std::string(team), std::string(month), PgInt(percent), PgInt(at)}));
      first = res.affected_rows() == 1;
      return OkStatus();
    }));
    return first;
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<CostStore> NewPostgresCostStore(Database& db) {
  return std::make_unique<PostgresCostStore>(db);
}

}  // namespace inet::store::postgres
