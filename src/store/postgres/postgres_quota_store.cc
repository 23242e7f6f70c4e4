// The PostgreSQL adapter of QuotaStore (store/quota_store.h).
#include "store/postgres/postgres_quota_store.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/internal/quota_columns.h"
#include "store/postgres/pg_connection.h"

namespace inet::store::postgres {
namespace {

constexpr std::string_view kQuotaColumns =
    "SELECT team, hard_gpus, hard_cpu_millis, hard_memory_bytes, hard_jobs, max_gpus, "
    "max_cpu_millis, max_memory_bytes, default_cpu_millis, default_memory_bytes, "
    "updated_at, updated_by FROM team_quotas ";
constexpr std::string_view kRequestColumns =
    "SELECT request_id, team, user_name, resource, current_value, requested_value, "
    "justification, duration_weeks, status, decided_by, comment, created_at, decided_at, "
    "expires_at FROM quota_requests ";

std::vector<TeamQuota> QuotasOf(const PgResult& res) {
  std::vector<TeamQuota> out;
  for (int i = 0; i < res.rows(); ++i) {
    TeamQuota q;
    q.team = res.GetString(i, 0);
    int col = 1;
    for (std::optional<int64_t>* limit : internal::LimitColumns(q))
      *limit = res.GetOptionalInt64(i, col++);
    q.updated_at = res.GetInt64(i, 10);
    q.updated_by = res.GetString(i, 11);
    out.push_back(std::move(q));
  }
  return out;
}

StatusOr<std::vector<QuotaRequest>> RequestsOf(const PgResult& res) {
  std::vector<QuotaRequest> out;
  for (int i = 0; i < res.rows(); ++i) {
    QuotaRequest r;
    r.request_id = res.GetString(i, 0);
    r.team = res.GetString(i, 1);
    r.user = res.GetString(i, 2);
    ASSIGN_OR_RETURN(r.resource, ParseQuotaResource(res.GetString(i, 3)));
    r.current = res.GetInt64(i, 4);
    r.requested = res.GetInt64(i, 5);
    r.justification = res.GetString(i, 6);
    r.duration_weeks = static_cast<int>(res.GetInt64(i, 7));
    std::optional<QuotaRequestStatus> status = ParseQuotaRequestStatus(res.GetString(i, 8));
    if (!status)
      return InternalError(Cat({"quota request ", r.request_id, " has an unknown status"}));
    r.status = *status;
    r.decided_by = res.GetString(i, 9);
    r.comment = res.GetString(i, 10);
    r.created_at = res.GetInt64(i, 11);
    r.decided_at = res.GetInt64(i, 12);
    r.expires_at = res.GetInt64(i, 13);
    out.push_back(std::move(r));
  }
  return out;
}

Status TeamMustExist(PgConnection& c, const std::string& team) {
  ASSIGN_OR_RETURN(PgResult res,
                   c.Exec("SELECT 1 FROM teams WHERE team = $1::text FOR SHARE", {team}));
  if (res.rows() == 0) return NotFoundError(Cat({"Team '", team, "' not found"}));
  return OkStatus();
}

class PostgresQuotaStore : public QuotaStore {
 public:
  explicit PostgresQuotaStore(Database& db) : db_(db) {}

  StatusOr<TeamQuota> GetTeamQuota(std::string_view team) override {
    std::vector<TeamQuota> quotas;
    RETURN_IF_ERROR(db_.Read("getting a team quota", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec(Cat({kQuotaColumns, "WHERE team = $1::text"}), {std::string(team)}));
      quotas = QuotasOf(res);
      return OkStatus();
    }));
    if (quotas.empty()) return NotFoundError(Cat({"Team '", team, "' has no quota"}));
    return std::move(quotas[0]);
  }

