// The SQLite adapter of JobStore (store/job_store.h).
#include "store/sqlite/sqlite_job_store.h"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/internal/sql_search.h"
#include "store/sqlite/sqlite_connection.h"

namespace inet::store::sqlite {
namespace {

Status JobNotFound(std::string_view job_id) {
  return NotFoundError("Job '" + std::string(job_id) + "' not found");
}

// A state name read back from the database; an unknown name means a newer writer or damage.
StatusOr<JobState> StoredJobState(const std::string& name, std::string_view job_id) {
  std::optional<JobState> state = ParseJobState(name);
  if (!state) {
    return InternalError("job '" + std::string(job_id) + "' has unknown state '" + name + "'");
  }
  return *state;
}

// A stop reason read back from the database; an unknown code means a newer writer or damage.
StatusOr<StopReason> StoredStopReason(const std::string& name, std::string_view job_id) {
  std::optional<StopReason> reason = ParseStopReason(name);
  if (!reason) {
    return InternalError("job '" + std::string(job_id) + "' has unknown stop reason '" + name +
                         "'");
  }
  return *reason;
}

constexpr char kJobColumns[] =
    "SELECT job_id, name, team, user_name, priority_class, spec_json, cpu_millis, memory_bytes, "
    "gpus, created_at, updated_at, state, reason, stop_reason, attempt, started_at, finished_at, "
    "next_attempt_at, cancel_requested, experiment_id, run_id, executor_state, result_json, "
    "version FROM jobs ";

// The columns UpdateJob replaces, in the order BindMutableColumns binds them.
constexpr std::array<std::string_view, 12> kMutableColumns = {
    "state",         "reason",      "stop_reason",     "attempt",
    "started_at",    "finished_at", "next_attempt_at", "cancel_requested",
    "experiment_id", "run_id",      "executor_state",  "result_json"};

// Binds the kMutableColumns of `job` to parameters ?first, ?first+1, ...
Statement& BindMutableColumns(Statement& q, int first, const JobRecord& job) {
  return q.Bind(first, JobStateName(job.state))
      .Bind(first + 1, job.reason)
      .Bind(first + 2, StopReasonName(job.stop_reason))
      .Bind(first + 3, static_cast<int64_t>(job.attempt))
      .Bind(first + 4, job.started_at)
      .Bind(first + 5, job.finished_at)
      .Bind(first + 6, job.next_attempt_at)
      .Bind(first + 7, static_cast<int64_t>(job.cancel_requested ? 1 : 0))
      .Bind(first + 8, job.experiment_id)
      .Bind(first + 9, job.run_id)
      .Bind(first + 10, job.executor_state)
      .Bind(first + 11, job.result_json);
}

// "state, reason, ..." and "?12, ?13, ...": the mutable columns for an INSERT from ?first.
std::string MutableInsertColumns(int first, std::string& placeholders) {
  std::string columns;
  for (size_t i = 0; i < kMutableColumns.size(); ++i) {
    columns += (i == 0 ? "" : ", ") + std::string(kMutableColumns[i]);
    placeholders += (i == 0 ? "?" : ", ?") + std::to_string(first + static_cast<int>(i));
  }
  return columns;
}

// "state = ?2, reason = ?3, ...": the mutable columns for an UPDATE from ?first.
std::string MutableUpdateAssignments(int first) {
  std::string out;
  for (size_t i = 0; i < kMutableColumns.size(); ++i) {
    out += (i == 0 ? "" : ", ") + std::string(kMutableColumns[i]) + " = ?" +
           std::to_string(first + static_cast<int>(i));
  }
  return out;
}

StatusOr<JobRecord> ReadJobRow(const Statement& q) {
  JobRecord j;
  j.job_id = q.Text(0);
  j.name = q.Text(1);
  j.team = q.Text(2);
  j.user = q.Text(3);
  j.priority_class = q.Text(4);
  j.spec_json = q.Text(5);
  j.resources = Resources{q.Int(6), q.Int(7), static_cast<int>(q.Int(8))};
  j.created_at = q.Int(9);
  j.updated_at = q.Int(10);
  ASSIGN_OR_RETURN(j.state, StoredJobState(q.Text(11), j.job_id));
  j.reason = q.Text(12);
  ASSIGN_OR_RETURN(j.stop_reason, StoredStopReason(q.Text(13), j.job_id));
  j.attempt = static_cast<int>(q.Int(14));
  j.started_at = q.Int(15);
  j.finished_at = q.Int(16);
  j.next_attempt_at = q.Int(17);
  j.cancel_requested = q.Int(18) != 0;
  j.experiment_id = q.Text(19);
  j.run_id = q.Text(20);
  j.executor_state = q.Text(21);
  j.result_json = q.Text(22);
  j.version = q.Int(23);
  return j;
}

class SqliteJobStore : public JobStore {
 public:
  explicit SqliteJobStore(Database& db) : db_(db) {}

