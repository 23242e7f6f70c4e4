// The PostgreSQL adapter of JobStore (store/job_store.h).
#include "store/postgres/postgres_job_store.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/internal/sql_search.h"
#include "store/postgres/pg_connection.h"

namespace inet::store::postgres {
namespace {

std::string JobNotFound(std::string_view job_id) { return Cat({"Job '", job_id, "' not found"}); }

// A state name read back from the database; an unknown name means a newer writer or damage.
StatusOr<JobState> StoredJobState(const std::string& name, std::string_view job_id) {
  std::optional<JobState> state = ParseJobState(name);
  if (!state) {
    return InternalError(Cat({"job '", job_id, "' has unknown state '", name, "'"}));
  }
  return *state;
}

// A stop reason read back from the database; an unknown code means a newer writer or damage.
StatusOr<StopReason> StoredStopReason(const std::string& name, std::string_view job_id) {
  std::optional<StopReason> reason = ParseStopReason(name);
  if (!reason) {
    return InternalError(Cat({"job '", job_id, "' has unknown stop reason '", name, "'"}));
  }
  return *reason;
}

constexpr std::string_view kJobSelect =
    "SELECT job_id, name, team, user_name, priority_class, spec_json, cpu_millis, memory_bytes, "
    "gpus, created_at, updated_at, state, reason, stop_reason, attempt, started_at, finished_at, "
    "next_attempt_at, cancel_requested, experiment_id, run_id, executor_state, result_json, "
    "version FROM jobs ";

// The values of the columns UpdateJob replaces (state, reason, stop_reason, attempt,
// started_at, finished_at, next_attempt_at, cancel_requested, experiment_id, run_id,
// executor_state, result_json), appended to `params` in that order.
void AppendMutableColumns(const JobRecord& job, PgParams& params) {
  params.insert(params.end(), {std::string(JobStateName(job.state)), job.reason,
                               std::string(StopReasonName(job.stop_reason)), PgInt(job.attempt),
                               PgInt(job.started_at), PgInt(job.finished_at),
                               PgInt(job.next_attempt_at), PgBool(job.cancel_requested),
                               job.experiment_id, job.run_id, job.executor_state, job.result_json});
}

class PostgresJobStore : public JobStore {
 public:
  explicit PostgresJobStore(Database& db) : db_(db) {}

  Status CreateJob(const JobRecord& job, const JobEvent& first_event) override {
    return db_.Write("creating job", [&](PgConnection& c) -> Status {
      int64_t now = db_.Now();
      int64_t created_at = job.created_at != 0 ? job.created_at : now;
      PgParams params = {job.job_id,
                         job.name,
                         job.team,
                         job.user,
                         job.priority_class,
                         job.spec_json,
                         PgInt(job.resources.cpu_millis),
                         PgInt(job.resources.memory_bytes),
                         PgInt(job.resources.gpus),
                         PgInt(created_at),
                         PgInt(job.updated_at != 0 ? job.updated_at : created_at)};
      AppendMutableColumns(job, params);
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec("INSERT INTO jobs (job_id, name, team, user_name, priority_class, spec_json, "
                 "cpu_millis, memory_bytes, gpus, created_at, updated_at, state, reason, "
                 "stop_reason, attempt, started_at, finished_at, next_attempt_at, "
                 "cancel_requested, experiment_id, run_id, executor_state, result_json, "
                 "version) VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, "
                 "$7::bigint, $8::bigint, $9::integer, $10::bigint, $11::bigint, $12::text, "
                 "$13::text, $14::text, $15::integer, $16::bigint, $17::bigint, $18::bigint, "
                 "$19::boolean, $20::text, $21::text, $22::text, $23::text, 1) "
                 "ON CONFLICT (job_id) DO NOTHING",
                 params));
      if (res.affected_rows() == 0) {
        return AlreadyExistsError(Cat({"Job '", job.job_id, "' already exists"}));
      }
      return AppendJobEvent(c, job.job_id, first_event);
    });
  }

