// The SQLite adapter of QuotaStore (store/quota_store.h).
#include "store/sqlite/sqlite_quota_store.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/internal/quota_columns.h"
#include "store/sqlite/sqlite_connection.h"

namespace inet::store::sqlite {
namespace {

constexpr char kQuotaColumns[] =
    "SELECT team, hard_gpus, hard_cpu_millis, hard_memory_bytes, hard_jobs, max_gpus, "
    "max_cpu_millis, max_memory_bytes, default_cpu_millis, default_memory_bytes, "
    "updated_at, updated_by FROM team_quotas ";
constexpr char kRequestColumns[] =
    "SELECT request_id, team, user_name, resource, current_value, requested_value, "
    "justification, duration_weeks, status, decided_by, comment, created_at, decided_at, "
    "expires_at FROM quota_requests ";

TeamQuota ReadQuota(const Statement& q) {
  TeamQuota out;
  out.team = q.Text(0);
  int col = 1;
  for (std::optional<int64_t>* limit : internal::LimitColumns(out)) {
    if (!q.IsNull(col)) *limit = q.Int(col);
    ++col;
  }
  out.updated_at = q.Int(10);
  out.updated_by = q.Text(11);
  return out;
}

StatusOr<QuotaRequest> ReadRequest(const Statement& q) {
  QuotaRequest r;
  r.request_id = q.Text(0);
  r.team = q.Text(1);
  r.user = q.Text(2);
  ASSIGN_OR_RETURN(r.resource, ParseQuotaResource(q.TextView(3)));
  r.current = q.Int(4);
  r.requested = q.Int(5);
  r.justification = q.Text(6);
  r.duration_weeks = static_cast<int>(q.Int(7));
  std::optional<QuotaRequestStatus> status = ParseQuotaRequestStatus(q.TextView(8));
  if (!status) return InternalError("quota request " + r.request_id + " has an unknown status");
  r.status = *status;
  r.decided_by = q.Text(9);
  r.comment = q.Text(10);
  r.created_at = q.Int(11);
  r.decided_at = q.Int(12);
  r.expires_at = q.Int(13);
  return r;
}

Status TeamMustExist(Connection& db, std::string_view team) {
  ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT 1 FROM teams WHERE team = ?1"));
  ASSIGN_OR_RETURN(bool row, q.Bind(1, team).Step());
  if (!row) return NotFoundError("Team '" + std::string(team) + "' not found");
  return OkStatus();
}

class SqliteQuotaStore : public QuotaStore {
 public:
  explicit SqliteQuotaStore(Database& db) : db_(db) {}