  Status CreateJob(const JobRecord& job, const JobEvent& first_event) override;
  StatusOr<JobRecord> GetJob(std::string_view job_id) override;
  StatusOr<int64_t> UpdateJob(const JobRecord& job, const std::optional<JobEvent>& event) override;
  StatusOr<Page<JobRecord>> ListJobs(const JobQuery& query) override;
  StatusOr<std::vector<JobEvent>> ListJobEvents(std::string_view job_id) override;

 private:
  Status Write(const std::function<Status(Connection&)>& fn) { return db_.Write(fn); }
  Status Read(const std::function<Status(Connection&)>& fn) { return db_.Read(fn); }
  int64_t Now() const { return db_.Now(); }

  Status JobMustExist(Connection& db, std::string_view job_id);
  // Appends `event` to `job_id`'s events with the next seq (its timestamp defaulting to now).
  Status AppendJobEvent(Connection& db, std::string_view job_id, const JobEvent& event);

  Database& db_;
};

Status SqliteJobStore::JobMustExist(Connection& db, std::string_view job_id) {
  ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT 1 FROM jobs WHERE job_id = ?1"));
  ASSIGN_OR_RETURN(bool row, q.Bind(1, job_id).Step());
  if (!row) return JobNotFound(job_id);
  return OkStatus();
}

Status SqliteJobStore::AppendJobEvent(Connection& db, std::string_view job_id,
                                      const JobEvent& event) {
  ASSIGN_OR_RETURN(Statement ins,
                   db.Prepare("INSERT INTO job_events (job_id, seq, timestamp, state, attempt, "
                              "reason) SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5 "
                              "FROM job_events WHERE job_id = ?1"));
  return ins.Bind(1, job_id)
      .Bind(2, event.timestamp != 0 ? event.timestamp : Now())
      .Bind(3, JobStateName(event.state))
      .Bind(4, static_cast<int64_t>(event.attempt))
      .Bind(5, event.reason)
      .Run();
}

Status SqliteJobStore::CreateJob(const JobRecord& job, const JobEvent& first_event) {
  return Write([&](Connection& db) -> Status {
    int64_t now = Now();
    int64_t created_at = job.created_at != 0 ? job.created_at : now;
    std::string placeholders;
    const std::string mutable_columns = MutableInsertColumns(12, placeholders);
    ASSIGN_OR_RETURN(
        Statement ins,
        db.Prepare("INSERT INTO jobs (job_id, name, team, user_name, priority_class, spec_json, "
                   "cpu_millis, memory_bytes, gpus, created_at, updated_at, " +
                   mutable_columns +
                   ", version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, " +
                   placeholders + ", 1) ON CONFLICT DO NOTHING"));
    ins.Bind(1, job.job_id)
        .Bind(2, job.name)
        .Bind(3, job.team)
        .Bind(4, job.user)
        .Bind(5, job.priority_class)
        .Bind(6, job.spec_json)
        .Bind(7, job.resources.cpu_millis)
        .Bind(8, job.resources.memory_bytes)
        .Bind(9, static_cast<int64_t>(job.resources.gpus))
        .Bind(10, created_at)
        .Bind(11, job.updated_at != 0 ? job.updated_at : created_at);
    RETURN_IF_ERROR(BindMutableColumns(ins, 12, job).Run());
    if (db.Changes() == 0) {
      return AlreadyExistsError("Job '" + job.job_id + "' already exists");
    }
    return AppendJobEvent(db, job.job_id, first_event);
  });
}

StatusOr<JobRecord> SqliteJobStore::GetJob(std::string_view job_id) {
  std::optional<JobRecord> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kJobColumns) + "WHERE job_id = ?1"));
    ASSIGN_OR_RETURN(bool row, q.Bind(1, job_id).Step());
    if (!row) return JobNotFound(job_id);
    ASSIGN_OR_RETURN(out, ReadJobRow(q));
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<int64_t> SqliteJobStore::UpdateJob(const JobRecord& job,
                                            const std::optional<JobEvent>& event) {
  int64_t new_version = 0;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement upd,
                     db.Prepare("UPDATE jobs SET updated_at = ?1, " + MutableUpdateAssignments(2) +
                                ", version = version + 1 WHERE job_id = ?14 AND version = ?15"));
    upd.Bind(1, job.updated_at != 0 ? job.updated_at : Now());
    BindMutableColumns(upd, 2, job).Bind(14, job.job_id).Bind(15, job.version);
    RETURN_IF_ERROR(upd.Run());
    if (db.Changes() == 0) {
      RETURN_IF_ERROR(JobMustExist(db, job.job_id));
      return AbortedError("Job '" + job.job_id + "' was modified concurrently (version " +
                          std::to_string(job.version) + " is stale); re-read and retry");
    }
    new_version = job.version + 1;
    if (event) RETURN_IF_ERROR(AppendJobEvent(db, job.job_id, *event));
    return OkStatus();
  }));
  return new_version;
}