  StatusOr<JobRecord> GetJob(std::string_view job_id) override {
    std::vector<JobRecord> jobs;
    RETURN_IF_ERROR(db_.Read("getting job", [&](PgConnection& c) -> Status {
      jobs.clear();
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec(Cat({kJobSelect, "WHERE job_id = $1::text"}), {std::string(job_id)}));
      return JobsFromResult(res, res.rows(), jobs);
    }));
    if (jobs.empty()) {
      return NotFoundError(JobNotFound(job_id));
    }
    return std::move(jobs[0]);
  }

  StatusOr<int64_t> UpdateJob(const JobRecord& job, const std::optional<JobEvent>& event) override {
    // A stale version is reported after the transaction: returning kAborted from the body
    // would make Transact retry it as if it were a serialization failure.
    bool stale = false;
    RETURN_IF_ERROR(db_.Write("updating job", [&](PgConnection& c) -> Status {
      stale = false;
      // Concurrent updaters of one job queue on its row lock; after the first commits, the
      // others re-check `version` against the new row and match nothing.
      PgParams params = {PgInt(job.updated_at != 0 ? job.updated_at : db_.Now())};
      AppendMutableColumns(job, params);
      params.insert(params.end(), {job.job_id, PgInt(job.version)});
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec("UPDATE jobs SET updated_at = $1::bigint, state = $2::text, reason = $3::text, "
                 "stop_reason = $4::text, attempt = $5::integer, started_at = $6::bigint, "
                 "finished_at = $7::bigint, next_attempt_at = $8::bigint, "
                 "cancel_requested = $9::boolean, experiment_id = $10::text, run_id = $11::text, "
                 "executor_state = $12::text, result_json = $13::text, version = version + 1 "
                 "WHERE job_id = $14::text AND version = $15::bigint",
                 params));
      if (res.affected_rows() == 0) {
        ASSIGN_OR_RETURN(PgResult exists,
                         c.Exec("SELECT 1 FROM jobs WHERE job_id = $1::text", {job.job_id}));
        if (exists.rows() == 0) return NotFoundError(JobNotFound(job.job_id));
        stale = true;
        return OkStatus();
      }
      if (event) return AppendJobEvent(c, job.job_id, *event);
      return OkStatus();
    }));
    if (stale) {
      return AbortedError(Cat({"Job '", job.job_id, "' was modified concurrently (version ",
                               std::to_string(job.version), " is stale); re-read and retry"}));
    }
    return job.version + 1;
  }

  StatusOr<Page<JobRecord>> ListJobs(const JobQuery& query) override {
    if (query.offset < 0) {
      return InvalidArgumentError("Invalid page token: negative offset");
    }
    PgParams params;
    std::string where;
    auto add = [&](const std::string& condition) {
      where += where.empty() ? "WHERE " : " AND ";
      where += condition;
    };
    if (!query.team.empty()) {
      params.emplace_back(query.team);
      add("team = $" + std::to_string(params.size()) + "::text");
    }
    if (!query.user.empty()) {
      params.emplace_back(query.user);
      add("user_name = $" + std::to_string(params.size()) + "::text");
    }
    if (!query.name.empty()) {
      params.emplace_back(query.name);
      add("name = $" + std::to_string(params.size()) + "::text");
    }
    if (!query.states.empty()) {
      std::vector<std::string> names;
      for (JobState state : query.states) {
        names.emplace_back(JobStateName(state));
      }
      params.emplace_back(PgArray(names));
      add("state = ANY($" + std::to_string(params.size()) + "::text[])");
    }
    // One extra row tells whether another page follows; LIMIT NULL means no limit.
    params.emplace_back(query.max_results > 0 ? PgParam(PgInt(query.max_results + 1))
                                              : PgParam(std::nullopt));
    std::string sql = Cat({kJobSelect, where, " ORDER BY created_at DESC, job_id ASC LIMIT $",
                           std::to_string(params.size()), "::bigint"});
    params.emplace_back(PgInt(query.offset));
    sql += " OFFSET $" + std::to_string(params.size()) + "::bigint";

    Page<JobRecord> page;
    RETURN_IF_ERROR(db_.Read("listing jobs", [&](PgConnection& c) -> Status {
      page.items.clear();
      ASSIGN_OR_RETURN(PgResult res, c.ExecUnprepared(sql, params));
      int n = query.max_results > 0
                  ? static_cast<int>(std::min<int64_t>(res.rows(), query.max_results))
                  : res.rows();
      page.next_page_token =
          internal::NextPageToken(static_cast<size_t>(res.rows()), query.max_results, query.offset);
      return JobsFromResult(res, n, page.items);
    }));
    return page;
  }

  StatusOr<std::vector<JobEvent>> ListJobEvents(std::string_view job_id) override {
    std::vector<JobEvent> events;
    RETURN_IF_ERROR(db_.Read("listing job events", [&](PgConnection& c) -> Status {
      events.clear();
      ASSIGN_OR_RETURN(PgResult exists,
                       c.Exec("SELECT 1 FROM jobs WHERE job_id = $1::text", {std::string(job_id)}));
      if (exists.rows() == 0) return NotFoundError(JobNotFound(job_id));
      ASSIGN_OR_RETURN(PgResult res, c.Exec("SELECT job_id, seq, timestamp, state, attempt, reason "
                                            "FROM job_events WHERE job_id = $1::text ORDER BY seq",
                                            {std::string(job_id)}));
      for (int i = 0; i < res.rows(); ++i) {
        JobEvent e;
        e.job_id = res.GetString(i, 0);
        e.seq = res.GetInt64(i, 1);
        e.timestamp = res.GetInt64(i, 2);
        ASSIGN_OR_RETURN(e.state, StoredJobState(res.GetString(i, 3), e.job_id));
        e.attempt = static_cast<int>(res.GetInt64(i, 4));
        e.reason = res.GetString(i, 5);
        events.push_back(std::move(e));
      }
      return OkStatus();
    }));
    return events;
  }

 private:
  // Appends `event` to the job's events with the next seq (timestamp defaulting to now). The
  // caller holds the job's row lock (it just inserted or updated the row), so concurrent
  // appends to one job cannot pick the same seq.
  Status AppendJobEvent(PgConnection& c, const std::string& job_id, const JobEvent& event) {
    return c
        .Exec(
            "INSERT INTO job_events (job_id, seq, timestamp, state, attempt, reason) "
            "SELECT $1::text, COALESCE(MAX(seq), 0) + 1, $2::bigint, $3::text, $4::integer, "
            "$5::text FROM job_events WHERE job_id = $1::text",
            {job_id, PgInt(event.timestamp != 0 ? event.timestamp : db_.Now()),
             std::string(JobStateName(event.state)), PgInt(event.attempt), event.reason})
        .status();
  }

  // Reads the first `n` rows of a kJobSelect result into `out`.
  static Status JobsFromResult(const PgResult& res, int n, std::vector<JobRecord>& out) {
    for (int i = 0; i < n; ++i) {
      JobRecord j;
      j.job_id = res.GetString(i, 0);
      j.name = res.GetString(i, 1);
      j.team = res.GetString(i, 2);
      j.user = res.GetString(i, 3);
      j.priority_class = res.GetString(i, 4);
      j.spec_json = res.GetString(i, 5);
      j.resources =
          Resources{res.GetInt64(i, 6), res.GetInt64(i, 7), static_cast<int>(res.GetInt64(i, 8))};
      j.created_at = res.GetInt64(i, 9);
      j.updated_at = res.GetInt64(i, 10);
      ASSIGN_OR_RETURN(j.state, StoredJobState(res.GetString(i, 11), j.job_id));
      j.reason = res.GetString(i, 12);
      ASSIGN_OR_RETURN(j.stop_reason, StoredStopReason(res.GetString(i, 13), j.job_id));
      j.attempt = static_cast<int>(res.GetInt64(i, 14));
      j.started_at = res.GetInt64(i, 15);
      j.finished_at = res.GetInt64(i, 16);
      j.next_attempt_at = res.GetInt64(i, 17);
      j.cancel_requested = res.GetBool(i, 18);
      j.experiment_id = res.GetString(i, 19);
      j.run_id = res.GetString(i, 20);
      j.executor_state = res.GetString(i, 21);
      j.result_json = res.GetString(i, 22);
      j.version = res.GetInt64(i, 23);
      out.push_back(std::move(j));
    }
    return OkStatus();
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<JobStore> NewPostgresJobStore(Database& db) {
  return std::make_unique<PostgresJobStore>(db);
}

}  // namespace inet::store::postgres