  StatusOr<TeamQuota> GetTeamQuota(std::string_view team) override {
    std::optional<TeamQuota> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kQuotaColumns) + "WHERE team = ?1"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, team).Step());
      if (!row) return NotFoundError("Team '" + std::string(team) + "' has no quota");
      out = ReadQuota(q);
      return OkStatus();
    }));
    return std::move(*out);
  }

  StatusOr<std::vector<TeamQuota>> ListTeamQuotas() override {
    std::vector<TeamQuota> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kQuotaColumns) + "ORDER BY team"));
      while (true) {
        ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return OkStatus();
        out.push_back(ReadQuota(q));
      }
    }));
    return out;
  }

  Status PutTeamQuota(const TeamQuota& quota) override {
    return db_.Write([&](Connection& db) -> Status {
      RETURN_IF_ERROR(TeamMustExist(db, quota.team));
      ASSIGN_OR_RETURN(
          Statement ins,
          db.Prepare("INSERT OR REPLACE INTO team_quotas (team, hard_gpus, hard_cpu_millis, "
                     "hard_memory_bytes, hard_jobs, max_gpus, max_cpu_millis, max_memory_bytes, "
                     "default_cpu_millis, default_memory_bytes, updated_at, "
                     "updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
      ins.Bind(1, quota.team);
      TeamQuota copy = quota;
      int index = 2;
      for (std::optional<int64_t>* limit : internal::LimitColumns(copy)) {
        if (*limit) {
          ins.Bind(index, **limit);
        } else {
          ins.BindNull(index);
        }
        ++index;
      }
      return ins.Bind(11, quota.updated_at != 0 ? quota.updated_at : db_.Now())
          .Bind(12, quota.updated_by)
          .Run();
    });
  }

  Status CreateQuotaRequest(const QuotaRequest& r) override {
    return db_.Write([&](Connection& db) -> Status {
      RETURN_IF_ERROR(TeamMustExist(db, r.team));
      ASSIGN_OR_RETURN(
          Statement ins,
          db.Prepare(
              "INSERT INTO quota_requests (request_id, team, user_name, resource, "
              "current_value, requested_value, justification, duration_weeks, status, "
              "decided_by, comment, created_at, decided_at, expires_at) VALUES (?1, ?2, "
              "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT DO NOTHING"));
      RETURN_IF_ERROR(ins.Bind(1, r.request_id)
                          .Bind(2, r.team)
                          .Bind(3, r.user)
                          .Bind(4, QuotaResourceName(r.resource))
                          .Bind(5, r.current)
                          .Bind(6, r.requested)
                          .Bind(7, r.justification)
                          .Bind(8, static_cast<int64_t>(r.duration_weeks))
                          .Bind(9, QuotaRequestStatusName(r.status))
                          .Bind(10, r.decided_by)
                          .Bind(11, r.comment)
                          .Bind(12, r.created_at != 0 ? r.created_at : db_.Now())
                          .Bind(13, r.decided_at)
                          .Bind(14, r.expires_at)
                          .Run());
      if (db.Changes() == 0) {
        return AlreadyExistsError("Quota request '" + r.request_id + "' already exists");
      }
      return OkStatus();
    });
  }

  StatusOr<QuotaRequest> GetQuotaRequest(std::string_view request_id) override {
    std::optional<QuotaRequest> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q,
                       db.Prepare(std::string(kRequestColumns) + "WHERE request_id = ?1"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, request_id).Step());
      if (!row) return NotFoundError("Quota request '" + std::string(request_id) + "' not found");
      ASSIGN_OR_RETURN(out, ReadRequest(q));
      return OkStatus();
    }));
    return std::move(*out);
  }

  StatusOr<std::vector<QuotaRequest>> ListQuotaRequests(const QuotaRequestQuery& query) override {
    std::string sql = std::string(kRequestColumns) + "WHERE 1 = 1";
    int index = 1;
    if (!query.teams.empty()) {
      sql += " AND team IN (";
      for (size_t i = 0; i < query.teams.size(); ++i) {
        sql += (i == 0 ? "?" : ", ?") + std::to_string(index++);
      }
      sql += ")";
    }
    if (query.status) sql += " AND status = ?" + std::to_string(index++);
    if (query.active_at) {
      sql += " AND status = 'approved' AND expires_at > ?" + std::to_string(index++);
    }
    sql += " ORDER BY created_at DESC, request_id";
    std::vector<QuotaRequest> out;
    RETURN_IF_ERROR(db_.Read([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(Statement q, db.Prepare(sql));
      int bind = 1;
      for (const std::string& team : query.teams) q.Bind(bind++, team);
      if (query.status) q.Bind(bind++, QuotaRequestStatusName(*query.status));
      if (query.active_at) q.Bind(bind++, *query.active_at);
      while (true) {
        ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) return OkStatus();
        ASSIGN_OR_RETURN(QuotaRequest r, ReadRequest(q));
        out.push_back(std::move(r));
      }
    }));
    return out;
  }

  Status DecideQuotaRequest(const QuotaRequest& d) override {
    return db_.Write([&](Connection& db) -> Status {
      ASSIGN_OR_RETURN(
          Statement upd,
          db.Prepare("UPDATE quota_requests SET status = ?1, decided_by = ?2, comment = ?3, "
                     "decided_at = ?4, expires_at = ?5 WHERE request_id = ?6 AND status = "
                     "'pending'"));
      RETURN_IF_ERROR(upd.Bind(1, QuotaRequestStatusName(d.status))
                          .Bind(2, d.decided_by)
                          .Bind(3, d.comment)
                          .Bind(4, d.decided_at != 0 ? d.decided_at : db_.Now())
                          .Bind(5, d.expires_at)
                          .Bind(6, d.request_id)
                          .Run());
      if (db.Changes() == 1) return OkStatus();
      ASSIGN_OR_RETURN(Statement q,
                       db.Prepare("SELECT status FROM quota_requests WHERE request_id = ?1"));
      ASSIGN_OR_RETURN(bool row, q.Bind(1, d.request_id).Step());
      if (!row) return NotFoundError("Quota request '" + d.request_id + "' not found");
      return FailedPreconditionError("Quota request '" + d.request_id + "' was already " +
                                     q.Text(0));
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<QuotaStore> NewSqliteQuotaStore(Database& db) {
  return std::make_unique<SqliteQuotaStore>(db);
}

}  // namespace inet::store::sqlite