StatusOr<Page<JobRecord>> SqliteJobStore::ListJobs(const JobQuery& query) {
  if (query.offset < 0) {
    return InvalidArgumentError("Invalid page token: negative offset");
  }
  std::string sql = kJobColumns;
  std::vector<internal::SqlValue> params;
  std::vector<std::string> conditions;
  auto add_equals = [&](std::string_view column, const std::string& value) {
    if (value.empty()) {
      return;
    }
    params.emplace_back(value);
    conditions.push_back(std::string(column) + " = ?" + std::to_string(params.size()));
  };
  add_equals("team", query.team);
  add_equals("user_name", query.user);
  add_equals("name", query.name);
  if (!query.states.empty()) {
    size_t first = params.size() + 1;
    for (JobState state : query.states) {
      params.emplace_back(std::string(JobStateName(state)));
    }
    conditions.push_back("state IN " + Placeholders(query.states.size(), first));
  }
  for (size_t i = 0; i < conditions.size(); ++i) {
    sql += (i == 0 ? "WHERE " : " AND ") + conditions[i];
  }
  // One extra row tells whether another page follows; LIMIT -1 means no limit in SQLite.
  params.emplace_back(query.max_results > 0 ? query.max_results + 1 : int64_t{-1});
  sql += " ORDER BY created_at DESC, job_id ASC LIMIT ?" + std::to_string(params.size());
  params.emplace_back(query.offset);
  sql += " OFFSET ?" + std::to_string(params.size());

  Page<JobRecord> page;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(sql));
    q.BindAll(params);
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return OkStatus();
      ASSIGN_OR_RETURN(JobRecord job, ReadJobRow(q));
      page.items.push_back(std::move(job));
    }
  }));
  page.next_page_token =
      internal::NextPageToken(page.items.size(), query.max_results, query.offset);
  if (query.max_results > 0 && page.items.size() > static_cast<size_t>(query.max_results)) {
    page.items.resize(static_cast<size_t>(query.max_results));
  }
  return page;
}

StatusOr<std::vector<JobEvent>> SqliteJobStore::ListJobEvents(std::string_view job_id) {
  std::vector<JobEvent> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    RETURN_IF_ERROR(JobMustExist(db, job_id));
    ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT job_id, seq, timestamp, state, attempt, "
                                             "reason FROM job_events WHERE job_id = ?1 "
                                             "ORDER BY seq"));
    q.Bind(1, job_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return OkStatus();
      JobEvent e;
      e.job_id = q.Text(0);
      e.seq = q.Int(1);
      e.timestamp = q.Int(2);
      ASSIGN_OR_RETURN(e.state, StoredJobState(q.Text(3), e.job_id));
      e.attempt = static_cast<int>(q.Int(4));
      e.reason = q.Text(5);
      out.push_back(std::move(e));
    }
  }));
  return out;
}

}  // namespace

std::unique_ptr<JobStore> NewSqliteJobStore(Database& db) {
  return std::make_unique<SqliteJobStore>(db);
}

}  // namespace inet::store::sqlite