  StatusOr<std::vector<TeamQuota>> ListTeamQuotas() override {
    std::vector<TeamQuota> quotas;
    RETURN_IF_ERROR(db_.Read("listing team quotas", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec(Cat({kQuotaColumns, "ORDER BY team"})));
      quotas = QuotasOf(res);
      return OkStatus();
    }));
    return quotas;
  }

  Status PutTeamQuota(const TeamQuota& quota) override {
    return db_.Write("setting a team quota", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(TeamMustExist(c, quota.team));
      PgParams params = {quota.team};
      TeamQuota copy = quota;
      for (std::optional<int64_t>* limit : internal::LimitColumns(copy)) {
        params.push_back(*limit ? PgParam(PgInt(**limit)) : PgParam(std::nullopt));
      }
      params.push_back(PgInt(quota.updated_at != 0 ? quota.updated_at : db_.Now()));
      params.push_back(quota.updated_by);
      return c
          .Exec(
              "INSERT INTO team_quotas (team, hard_gpus, hard_cpu_millis, hard_memory_bytes, "
              "hard_jobs, max_gpus, max_cpu_millis, max_memory_bytes, default_cpu_millis, "
              "default_memory_bytes, updated_at, updated_by) VALUES ($1::text, $2::bigint, "
              "$3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint, "
              "$9::bigint, $10::bigint, $11::bigint, $12::text) ON CONFLICT (team) DO UPDATE "
              "SET hard_gpus = excluded.hard_gpus, hard_cpu_millis = excluded.hard_cpu_millis, "
              "hard_memory_bytes = excluded.hard_memory_bytes, hard_jobs = excluded.hard_jobs, "
              "max_gpus = excluded.max_gpus, max_cpu_millis = excluded.max_cpu_millis, "
              "max_memory_bytes = excluded.max_memory_bytes, default_cpu_millis = "
              "excluded.default_cpu_millis, default_memory_bytes = excluded.default_memory_bytes, "
              "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
              params)
          .status();
    });
  }

  Status CreateQuotaRequest(const QuotaRequest& r) override {
    return db_.Write("creating a quota request", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(TeamMustExist(c, r.team));
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec("INSERT INTO quota_requests (request_id, team, user_name, resource, "
                 "current_value, requested_value, justification, duration_weeks, status, "
                 "decided_by, comment, created_at, decided_at, expires_at) VALUES ($1::text, "
                 "$2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::text, $8::integer, "
                 "$9::text, $10::text, $11::text, $12::bigint, $13::bigint, $14::bigint) ON "
                 "CONFLICT DO NOTHING",
                 {r.request_id, r.team, r.user, std::string(QuotaResourceName(r.resource)),
                  PgInt(r.current), PgInt(r.requested), r.justification, PgInt(r.duration_weeks),
                  std::string(QuotaRequestStatusName(r.status)), r.decided_by, r.comment,
                  PgInt(r.created_at != 0 ? r.created_at : db_.Now()), PgInt(r.decided_at),
                  PgInt(r.expires_at)}));
      if (res.affected_rows() == 0) {
        return AlreadyExistsError(Cat({"Quota request '", r.request_id, "' already exists"}));
      }
      return OkStatus();
    });
  }

  StatusOr<QuotaRequest> GetQuotaRequest(std::string_view request_id) override {
    std::vector<QuotaRequest> requests;
    RETURN_IF_ERROR(db_.Read("getting a quota request", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec(Cat({kRequestColumns, "WHERE request_id = $1::text"}),
                                            {std::string(request_id)}));
      ASSIGN_OR_RETURN(requests, RequestsOf(res));
      return OkStatus();
    }));
    if (requests.empty()) return NotFoundError(Cat({"Quota request '", request_id, "' not found"}));
    return std::move(requests[0]);
  }

  StatusOr<std::vector<QuotaRequest>> ListQuotaRequests(const QuotaRequestQuery& query) override {
    std::string sql = Cat({kRequestColumns, "WHERE TRUE"});
    PgParams params;
    if (!query.teams.empty()) {
      params.push_back(PgArray(query.teams));
      sql += " AND team = ANY($" + std::to_string(params.size()) + "::text[])";
    }
    if (query.status) {
      params.push_back(std::string(QuotaRequestStatusName(*query.status)));
      sql += " AND status = $" + std::to_string(params.size()) + "::text";
    }
    if (query.active_at) {
      params.push_back(PgInt(*query.active_at));
      sql += " AND status = 'approved' AND expires_at > $" + std::to_string(params.size()) +
             "::bigint";
    }
    sql += " ORDER BY created_at DESC, request_id";
    std::vector<QuotaRequest> requests;
    RETURN_IF_ERROR(db_.Read("listing quota requests", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec(sql, params));
      ASSIGN_OR_RETURN(requests, RequestsOf(res));
      return OkStatus();
    }));
    return requests;
  }

  Status DecideQuotaRequest(const QuotaRequest& d) override {
    return db_.Write("deciding a quota request", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec("UPDATE quota_requests SET status = $1::text, decided_by = $2::text, comment = "
                 "$3::text, decided_at = $4::bigint, expires_at = $5::bigint WHERE request_id = "
                 "$6::text AND status = 'pending'",
                 {std::string(QuotaRequestStatusName(d.status)), d.decided_by, d.comment,
                  PgInt(d.decided_at != 0 ? d.decided_at : db_.Now()), PgInt(d.expires_at),
                  d.request_id}));
      if (res.affected_rows() == 1) return OkStatus();
      ASSIGN_OR_RETURN(PgResult now, c.Exec("SELECT status FROM quota_requests WHERE request_id = "
                                            "$1::text",
                                            {d.request_id}));
      if (now.rows() == 0)
        return NotFoundError(Cat({"Quota request '", d.request_id, "' not found"}));
      return FailedPreconditionError(
          Cat({"Quota request '", d.request_id, "' was already ", now.GetString(0, 0)}));
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<QuotaStore> NewPostgresQuotaStore(Database& db) {
  return std::make_unique<PostgresQuotaStore>(db);
}

}  // namespace inet::store::postgres
