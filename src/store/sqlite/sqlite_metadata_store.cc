#include "store/sqlite/sqlite_metadata_store.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "search/search.h"
#include "store/internal/sql_search.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_schema.h"

namespace inet::store {
namespace {

using sqlite::Connection;
using sqlite::Statement;

constexpr int kReaderPoolSize = 4;
constexpr double kMaxDouble = std::numeric_limits<double>::max();
constexpr std::string_view kRunNameTag = "mlflow.runName";

// +-Inf are stored as such but reported clamped, as MLflow's SQL store does.
double ClampInfinity(double v) {
  if (std::isinf(v)) return v > 0 ? kMaxDouble : -kMaxDouble;
  return v;
}

std::optional<int64_t> ParseExperimentId(std::string_view id) {
  if (id.empty() || id.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : id) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Status ExperimentNotFound(std::string_view id) {
  return NotFoundError("No Experiment with id=" + std::string(id) + " exists");
}

Status RunNotFound(std::string_view id) {
  return NotFoundError("Run with id=" + std::string(id) + " not found");
}

Status LoggedModelNotFound(std::string_view id) {
  return NotFoundError("Logged model with ID '" + std::string(id) + "' not found.");
}

// Metric ordering used for "latest": (step, timestamp, NaN above numbers, value).
struct MetricRank {
  int64_t step;
  int64_t timestamp;
  int is_nan;
  double value;
  auto operator<=>(const MetricRank&) const = default;
};

MetricRank RankOf(const Metric& m) {
  bool nan = std::isnan(m.value);
  return MetricRank{m.step, m.timestamp, nan ? 1 : 0, nan ? 0.0 : m.value};
}

// The adapter. Writes go through Write() on the single writer connection; reads through
// Read() on a pooled read-only connection (or the writer for in-memory databases).
class SqliteMetadataStore : public MetadataStore {
 public:
  SqliteMetadataStore(std::string artifact_root, const Clock* clock)
      : artifact_root_(std::move(artifact_root)), clock_(clock ? clock : &system_clock_) {
    while (!artifact_root_.empty() && artifact_root_.back() == '/') artifact_root_.pop_back();
  }

  Status Open(const SqliteLocation& location);

  // --- Experiments ---
  StatusOr<std::string> CreateExperiment(const Experiment& experiment) override;
  StatusOr<Experiment> GetExperiment(std::string_view experiment_id) override;
  StatusOr<Experiment> GetExperimentByName(std::string_view name) override;
  StatusOr<Page<Experiment>> SearchExperiments(const ExperimentQuery& query) override;
  Status RenameExperiment(std::string_view experiment_id, std::string_view new_name) override;
  Status SetExperimentLifecycle(std::string_view experiment_id, LifecycleStage stage) override;
  Status SetExperimentTag(std::string_view experiment_id, const Tag& tag) override;
  Status DeleteExperimentTag(std::string_view experiment_id, std::string_view key) override;

  // --- Runs ---
  Status CreateRun(const RunInfo& info, const std::vector<Tag>& tags) override;
  StatusOr<Run> GetRun(std::string_view run_id) override;
  StatusOr<RunInfo> UpdateRun(std::string_view run_id, std::optional<RunStatus> status,
                              std::optional<int64_t> end_time,
                              std::optional<std::string> run_name) override;
  Status SetRunLifecycle(std::string_view run_id, LifecycleStage stage) override;
  Status LogBatch(std::string_view run_id, const std::vector<Metric>& metrics,
                  const std::vector<Param>& params, const std::vector<Tag>& tags) override;
  Status DeleteRunTag(std::string_view run_id, std::string_view key) override;
  Status LogInputs(std::string_view run_id, const std::vector<DatasetInput>& datasets,
                   const std::vector<ModelInput>& models) override;
  Status LogOutputs(std::string_view run_id, const std::vector<ModelOutput>& models) override;
  StatusOr<Page<Run>> SearchRuns(const RunQuery& query) override;
  StatusOr<Page<Metric>> GetMetricHistory(std::string_view run_id, std::string_view key,
                                          int64_t max_results, int64_t offset) override;
  StatusOr<std::vector<Metric>> GetMetricHistoryBulkInterval(
      const std::vector<std::string>& run_ids, std::string_view key,
      std::optional<int64_t> start_step, std::optional<int64_t> end_step,
      const MetricPointSelector& select) override;

  // --- Logged models ---
  Status CreateLoggedModel(const LoggedModel& model) override;
  StatusOr<LoggedModel> GetLoggedModel(std::string_view model_id, bool allow_deleted) override;
  StatusOr<LoggedModel> FinalizeLoggedModel(std::string_view model_id,
                                            LoggedModelStatus status) override;
  Status DeleteLoggedModel(std::string_view model_id) override;
  Status SetLoggedModelTags(std::string_view model_id, const std::vector<Tag>& tags) override;
  Status DeleteLoggedModelTag(std::string_view model_id, std::string_view key) override;
  Status LogLoggedModelParams(std::string_view model_id, const std::vector<Param>& params) override;
  StatusOr<Page<LoggedModel>> SearchLoggedModels(const LoggedModelQuery& query) override;

  // --- Tokens ---
  Status CreateToken(const Token& token) override;
  StatusOr<Token> GetTokenByHash(std::string_view token_hash) override;
  StatusOr<std::vector<Token>> ListTokens() override;
  Status RevokeToken(std::string_view token_id) override;

  // --- Jobs ---
  Status CreateJob(const JobRecord& job, const JobEvent& first_event) override;
  StatusOr<JobRecord> GetJob(std::string_view job_id) override;
  StatusOr<int64_t> UpdateJob(const JobRecord& job, const std::optional<JobEvent>& event) override;
  StatusOr<Page<JobRecord>> ListJobs(const JobQuery& query) override;
  StatusOr<std::vector<JobEvent>> ListJobEvents(std::string_view job_id) override;

 private:
  // Runs `fn` in one IMMEDIATE transaction on the writer; commits when it returns OK, rolls
  // back otherwise.
  Status Write(const std::function<Status(Connection&)>& fn);
  // Runs `fn` in one read transaction (a consistent snapshot) on a pooled reader.
  Status Read(const std::function<Status(Connection&)>& fn);

  Status Migrate(Connection& db);
  Status EnsureDefaultExperiment(Connection& db);
  int64_t Now() const { return clock_->NowMillis(); }

  // Helpers that run inside a transaction.
  StatusOr<Experiment> LoadExperiment(Connection& db, std::string_view experiment_id);
  Status LoadExperimentTags(Connection& db, std::vector<Experiment>& experiments);
  StatusOr<RunInfo> LoadRunInfo(Connection& db, std::string_view run_id);
  StatusOr<RunInfo> LoadActiveRunInfo(Connection& db, std::string_view run_id);
  Status FillRuns(Connection& db, std::vector<Run>& runs);
  Status ExperimentMustBeActive(Connection& db, std::string_view experiment_id);
  Status UpsertRunTag(Connection& db, std::string_view run_id, const Tag& tag);
  StatusOr<std::vector<LoggedModel>> FillLoggedModels(Connection& db,
                                                      std::vector<LoggedModel> models);
  StatusOr<LoggedModel> LoadLoggedModel(Connection& db, std::string_view model_id,
                                        bool allow_deleted);
  Status JobMustExist(Connection& db, std::string_view job_id);
  // Appends `event` to `job_id`'s events with the next seq (its timestamp defaulting to now).
  Status AppendJobEvent(Connection& db, std::string_view job_id, const JobEvent& event);

  std::string artifact_root_;
  SystemClock system_clock_;
  const Clock* clock_;

  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_
  bool in_memory_ = false;              // readers then share the writer

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by pool_mu_
};

// "(?1, ?2, ...)" placeholders for `n` values starting at `first`.
std::string Placeholders(size_t n, size_t first = 1) {
  std::string out = "(";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += "?" + std::to_string(first + i);
  }
  return out + ")";
}

// Bulk reads bind one placeholder per id; SQLite limits the number of parameters per
// statement, so long id lists are split into chunks, each run as its own query.
constexpr std::string_view kIdsMarker = "(@IDS@)";
constexpr size_t kMaxIdsPerQuery = 500;

// Runs `sql`, in which kIdsMarker stands for the id list, once per chunk of `ids`, calling
// `fn` for every row.
Status ForEachRowInChunks(Connection& db, const std::string& sql,
                          const std::vector<internal::SqlValue>& ids,
                          const std::function<void(const Statement&)>& fn) {
  size_t at = sql.find(kIdsMarker);
  if (at == std::string::npos) return InternalError("bulk query without an id list");
  for (size_t start = 0; start < ids.size(); start += kMaxIdsPerQuery) {
    size_t n = std::min(kMaxIdsPerQuery, ids.size() - start);
    std::string chunk_sql =
        sql.substr(0, at) + Placeholders(n) + sql.substr(at + kIdsMarker.size());
    ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(chunk_sql));
    for (size_t i = 0; i < n; ++i) q.BindValue(static_cast<int>(i + 1), ids[start + i]);
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      fn(q);
    }
  }
  return OkStatus();
}

Status SqliteMetadataStore::Open(const SqliteLocation& location) {
  in_memory_ = location.path == ":memory:";
  if (!in_memory_) {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(location.path).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return UnavailableError("creating directory '" + parent.string() +
                                "' for the SQLite database: " + ec.message());
      }
    }
  }
  ASSIGN_OR_RETURN(writer_, Connection::Open(location.path, location.synchronous_full, false));
  if (!in_memory_) {
    // WAL lets readers proceed while the single writer commits; it is persistent in the file.
    RETURN_IF_ERROR(writer_->Exec("PRAGMA journal_mode = WAL;")
                        .WithContext("enabling WAL on '" + location.path + "'"));
  }
  RETURN_IF_ERROR(Migrate(*writer_));
  RETURN_IF_ERROR(Write([&](Connection& db) { return EnsureDefaultExperiment(db); }));
  if (!in_memory_) {
    for (int i = 0; i < kReaderPoolSize; ++i) {
      ASSIGN_OR_RETURN(auto reader,
                       Connection::Open(location.path, location.synchronous_full, true));
      idle_readers_.push_back(std::move(reader));
    }
  }
  return OkStatus();
}

Status SqliteMetadataStore::Migrate(Connection& db) {
  RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
              "description TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  return Write([&](Connection& tx) -> Status {
    ASSIGN_OR_RETURN(Statement q, tx.Prepare("SELECT COALESCE(MAX(version), 0) FROM "
                                             "schema_migrations"));
    ASSIGN_OR_RETURN(bool row, q.Step());
    int64_t current = row ? q.Int(0) : 0;
    int latest = SqliteSchemaVersion();
    if (current > latest) {
      return FailedPreconditionError("the database schema is version " + std::to_string(current) +
                                     ", newer than this inet binary supports (" +
                                     std::to_string(latest) +
                                     "); upgrade inet or point it at another database");
    }
    for (const sqlite::Migration& m : sqlite::Migrations()) {
      if (m.version <= current) continue;
      RETURN_IF_ERROR(tx.Exec(std::string(m.sql))
                          .WithContext("applying schema migration " + std::to_string(m.version)));
      ASSIGN_OR_RETURN(Statement ins, tx.Prepare("INSERT INTO schema_migrations (version, "
                                                 "description, applied_at) VALUES (?1, ?2, ?3)"));
      RETURN_IF_ERROR(
          ins.Bind(1, static_cast<int64_t>(m.version)).Bind(2, m.description).Bind(3, Now()).Run());
    }
    return OkStatus();
  });
}

Status SqliteMetadataStore::EnsureDefaultExperiment(Connection& db) {
  ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT 1 FROM experiments WHERE experiment_id = 0"));
  ASSIGN_OR_RETURN(bool exists, q.Step());
  if (exists) return OkStatus();
  ASSIGN_OR_RETURN(Statement ins,
                   db.Prepare("INSERT OR IGNORE INTO experiments (experiment_id, name, "
                              "artifact_location, lifecycle_stage, creation_time, "
                              "last_update_time) VALUES (0, 'Default', ?1, 'active', ?2, ?2)"));
  return ins.Bind(1, artifact_root_ + "/0").Bind(2, Now()).Run();
}

Status SqliteMetadataStore::Write(const std::function<Status(Connection&)>& fn) {
  std::lock_guard lock(write_mu_);
  RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE").WithContext("starting a write transaction"));
  Status s = fn(*writer_);
  if (!s.ok()) {
    (void)writer_->Exec("ROLLBACK");
    return s;
  }
  Status c = writer_->Exec("COMMIT");
  if (!c.ok()) {
    (void)writer_->Exec("ROLLBACK");
    return c.WithContext("committing");
  }
  return OkStatus();
}

Status SqliteMetadataStore::Read(const std::function<Status(Connection&)>& fn) {
  if (in_memory_) {
    std::lock_guard lock(write_mu_);
    return fn(*writer_);
  }
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
    conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
  }
  Status s = conn->Exec("BEGIN").WithContext("starting a read transaction");
  if (s.ok()) {
    s = fn(*conn);
    Status c = conn->Exec("COMMIT");
    if (!c.ok()) (void)conn->Exec("ROLLBACK");
    if (s.ok()) s = c;
  }
  {
    std::lock_guard lock(pool_mu_);
    idle_readers_.push_back(std::move(conn));
  }
  pool_cv_.notify_one();
  return s;
}

// --- Experiments ----------------------------------------------------------------------------

Experiment ReadExperimentRow(const Statement& q) {
  Experiment e;
  e.experiment_id = std::to_string(q.Int(0));
  e.name = q.Text(1);
  e.artifact_location = q.Text(2);
  e.lifecycle_stage = q.Text(3) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  e.creation_time = q.Int(4);
  e.last_update_time = q.Int(5);
  return e;
}

constexpr char kExperimentColumns[] =
    "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, "
    "last_update_time FROM experiments ";

Status SqliteMetadataStore::LoadExperimentTags(Connection& db,
                                               std::vector<Experiment>& experiments) {
  if (experiments.empty()) return OkStatus();
  std::unordered_map<int64_t, Experiment*> by_id;
  std::vector<internal::SqlValue> ids;
  for (auto& e : experiments) {
    int64_t id = *ParseExperimentId(e.experiment_id);
    by_id[id] = &e;
    ids.push_back(id);
  }
  return ForEachRowInChunks(
      db,
      "SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN " +
          std::string(kIdsMarker) + " ORDER BY experiment_id, key",
      ids, [&](const Statement& q) {
        by_id[q.Int(0)]->tags.push_back(Tag{q.Text(1), q.Text(2)});
      });
}

StatusOr<Experiment> SqliteMetadataStore::LoadExperiment(Connection& db,
                                                         std::string_view experiment_id) {
  std::optional<int64_t> id = ParseExperimentId(experiment_id);
  if (!id) return ExperimentNotFound(experiment_id);
  ASSIGN_OR_RETURN(Statement q,
                   db.Prepare(std::string(kExperimentColumns) + "WHERE experiment_id = ?1"));
  q.Bind(1, *id);
  ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return ExperimentNotFound(experiment_id);
  std::vector<Experiment> out{ReadExperimentRow(q)};
  q.Reset();
  RETURN_IF_ERROR(LoadExperimentTags(db, out));
  return std::move(out[0]);
}

StatusOr<std::string> SqliteMetadataStore::CreateExperiment(const Experiment& experiment) {
  std::string id;
  Status s = Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement dup, db.Prepare("SELECT 1 FROM experiments WHERE name = ?1"));
    ASSIGN_OR_RETURN(bool exists, dup.Bind(1, experiment.name).Step());
    if (exists) {
      return AlreadyExistsError("Experiment '" + experiment.name + "' already exists.");
    }
    int64_t created = experiment.creation_time != 0 ? experiment.creation_time : Now();
    int64_t updated = experiment.last_update_time != 0 ? experiment.last_update_time : created;
    ASSIGN_OR_RETURN(Statement ins,
                     db.Prepare("INSERT INTO experiments (name, artifact_location, "
                                "lifecycle_stage, creation_time, last_update_time) VALUES "
                                "(?1, ?2, 'active', ?3, ?4)"));
    RETURN_IF_ERROR(ins.Bind(1, experiment.name)
                        .Bind(2, experiment.artifact_location)
                        .Bind(3, created)
                        .Bind(4, updated)
                        .Run());
    int64_t new_id = sqlite3_last_insert_rowid(db.raw());
    id = std::to_string(new_id);
    if (experiment.artifact_location.empty()) {
      ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE experiments SET artifact_location = ?1 "
                                                 "WHERE experiment_id = ?2"));
      RETURN_IF_ERROR(upd.Bind(1, artifact_root_ + "/" + id).Bind(2, new_id).Run());
    }
    ASSIGN_OR_RETURN(Statement tag, db.Prepare("INSERT OR REPLACE INTO experiment_tags "
                                               "(experiment_id, key, value) VALUES (?1, ?2, ?3)"));
    for (const Tag& t : experiment.tags) {
      RETURN_IF_ERROR(tag.Bind(1, new_id).Bind(2, t.key).Bind(3, t.value).Run());
      tag.Reset();
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return id;
}

StatusOr<Experiment> SqliteMetadataStore::GetExperiment(std::string_view experiment_id) {
  std::optional<Experiment> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(out, LoadExperiment(db, experiment_id));
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<Experiment> SqliteMetadataStore::GetExperimentByName(std::string_view name) {
  std::optional<Experiment> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kExperimentColumns) + "WHERE name = ?1"));
    ASSIGN_OR_RETURN(bool row, q.Bind(1, name).Step());
    if (!row) return NotFoundError("Experiment '" + std::string(name) + "' does not exist.");
    std::vector<Experiment> found{ReadExperimentRow(q)};
    q.Reset();
    RETURN_IF_ERROR(LoadExperimentTags(db, found));
    out = std::move(found[0]);
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<Page<Experiment>> SqliteMetadataStore::SearchExperiments(const ExperimentQuery& query) {
  ASSIGN_OR_RETURN(internal::SqlQuery sql,
                   internal::BuildExperimentSearch(internal::SqliteDialect(), query));
  Page<Experiment> page;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(sql.sql));
    q.BindAll(sql.params);
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      page.items.push_back(ReadExperimentRow(q));
    }
    page.next_page_token =
        internal::NextPageToken(page.items.size(), query.max_results, query.offset);
    if (page.items.size() > static_cast<size_t>(query.max_results)) {
      page.items.resize(static_cast<size_t>(query.max_results));
    }
    return LoadExperimentTags(db, page.items);
  }));
  return page;
}

Status SqliteMetadataStore::RenameExperiment(std::string_view experiment_id,
                                             std::string_view new_name) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Experiment e, LoadExperiment(db, experiment_id));
    if (e.lifecycle_stage != LifecycleStage::kActive) {
      return InvalidArgumentError("Cannot rename a non-active experiment.");
    }
    if (e.name == new_name) return OkStatus();
    ASSIGN_OR_RETURN(Statement dup, db.Prepare("SELECT 1 FROM experiments WHERE name = ?1"));
    ASSIGN_OR_RETURN(bool exists, dup.Bind(1, new_name).Step());
    if (exists) {
      return AlreadyExistsError("Experiment '" + std::string(new_name) + "' already exists.");
    }
    dup.Reset();
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE experiments SET name = ?1, "
                                               "last_update_time = ?2 WHERE experiment_id = ?3"));
    return upd.Bind(1, new_name).Bind(2, Now()).Bind(3, *ParseExperimentId(experiment_id)).Run();
  });
}

Status SqliteMetadataStore::SetExperimentLifecycle(std::string_view experiment_id,
                                                   LifecycleStage stage) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Experiment e, LoadExperiment(db, experiment_id));
    int64_t id = *ParseExperimentId(experiment_id);
    if (stage == LifecycleStage::kDeleted && id == 0) {
      return InvalidArgumentError(
          "Cannot delete the default experiment '0'. This is a reserved experiment.");
    }
    if (e.lifecycle_stage == stage) {
      return InvalidArgumentError(stage == LifecycleStage::kDeleted
                                      ? "Cannot delete an already deleted experiment."
                                      : "Cannot restore an active experiment.");
    }
    int64_t now = Now();
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE experiments SET lifecycle_stage = ?1, "
                                               "last_update_time = ?2 WHERE experiment_id = ?3"));
    RETURN_IF_ERROR(upd.Bind(1, LifecycleStageName(stage)).Bind(2, now).Bind(3, id).Run());
    if (stage == LifecycleStage::kDeleted) {
      // Runs deleted together with the experiment remember when, so a restore brings back
      // exactly those and not runs deleted on their own before.
      ASSIGN_OR_RETURN(Statement runs,
                       db.Prepare("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ?1 "
                                  "WHERE experiment_id = ?2 AND lifecycle_stage = 'active'"));
      return runs.Bind(1, now).Bind(2, id).Run();
    }
    ASSIGN_OR_RETURN(Statement runs,
                     db.Prepare("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL "
                                "WHERE experiment_id = ?1 AND lifecycle_stage = 'deleted' AND "
                                "deleted_time = ?2"));
    return runs.Bind(1, id).Bind(2, e.last_update_time).Run();
  });
}

Status SqliteMetadataStore::ExperimentMustBeActive(Connection& db, std::string_view experiment_id) {
  ASSIGN_OR_RETURN(Experiment e, LoadExperiment(db, experiment_id));
  if (e.lifecycle_stage != LifecycleStage::kActive) {
    return InvalidArgumentError("The experiment " + std::string(experiment_id) +
                                " must be in the 'active' state. Current state is deleted.");
  }
  return OkStatus();
}

Status SqliteMetadataStore::SetExperimentTag(std::string_view experiment_id, const Tag& tag) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(ExperimentMustBeActive(db, experiment_id));
    ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT OR REPLACE INTO experiment_tags "
                                               "(experiment_id, key, value) VALUES (?1, ?2, ?3)"));
    return ins.Bind(1, *ParseExperimentId(experiment_id)).Bind(2, tag.key).Bind(3, tag.value).Run();
  });
}

Status SqliteMetadataStore::DeleteExperimentTag(std::string_view experiment_id,
                                                std::string_view key) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(ExperimentMustBeActive(db, experiment_id));
    ASSIGN_OR_RETURN(Statement del, db.Prepare("DELETE FROM experiment_tags WHERE "
                                               "experiment_id = ?1 AND key = ?2"));
    RETURN_IF_ERROR(del.Bind(1, *ParseExperimentId(experiment_id)).Bind(2, key).Run());
    if (db.Changes() == 0) {
      return NotFoundError("No tag with name: " + std::string(key) + " in experiment with id " +
                           std::string(experiment_id));
    }
    return OkStatus();
  });
}

// --- Runs -----------------------------------------------------------------------------------

constexpr char kRunColumns[] =
    "SELECT run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri, "
    "lifecycle_stage FROM runs ";

RunInfo ReadRunRow(const Statement& q) {
  RunInfo info;
  info.run_id = q.Text(0);
  info.experiment_id = std::to_string(q.Int(1));
  info.run_name = q.Text(2);
  info.user_id = q.Text(3);
  StatusOr<RunStatus> status = ParseRunStatus(q.Text(4));
  info.status = status.ok() ? *status : RunStatus::kRunning;
  info.start_time = q.Int(5);
  if (!q.IsNull(6)) info.end_time = q.Int(6);
  info.artifact_uri = q.Text(7);
  info.lifecycle_stage =
      q.Text(8) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  return info;
}

StatusOr<RunInfo> SqliteMetadataStore::LoadRunInfo(Connection& db, std::string_view run_id) {
  ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kRunColumns) + "WHERE run_uuid = ?1"));
  ASSIGN_OR_RETURN(bool row, q.Bind(1, run_id).Step());
  if (!row) return RunNotFound(run_id);
  return ReadRunRow(q);
}

StatusOr<RunInfo> SqliteMetadataStore::LoadActiveRunInfo(Connection& db, std::string_view run_id) {
  ASSIGN_OR_RETURN(RunInfo info, LoadRunInfo(db, run_id));
  if (info.lifecycle_stage != LifecycleStage::kActive) {
    return InvalidArgumentError("The run " + std::string(run_id) +
                                " must be in the 'active' state. Current state is deleted.");
  }
  return info;
}

Status SqliteMetadataStore::UpsertRunTag(Connection& db, std::string_view run_id, const Tag& tag) {
  ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT INTO tags (run_uuid, key, value) VALUES "
                                             "(?1, ?2, ?3) ON CONFLICT (run_uuid, key) DO UPDATE "
                                             "SET value = excluded.value"));
  RETURN_IF_ERROR(ins.Bind(1, run_id).Bind(2, tag.key).Bind(3, tag.value).Run());
  if (tag.key == kRunNameTag) {
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE runs SET name = ?1 WHERE run_uuid = ?2"));
    RETURN_IF_ERROR(upd.Bind(1, tag.value).Bind(2, run_id).Run());
  }
  return OkStatus();
}

Status SqliteMetadataStore::CreateRun(const RunInfo& info, const std::vector<Tag>& tags) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(ExperimentMustBeActive(db, info.experiment_id));
    std::string run_name = info.run_name;
    for (const Tag& t : tags) {
      if (t.key == kRunNameTag && run_name.empty()) run_name = t.value;
    }
    ASSIGN_OR_RETURN(Statement ins,
                     db.Prepare("INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, "
                                "start_time, end_time, artifact_uri, lifecycle_stage) VALUES (?1, "
                                "?2, ?3, ?4, ?5, ?6, ?7, ?8, 'active') ON CONFLICT DO NOTHING"));
    ins.Bind(1, info.run_id)
        .Bind(2, *ParseExperimentId(info.experiment_id))
        .Bind(3, run_name)
        .Bind(4, info.user_id)
        .Bind(5, RunStatusName(info.status))
        .Bind(6, info.start_time)
        .Bind(8, info.artifact_uri);
    if (info.end_time) {
      ins.Bind(7, *info.end_time);
    } else {
      ins.BindNull(7);
    }
    RETURN_IF_ERROR(ins.Run());
    if (db.Changes() == 0) {
      return AlreadyExistsError("Run with id=" + info.run_id + " already exists");
    }
    for (const Tag& t : tags) {
      if (t.key == kRunNameTag) continue;
      RETURN_IF_ERROR(UpsertRunTag(db, info.run_id, t));
    }
    if (!run_name.empty())
      RETURN_IF_ERROR(UpsertRunTag(db, info.run_id, {std::string(kRunNameTag), run_name}));
    return OkStatus();
  });
}

// Loads params, tags, latest metrics, inputs and outputs of all `runs` with one query per kind.
Status SqliteMetadataStore::FillRuns(Connection& db, std::vector<Run>& runs) {
  if (runs.empty()) return OkStatus();
  std::unordered_map<std::string, Run*> by_id;
  std::vector<internal::SqlValue> ids;
  for (Run& r : runs) {
    by_id[r.info.run_id] = &r;
    ids.push_back(r.info.run_id);
  }
  const std::string in(kIdsMarker);
  auto each_row = [&](const std::string& sql,
                      const std::function<void(const Statement&, Run&)>& fn) -> Status {
    return ForEachRowInChunks(db, sql, ids, [&](const Statement& q) {
      auto it = by_id.find(q.Text(0));
      if (it != by_id.end()) fn(q, *it->second);
    });
  };
  RETURN_IF_ERROR(
      each_row("SELECT run_uuid, key, value FROM params WHERE run_uuid IN " + in + " ORDER BY key",
               [](const Statement& q, Run& r) {
                 r.params.push_back(Param{q.Text(1), q.Text(2)});
               }));
  RETURN_IF_ERROR(
      each_row("SELECT run_uuid, key, value FROM tags WHERE run_uuid IN " + in + " ORDER BY key",
               [](const Statement& q, Run& r) {
                 r.tags.push_back(Tag{q.Text(1), q.Text(2)});
               }));
  RETURN_IF_ERROR(
      each_row("SELECT run_uuid, key, value, is_nan, timestamp, step, model_id, dataset_name, "
               "dataset_digest FROM latest_metrics WHERE run_uuid IN " +
                   in + " ORDER BY key",
               [](const Statement& q, Run& r) {
                 Metric m;
                 m.key = q.Text(1);
                 m.value = q.Int(3) != 0 ? std::numeric_limits<double>::quiet_NaN()
                                         : ClampInfinity(q.Double(2));
                 m.timestamp = q.Int(4);
                 m.step = q.Int(5);
                 m.run_id = r.info.run_id;
                 m.model_id = q.Text(6);
                 m.dataset_name = q.Text(7);
                 m.dataset_digest = q.Text(8);
                 r.latest_metrics.push_back(std::move(m));
               }));
  // Dataset inputs with their tags: one query, rows grouped by input.
  std::map<std::string, std::pair<Run*, size_t>> input_index;
  RETURN_IF_ERROR(each_row(
      "SELECT i.run_uuid, i.input_uuid, d.name, d.digest, d.source_type, d.source, d.schema, "
      "d.profile FROM inputs i JOIN datasets d ON d.dataset_uuid = i.dataset_uuid WHERE "
      "i.run_uuid IN " +
          in + " ORDER BY i.rowid",
      [&](const Statement& q, Run& r) {
        DatasetInput input;
        input.dataset = Dataset{q.Text(2), q.Text(3), q.Text(4), q.Text(5), q.Text(6), q.Text(7)};
        input_index[q.Text(1)] = {&r, r.dataset_inputs.size()};
        r.dataset_inputs.push_back(std::move(input));
      }));
  if (!input_index.empty()) {
    std::vector<internal::SqlValue> input_ids;
    for (const auto& [id, where] : input_index) input_ids.push_back(id);
    RETURN_IF_ERROR(
        ForEachRowInChunks(db,
                           "SELECT input_uuid, name, value FROM input_tags WHERE input_uuid IN " +
                               std::string(kIdsMarker) + " ORDER BY name",
                           input_ids, [&](const Statement& q) {
                             auto [run, index] = input_index[q.Text(0)];
                             run->dataset_inputs[index].tags.push_back(Tag{q.Text(1), q.Text(2)});
                           }));
  }
  RETURN_IF_ERROR(each_row(
      "SELECT run_uuid, model_id FROM model_inputs WHERE run_uuid IN " + in + " ORDER BY model_id",
      [](const Statement& q, Run& r) { r.model_inputs.push_back(ModelInput{q.Text(1)}); }));
  RETURN_IF_ERROR(each_row("SELECT run_uuid, model_id, step FROM model_outputs WHERE run_uuid IN " +
                               in + " ORDER BY step, model_id",
                           [](const Statement& q, Run& r) {
                             r.model_outputs.push_back(ModelOutput{q.Text(1), q.Int(2)});
                           }));
  return OkStatus();
}

StatusOr<Run> SqliteMetadataStore::GetRun(std::string_view run_id) {
  std::vector<Run> runs(1);
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(runs[0].info, LoadRunInfo(db, run_id));
    return FillRuns(db, runs);
  }));
  return std::move(runs[0]);
}

StatusOr<RunInfo> SqliteMetadataStore::UpdateRun(std::string_view run_id,
                                                 std::optional<RunStatus> status,
                                                 std::optional<int64_t> end_time,
                                                 std::optional<std::string> run_name) {
  RunInfo out;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(out, LoadActiveRunInfo(db, run_id));
    if (status) out.status = *status;
    if (end_time) out.end_time = *end_time;
    ASSIGN_OR_RETURN(Statement upd,
                     db.Prepare("UPDATE runs SET status = ?1, end_time = ?2 WHERE run_uuid = ?3"));
    upd.Bind(1, RunStatusName(out.status)).Bind(3, run_id);
    if (out.end_time) {
      upd.Bind(2, *out.end_time);
    } else {
      upd.BindNull(2);
    }
    RETURN_IF_ERROR(upd.Run());
    if (run_name && !run_name->empty()) {
      out.run_name = *run_name;
      RETURN_IF_ERROR(UpsertRunTag(db, run_id, Tag{std::string(kRunNameTag), *run_name}));
    }
    return OkStatus();
  }));
  return out;
}

Status SqliteMetadataStore::SetRunLifecycle(std::string_view run_id, LifecycleStage stage) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadRunInfo(db, run_id).status());
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE runs SET lifecycle_stage = ?1, "
                                               "deleted_time = ?2 WHERE run_uuid = ?3"));
    upd.Bind(1, LifecycleStageName(stage)).Bind(3, run_id);
    if (stage == LifecycleStage::kDeleted) {
      upd.Bind(2, Now());
    } else {
      upd.BindNull(2);
    }
    return upd.Run();
  });
}

Status SqliteMetadataStore::LogBatch(std::string_view run_id, const std::vector<Metric>& metrics,
                                     const std::vector<Param>& params,
                                     const std::vector<Tag>& tags) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadActiveRunInfo(db, run_id).status());
    if (!params.empty()) {
      ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT OR IGNORE INTO params (run_uuid, key, "
                                                 "value) VALUES (?1, ?2, ?3)"));
      ASSIGN_OR_RETURN(Statement get,
                       db.Prepare("SELECT value FROM params WHERE run_uuid = ?1 AND key = ?2"));
      for (const Param& p : params) {
        RETURN_IF_ERROR(ins.Bind(1, run_id).Bind(2, p.key).Bind(3, p.value).Run());
        ins.Reset();
        if (db.Changes() > 0) continue;
        ASSIGN_OR_RETURN(bool row, get.Bind(1, run_id).Bind(2, p.key).Step());
        std::string old = row ? get.Text(0) : "";
        get.Reset();
        if (old != p.value) {
          return InvalidArgumentError("Changing param values is not allowed. Param with key='" +
                                      p.key + "' was already logged with value='" + old +
                                      "' for run ID='" + std::string(run_id) +
                                      "'. Attempted logging new value '" + p.value + "'.");
        }
      }
    }
    for (const Tag& t : tags) RETURN_IF_ERROR(UpsertRunTag(db, run_id, t));
    if (metrics.empty()) return OkStatus();

    ASSIGN_OR_RETURN(Statement ins,
                     db.Prepare("INSERT OR IGNORE INTO metrics (run_uuid, key, timestamp, step, "
                                "value, is_nan, model_id, dataset_name, dataset_digest) VALUES "
                                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    // The best point per key in this batch; the upsert below compares it with the stored one.
    std::unordered_map<std::string_view, const Metric*> best;
    bool any_model_metric = false;
    ins.Bind(1, run_id);  // bindings survive Reset(), so the run id is bound once
    for (const Metric& m : metrics) {
      bool nan = std::isnan(m.value);
      ins.Bind(2, m.key)
          .Bind(3, m.timestamp)
          .Bind(4, m.step)
          .Bind(5, nan ? 0.0 : m.value)
          .Bind(6, static_cast<int64_t>(nan ? 1 : 0));
      if (m.model_id.empty()) {
        ins.BindNull(7);
      } else {
        ins.Bind(7, m.model_id);
        any_model_metric = true;
      }
      if (m.dataset_name.empty()) {
        ins.BindNull(8).BindNull(9);
      } else {
        ins.Bind(8, m.dataset_name).Bind(9, m.dataset_digest);
      }
      RETURN_IF_ERROR(ins.Run());
      ins.Reset();
      auto [it, inserted] = best.try_emplace(m.key, &m);
      if (!inserted && RankOf(*it->second) < RankOf(m)) it->second = &m;
    }
    ASSIGN_OR_RETURN(
        Statement latest,
        db.Prepare("INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan, "
                   "model_id, dataset_name, dataset_digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                   "?8, ?9) ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, "
                   "timestamp = excluded.timestamp, step = excluded.step, is_nan = "
                   "excluded.is_nan, model_id = excluded.model_id, dataset_name = "
                   "excluded.dataset_name, dataset_digest = excluded.dataset_digest WHERE "
                   "(excluded.step, excluded.timestamp, excluded.is_nan, excluded.value) > "
                   "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.is_nan, "
                   "latest_metrics.value)"));
    for (const auto& [key, m] : best) {
      bool nan = std::isnan(m->value);
      latest.Bind(1, run_id)
          .Bind(2, m->key)
          .Bind(3, nan ? 0.0 : m->value)
          .Bind(4, m->timestamp)
          .Bind(5, m->step)
          .Bind(6, static_cast<int64_t>(nan ? 1 : 0));
      if (m->model_id.empty()) {
        latest.BindNull(7);
      } else {
        latest.Bind(7, m->model_id);
      }
      if (m->dataset_name.empty()) {
        latest.BindNull(8).BindNull(9);
      } else {
        latest.Bind(8, m->dataset_name).Bind(9, m->dataset_digest);
      }
      RETURN_IF_ERROR(latest.Run());
      latest.Reset();
    }
    if (any_model_metric) {
      ASSIGN_OR_RETURN(
          Statement model,
          db.Prepare("INSERT OR IGNORE INTO logged_model_metrics (model_id, key, timestamp, step, "
                     "value, is_nan, run_uuid, dataset_name, dataset_digest) VALUES (?1, ?2, ?3, "
                     "?4, ?5, ?6, ?7, ?8, ?9)"));
      for (const Metric& m : metrics) {
        if (m.model_id.empty()) continue;
        bool nan = std::isnan(m.value);
        RETURN_IF_ERROR(model.Bind(1, m.model_id)
                            .Bind(2, m.key)
                            .Bind(3, m.timestamp)
                            .Bind(4, m.step)
                            .Bind(5, nan ? 0.0 : m.value)
                            .Bind(6, static_cast<int64_t>(nan ? 1 : 0))
                            .Bind(7, run_id)
                            .Bind(8, m.dataset_name)
                            .Bind(9, m.dataset_digest)
                            .Run());
        model.Reset();
      }
    }
    return OkStatus();
  });
}

Status SqliteMetadataStore::DeleteRunTag(std::string_view run_id, std::string_view key) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadActiveRunInfo(db, run_id).status());
    ASSIGN_OR_RETURN(Statement del,
                     db.Prepare("DELETE FROM tags WHERE run_uuid = ?1 AND key = ?2"));
    RETURN_IF_ERROR(del.Bind(1, run_id).Bind(2, key).Run());
    if (db.Changes() == 0) {
      return NotFoundError("No tag with name: " + std::string(key) + " in run with id " +
                           std::string(run_id));
    }
    return OkStatus();
  });
}

Status SqliteMetadataStore::LogInputs(std::string_view run_id,
                                      const std::vector<DatasetInput>& datasets,
                                      const std::vector<ModelInput>& models) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(RunInfo info, LoadActiveRunInfo(db, run_id));
    int64_t experiment_id = *ParseExperimentId(info.experiment_id);
    for (const DatasetInput& input : datasets) {
      const Dataset& d = input.dataset;
      ASSIGN_OR_RETURN(Statement ins,
                       db.Prepare("INSERT OR IGNORE INTO datasets (dataset_uuid, experiment_id, "
                                  "name, digest, source_type, source, schema, profile) VALUES "
                                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
      RETURN_IF_ERROR(ins.Bind(1, RandomHex(16))
                          .Bind(2, experiment_id)
                          .Bind(3, d.name)
                          .Bind(4, d.digest)
                          .Bind(5, d.source_type)
                          .Bind(6, d.source)
                          .Bind(7, d.schema)
                          .Bind(8, d.profile)
                          .Run());
      ins.Reset();
      ASSIGN_OR_RETURN(Statement get,
                       db.Prepare("SELECT dataset_uuid FROM datasets WHERE experiment_id = ?1 AND "
                                  "name = ?2 AND digest = ?3"));
      ASSIGN_OR_RETURN(bool row,
                       get.Bind(1, experiment_id).Bind(2, d.name).Bind(3, d.digest).Step());
      if (!row) return InternalError("dataset row vanished while logging inputs");
      std::string dataset_uuid = get.Text(0);
      get.Reset();
      std::string input_uuid = RandomHex(16);
      ASSIGN_OR_RETURN(Statement link, db.Prepare("INSERT OR IGNORE INTO inputs (input_uuid, "
                                                  "dataset_uuid, run_uuid) VALUES (?1, ?2, ?3)"));
      RETURN_IF_ERROR(link.Bind(1, input_uuid).Bind(2, dataset_uuid).Bind(3, run_id).Run());
      link.Reset();
      if (db.Changes() == 0) continue;  // already an input of this run: tags stay as logged
      ASSIGN_OR_RETURN(Statement tag, db.Prepare("INSERT OR REPLACE INTO input_tags (input_uuid, "
                                                 "name, value) VALUES (?1, ?2, ?3)"));
      for (const Tag& t : input.tags) {
        RETURN_IF_ERROR(tag.Bind(1, input_uuid).Bind(2, t.key).Bind(3, t.value).Run());
        tag.Reset();
      }
    }
    ASSIGN_OR_RETURN(Statement model, db.Prepare("INSERT OR IGNORE INTO model_inputs (run_uuid, "
                                                 "model_id) VALUES (?1, ?2)"));
    for (const ModelInput& m : models) {
      RETURN_IF_ERROR(model.Bind(1, run_id).Bind(2, m.model_id).Run());
      model.Reset();
    }
    return OkStatus();
  });
}

Status SqliteMetadataStore::LogOutputs(std::string_view run_id,
                                       const std::vector<ModelOutput>& models) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadActiveRunInfo(db, run_id).status());
    ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT OR REPLACE INTO model_outputs (run_uuid, "
                                               "model_id, step) VALUES (?1, ?2, ?3)"));
    for (const ModelOutput& m : models) {
      RETURN_IF_ERROR(ins.Bind(1, run_id).Bind(2, m.model_id).Bind(3, m.step).Run());
      ins.Reset();
    }
    return OkStatus();
  });
}

StatusOr<Page<Run>> SqliteMetadataStore::SearchRuns(const RunQuery& query) {
  ASSIGN_OR_RETURN(internal::SqlQuery sql,
                   internal::BuildRunSearch(internal::SqliteDialect(), query));
  Page<Run> page;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(sql.sql));
    q.BindAll(sql.params);
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      Run r;
      r.info = ReadRunRow(q);
      page.items.push_back(std::move(r));
    }
    page.next_page_token =
        internal::NextPageToken(page.items.size(), query.max_results, query.offset);
    if (page.items.size() > static_cast<size_t>(query.max_results)) {
      page.items.resize(static_cast<size_t>(query.max_results));
    }
    return FillRuns(db, page.items);
  }));
  return page;
}

Metric ReadHistoryRow(const Statement& q, int first) {
  Metric m;
  m.key = q.Text(first);
  m.value = q.Int(first + 2) != 0 ? std::numeric_limits<double>::quiet_NaN()
                                  : ClampInfinity(q.Double(first + 1));
  m.timestamp = q.Int(first + 3);
  m.step = q.Int(first + 4);
  m.model_id = q.Text(first + 5);
  m.dataset_name = q.Text(first + 6);
  m.dataset_digest = q.Text(first + 7);
  return m;
}

StatusOr<Page<Metric>> SqliteMetadataStore::GetMetricHistory(std::string_view run_id,
                                                             std::string_view key,
                                                             int64_t max_results, int64_t offset) {
  if (offset < 0) return InvalidArgumentError("Invalid page token: negative offset");
  Page<Metric> page;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadRunInfo(db, run_id).status());
    ASSIGN_OR_RETURN(Statement q,
                     db.Prepare("SELECT key, value, is_nan, timestamp, step, model_id, "
                                "dataset_name, dataset_digest FROM metrics WHERE run_uuid = ?1 "
                                "AND key = ?2 ORDER BY timestamp, step, is_nan, value LIMIT ?3 "
                                "OFFSET ?4"));
    q.Bind(1, run_id).Bind(2, key).Bind(3, max_results > 0 ? max_results + 1 : int64_t{-1});
    q.Bind(4, max_results > 0 ? offset : int64_t{0});
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      Metric m = ReadHistoryRow(q, 0);
      m.run_id = std::string(run_id);
      page.items.push_back(std::move(m));
    }
    if (max_results > 0) {
      page.next_page_token = internal::NextPageToken(page.items.size(), max_results, offset);
      if (page.items.size() > static_cast<size_t>(max_results)) {
        page.items.resize(static_cast<size_t>(max_results));
      }
    }
    return OkStatus();
  }));
  return page;
}

StatusOr<std::vector<Metric>> SqliteMetadataStore::GetMetricHistoryBulkInterval(
    const std::vector<std::string>& run_ids, std::string_view key,
    std::optional<int64_t> start_step, std::optional<int64_t> end_step,
    const MetricPointSelector& select) {
  const bool ranged = start_step && end_step;
  const int64_t lo = ranged ? *start_step : std::numeric_limits<int64_t>::min();
  const int64_t hi = ranged ? *end_step : std::numeric_limits<int64_t>::max();
  std::vector<Metric> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Statement count,
                     db.Prepare("SELECT COUNT(*) FROM metrics WHERE run_uuid = ?1 AND key = ?2 "
                                "AND step BETWEEN ?3 AND ?4"));
    ASSIGN_OR_RETURN(Statement q,
                     db.Prepare("SELECT key, value, is_nan, timestamp, step, model_id, "
                                "dataset_name, dataset_digest FROM metrics WHERE run_uuid = ?1 "
                                "AND key = ?2 AND step BETWEEN ?3 AND ?4 ORDER BY step, "
                                "timestamp, value, is_nan"));
    for (const std::string& run_id : run_ids) {
      count.Reset();
      count.Bind(1, run_id).Bind(2, key).Bind(3, lo).Bind(4, hi);
      ASSIGN_OR_RETURN(bool counted, count.Step());
      const auto total = static_cast<size_t>(counted ? count.Int(0) : 0);
      const std::vector<size_t> wanted = select(total);
      if (wanted.empty()) continue;
      q.Reset();
      q.Bind(1, run_id).Bind(2, key).Bind(3, lo).Bind(4, hi);
      // One pass over the ordered points, decoding only the wanted ones.
      size_t next = 0;
      for (size_t i = 0; next < wanted.size(); ++i) {
        ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        if (i != wanted[next]) continue;
        ++next;
        Metric m = ReadHistoryRow(q, 0);
        m.run_id = run_id;
        out.push_back(std::move(m));
      }
    }
    return OkStatus();
  }));
  return out;
}

// --- Logged models --------------------------------------------------------------------------

constexpr char kLoggedModelColumns[] =
    "SELECT model_id, experiment_id, name, artifact_location, creation_timestamp_ms, "
    "last_updated_timestamp_ms, status, status_message, lifecycle_stage, model_type, "
    "source_run_id, creator_id FROM logged_models ";

LoggedModel ReadLoggedModelRow(const Statement& q) {
  LoggedModel m;
  m.model_id = q.Text(0);
  m.experiment_id = std::to_string(q.Int(1));
  m.name = q.Text(2);
  m.artifact_uri = q.Text(3);
  m.creation_timestamp_ms = q.Int(4);
  m.last_updated_timestamp_ms = q.Int(5);
  StatusOr<LoggedModelStatus> status = ParseLoggedModelStatus(q.Text(6));
  m.status = status.ok() ? *status : LoggedModelStatus::kPending;
  m.status_message = q.Text(7);
  m.lifecycle_stage = q.Text(8) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  m.model_type = q.Text(9);
  m.source_run_id = q.Text(10);
  m.creator_id = q.Text(11);
  return m;
}

StatusOr<std::vector<LoggedModel>> SqliteMetadataStore::FillLoggedModels(
    Connection& db, std::vector<LoggedModel> models) {
  if (models.empty()) return models;
  std::unordered_map<std::string, LoggedModel*> by_id;
  std::vector<internal::SqlValue> ids;
  for (LoggedModel& m : models) {
    by_id[m.model_id] = &m;
    ids.push_back(m.model_id);
  }
  const std::string in(kIdsMarker);
  auto each_row = [&](const std::string& sql,
                      const std::function<void(const Statement&, LoggedModel&)>& fn) -> Status {
    return ForEachRowInChunks(db, sql, ids, [&](const Statement& q) {
      auto it = by_id.find(q.Text(0));
      if (it != by_id.end()) fn(q, *it->second);
    });
  };
  RETURN_IF_ERROR(each_row("SELECT model_id, key, value FROM logged_model_tags WHERE model_id IN " +
                               in + " ORDER BY key",
                           [](const Statement& q, LoggedModel& m) {
                             m.tags.push_back(Tag{q.Text(1), q.Text(2)});
                           }));
  RETURN_IF_ERROR(
      each_row("SELECT model_id, key, value FROM logged_model_params WHERE model_id IN " + in +
                   " ORDER BY key",
               [](const Statement& q, LoggedModel& m) {
                 m.params.push_back(Param{q.Text(1), q.Text(2)});
               }));
  RETURN_IF_ERROR(
      each_row("SELECT model_id, key, value, is_nan, timestamp, step, run_uuid, dataset_name, "
               "dataset_digest FROM logged_model_metrics WHERE model_id IN " +
                   in + " ORDER BY key, timestamp, step",
               [](const Statement& q, LoggedModel& lm) {
                 Metric m;
                 m.key = q.Text(1);
                 m.value = q.Int(3) != 0 ? std::numeric_limits<double>::quiet_NaN()
                                         : ClampInfinity(q.Double(2));
                 m.timestamp = q.Int(4);
                 m.step = q.Int(5);
                 m.run_id = q.Text(6);
                 m.model_id = lm.model_id;
                 m.dataset_name = q.Text(7);
                 m.dataset_digest = q.Text(8);
                 lm.metrics.push_back(std::move(m));
               }));
  return models;
}

StatusOr<LoggedModel> SqliteMetadataStore::LoadLoggedModel(Connection& db,
                                                           std::string_view model_id,
                                                           bool allow_deleted) {
  ASSIGN_OR_RETURN(Statement q,
                   db.Prepare(std::string(kLoggedModelColumns) + "WHERE model_id = ?1"));
  ASSIGN_OR_RETURN(bool row, q.Bind(1, model_id).Step());
  if (!row) return LoggedModelNotFound(model_id);
  LoggedModel m = ReadLoggedModelRow(q);
  q.Reset();
  if (!allow_deleted && m.lifecycle_stage != LifecycleStage::kActive) {
    return LoggedModelNotFound(model_id);
  }
  std::vector<LoggedModel> one;
  one.push_back(std::move(m));
  ASSIGN_OR_RETURN(one, FillLoggedModels(db, std::move(one)));
  return std::move(one[0]);
}

Status SqliteMetadataStore::CreateLoggedModel(const LoggedModel& model) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(ExperimentMustBeActive(db, model.experiment_id));
    int64_t created = model.creation_timestamp_ms != 0 ? model.creation_timestamp_ms : Now();
    int64_t updated =
        model.last_updated_timestamp_ms != 0 ? model.last_updated_timestamp_ms : created;
    ASSIGN_OR_RETURN(
        Statement ins,
        db.Prepare("INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, "
                   "creation_timestamp_ms, last_updated_timestamp_ms, status, status_message, "
                   "lifecycle_stage, model_type, source_run_id, creator_id) VALUES (?1, ?2, ?3, "
                   "?4, ?5, ?6, ?7, ?8, 'active', ?9, ?10, ?11) ON CONFLICT DO NOTHING"));
    RETURN_IF_ERROR(ins.Bind(1, model.model_id)
                        .Bind(2, *ParseExperimentId(model.experiment_id))
                        .Bind(3, model.name)
                        .Bind(4, model.artifact_uri)
                        .Bind(5, created)
                        .Bind(6, updated)
                        .Bind(7, LoggedModelStatusName(LoggedModelStatus::kPending))
                        .Bind(8, model.status_message)
                        .Bind(9, model.model_type)
                        .Bind(10, model.source_run_id)
                        .Bind(11, model.creator_id)
                        .Run());
    if (db.Changes() == 0) {
      return AlreadyExistsError("Logged model with ID '" + model.model_id + "' already exists.");
    }
    ASSIGN_OR_RETURN(Statement tag, db.Prepare("INSERT OR REPLACE INTO logged_model_tags "
                                               "(model_id, key, value) VALUES (?1, ?2, ?3)"));
    for (const Tag& t : model.tags) {
      RETURN_IF_ERROR(tag.Bind(1, model.model_id).Bind(2, t.key).Bind(3, t.value).Run());
      tag.Reset();
    }
    ASSIGN_OR_RETURN(Statement param, db.Prepare("INSERT OR REPLACE INTO logged_model_params "
                                                 "(model_id, key, value) VALUES (?1, ?2, ?3)"));
    for (const Param& p : model.params) {
      RETURN_IF_ERROR(param.Bind(1, model.model_id).Bind(2, p.key).Bind(3, p.value).Run());
      param.Reset();
    }
    return OkStatus();
  });
}

StatusOr<LoggedModel> SqliteMetadataStore::GetLoggedModel(std::string_view model_id,
                                                          bool allow_deleted) {
  std::optional<LoggedModel> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(out, LoadLoggedModel(db, model_id, allow_deleted));
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<LoggedModel> SqliteMetadataStore::FinalizeLoggedModel(std::string_view model_id,
                                                               LoggedModelStatus status) {
  std::optional<LoggedModel> out;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadLoggedModel(db, model_id, false).status());
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE logged_models SET status = ?1, "
                                               "last_updated_timestamp_ms = ?2 WHERE model_id = "
                                               "?3"));
    RETURN_IF_ERROR(
        upd.Bind(1, LoggedModelStatusName(status)).Bind(2, Now()).Bind(3, model_id).Run());
    upd.Reset();
    ASSIGN_OR_RETURN(out, LoadLoggedModel(db, model_id, false));
    return OkStatus();
  }));
  return std::move(*out);
}

Status SqliteMetadataStore::DeleteLoggedModel(std::string_view model_id) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadLoggedModel(db, model_id, false).status());
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE logged_models SET lifecycle_stage = "
                                               "'deleted', last_updated_timestamp_ms = ?1 WHERE "
                                               "model_id = ?2"));
    return upd.Bind(1, Now()).Bind(2, model_id).Run();
  });
}

Status SqliteMetadataStore::SetLoggedModelTags(std::string_view model_id,
                                               const std::vector<Tag>& tags) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadLoggedModel(db, model_id, false).status());
    ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT OR REPLACE INTO logged_model_tags "
                                               "(model_id, key, value) VALUES (?1, ?2, ?3)"));
    for (const Tag& t : tags) {
      RETURN_IF_ERROR(ins.Bind(1, model_id).Bind(2, t.key).Bind(3, t.value).Run());
      ins.Reset();
    }
    return OkStatus();
  });
}

Status SqliteMetadataStore::DeleteLoggedModelTag(std::string_view model_id, std::string_view key) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadLoggedModel(db, model_id, false).status());
    ASSIGN_OR_RETURN(Statement del, db.Prepare("DELETE FROM logged_model_tags WHERE model_id = "
                                               "?1 AND key = ?2"));
    RETURN_IF_ERROR(del.Bind(1, model_id).Bind(2, key).Run());
    if (db.Changes() == 0) {
      return NotFoundError("No tag with key '" + std::string(key) + "' found for model with ID '" +
                           std::string(model_id) + "'.");
    }
    return OkStatus();
  });
}

Status SqliteMetadataStore::LogLoggedModelParams(std::string_view model_id,
                                                 const std::vector<Param>& params) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadLoggedModel(db, model_id, false).status());
    ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT OR REPLACE INTO logged_model_params "
                                               "(model_id, key, value) VALUES (?1, ?2, ?3)"));
    for (const Param& p : params) {
      RETURN_IF_ERROR(ins.Bind(1, model_id).Bind(2, p.key).Bind(3, p.value).Run());
      ins.Reset();
    }
    return OkStatus();
  });
}

StatusOr<Page<LoggedModel>> SqliteMetadataStore::SearchLoggedModels(const LoggedModelQuery& query) {
  ASSIGN_OR_RETURN(internal::SqlQuery sql,
                   internal::BuildLoggedModelSearch(internal::SqliteDialect(), query));
  Page<LoggedModel> page;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    std::vector<LoggedModel> models;
    {
      ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(sql.sql));
      q.BindAll(sql.params);
      while (true) {
        ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        models.push_back(ReadLoggedModelRow(q));
      }
    }
    page.next_page_token = internal::NextPageToken(models.size(), query.max_results, query.offset);
    if (models.size() > static_cast<size_t>(query.max_results)) {
      models.resize(static_cast<size_t>(query.max_results));
    }
    ASSIGN_OR_RETURN(page.items, FillLoggedModels(db, std::move(models)));
    return OkStatus();
  }));
  return page;
}

// --- Tokens ---------------------------------------------------------------------------------

Token ReadTokenRow(const Statement& q) {
  Token t;
  t.token_id = q.Text(0);
  t.token_hash = q.Text(1);
  t.user = q.Text(2);
  t.is_admin = q.Int(3) != 0;
  t.created_at = q.Int(4);
  if (!q.IsNull(5)) t.revoked_at = q.Int(5);
  return t;
}

constexpr char kTokenColumns[] =
    "SELECT token_id, token_hash, user_name, is_admin, created_at, revoked_at FROM tokens ";

Status SqliteMetadataStore::CreateToken(const Token& token) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement ins,
                     db.Prepare("INSERT INTO tokens (token_id, token_hash, user_name, is_admin, "
                                "created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON "
                                "CONFLICT DO NOTHING"));
    ins.Bind(1, token.token_id)
        .Bind(2, token.token_hash)
        .Bind(3, token.user)
        .Bind(4, static_cast<int64_t>(token.is_admin ? 1 : 0))
        .Bind(5, token.created_at != 0 ? token.created_at : Now());
    if (token.revoked_at) {
      ins.Bind(6, *token.revoked_at);
    } else {
      ins.BindNull(6);
    }
    RETURN_IF_ERROR(ins.Run());
    if (db.Changes() == 0) {
      return AlreadyExistsError("Token with id '" + token.token_id + "' already exists.");
    }
    return OkStatus();
  });
}

StatusOr<Token> SqliteMetadataStore::GetTokenByHash(std::string_view token_hash) {
  std::optional<Token> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kTokenColumns) +
                                             "WHERE token_hash = ?1 AND revoked_at IS NULL"));
    ASSIGN_OR_RETURN(bool row, q.Bind(1, token_hash).Step());
    if (!row) return NotFoundError("Token not found or revoked");
    out = ReadTokenRow(q);
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<std::vector<Token>> SqliteMetadataStore::ListTokens() {
  std::vector<Token> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q,
                     db.Prepare(std::string(kTokenColumns) + "ORDER BY created_at, token_id"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return OkStatus();
      out.push_back(ReadTokenRow(q));
    }
  }));
  return out;
}

Status SqliteMetadataStore::RevokeToken(std::string_view token_id) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT 1 FROM tokens WHERE token_id = ?1"));
    ASSIGN_OR_RETURN(bool row, q.Bind(1, token_id).Step());
    if (!row) return NotFoundError("Token with id '" + std::string(token_id) + "' not found");
    q.Reset();
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE tokens SET revoked_at = ?1 WHERE token_id "
                                               "= ?2 AND revoked_at IS NULL"));
    return upd.Bind(1, Now()).Bind(2, token_id).Run();
  });
}

// --- Jobs -----------------------------------------------------------------------------------

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

constexpr char kJobColumns[] =
    "SELECT job_id, name, team, user_name, priority_class, spec_json, state, reason, attempt, "
    "created_at, updated_at, started_at, finished_at, next_attempt_at, cancel_requested, "
    "experiment_id, run_id, executor_state, result_json, version FROM jobs ";

StatusOr<JobRecord> ReadJobRow(const Statement& q) {
  JobRecord j;
  j.job_id = q.Text(0);
  j.name = q.Text(1);
  j.team = q.Text(2);
  j.user = q.Text(3);
  j.priority_class = q.Text(4);
  j.spec_json = q.Text(5);
  ASSIGN_OR_RETURN(j.state, StoredJobState(q.Text(6), j.job_id));
  j.reason = q.Text(7);
  j.attempt = static_cast<int>(q.Int(8));
  j.created_at = q.Int(9);
  j.updated_at = q.Int(10);
  j.started_at = q.Int(11);
  j.finished_at = q.Int(12);
  j.next_attempt_at = q.Int(13);
  j.cancel_requested = q.Int(14) != 0;
  j.experiment_id = q.Text(15);
  j.run_id = q.Text(16);
  j.executor_state = q.Text(17);
  j.result_json = q.Text(18);
  j.version = q.Int(19);
  return j;
}

Status SqliteMetadataStore::JobMustExist(Connection& db, std::string_view job_id) {
  ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT 1 FROM jobs WHERE job_id = ?1"));
  ASSIGN_OR_RETURN(bool row, q.Bind(1, job_id).Step());
  if (!row) return JobNotFound(job_id);
  return OkStatus();
}

Status SqliteMetadataStore::AppendJobEvent(Connection& db, std::string_view job_id,
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

Status SqliteMetadataStore::CreateJob(const JobRecord& job, const JobEvent& first_event) {
  return Write([&](Connection& db) -> Status {
    int64_t now = Now();
    int64_t created_at = job.created_at != 0 ? job.created_at : now;
    ASSIGN_OR_RETURN(
        Statement ins,
        db.Prepare("INSERT INTO jobs (job_id, name, team, user_name, priority_class, spec_json, "
                   "state, reason, attempt, created_at, updated_at, started_at, finished_at, "
                   "next_attempt_at, cancel_requested, experiment_id, run_id, executor_state, "
                   "result_json, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                   "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 1) ON CONFLICT DO NOTHING"));
    ins.Bind(1, job.job_id)
        .Bind(2, job.name)
        .Bind(3, job.team)
        .Bind(4, job.user)
        .Bind(5, job.priority_class)
        .Bind(6, job.spec_json)
        .Bind(7, JobStateName(job.state))
        .Bind(8, job.reason)
        .Bind(9, static_cast<int64_t>(job.attempt))
        .Bind(10, created_at)
        .Bind(11, job.updated_at != 0 ? job.updated_at : created_at)
        .Bind(12, job.started_at)
        .Bind(13, job.finished_at)
        .Bind(14, job.next_attempt_at)
        .Bind(15, static_cast<int64_t>(job.cancel_requested ? 1 : 0))
        .Bind(16, job.experiment_id)
        .Bind(17, job.run_id)
        .Bind(18, job.executor_state)
        .Bind(19, job.result_json);
    RETURN_IF_ERROR(ins.Run());
    if (db.Changes() == 0) {
      return AlreadyExistsError("Job '" + job.job_id + "' already exists");
    }
    return AppendJobEvent(db, job.job_id, first_event);
  });
}

StatusOr<JobRecord> SqliteMetadataStore::GetJob(std::string_view job_id) {
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

StatusOr<int64_t> SqliteMetadataStore::UpdateJob(const JobRecord& job,
                                                 const std::optional<JobEvent>& event) {
  int64_t new_version = 0;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(
        Statement upd,
        db.Prepare("UPDATE jobs SET state = ?1, reason = ?2, attempt = ?3, updated_at = ?4, "
                   "started_at = ?5, finished_at = ?6, next_attempt_at = ?7, "
                   "cancel_requested = ?8, experiment_id = ?9, run_id = ?10, "
                   "executor_state = ?11, result_json = ?12, version = version + 1 "
                   "WHERE job_id = ?13 AND version = ?14"));
    upd.Bind(1, JobStateName(job.state))
        .Bind(2, job.reason)
        .Bind(3, static_cast<int64_t>(job.attempt))
        .Bind(4, job.updated_at != 0 ? job.updated_at : Now())
        .Bind(5, job.started_at)
        .Bind(6, job.finished_at)
        .Bind(7, job.next_attempt_at)
        .Bind(8, static_cast<int64_t>(job.cancel_requested ? 1 : 0))
        .Bind(9, job.experiment_id)
        .Bind(10, job.run_id)
        .Bind(11, job.executor_state)
        .Bind(12, job.result_json)
        .Bind(13, job.job_id)
        .Bind(14, job.version);
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

StatusOr<Page<JobRecord>> SqliteMetadataStore::ListJobs(const JobQuery& query) {
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

StatusOr<std::vector<JobEvent>> SqliteMetadataStore::ListJobEvents(std::string_view job_id) {
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

int SqliteSchemaVersion() { return sqlite::Migrations().back().version; }

StatusOr<SqliteLocation> ParseSqliteUri(std::string_view uri) {
  SqliteLocation loc;
  std::string_view rest = uri;
  std::string_view query;
  bool had_scheme = false;
  if (rest.starts_with("sqlite:")) {
    had_scheme = true;
    rest.remove_prefix(7);
    if (rest.starts_with("///")) {
      rest.remove_prefix(3);
    } else if (rest.starts_with("//")) {
      rest.remove_prefix(2);
    } else {
      return InvalidArgumentError("Invalid SQLite URI '" + std::string(uri) +
                                  "': expected sqlite:///<relative path> or "
                                  "sqlite:////<absolute path>");
    }
    size_t q = rest.find('?');
    if (q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
  } else if (rest.find("://") != std::string_view::npos) {
    return InvalidArgumentError("Not a SQLite URI: '" + std::string(uri) + "'");
  }
  loc.path = std::string(rest);
  if (loc.path.empty()) {
    if (!had_scheme) return InvalidArgumentError("Empty SQLite database path");
    loc.path = ":memory:";
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view option = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (option == "synchronous=full" || option == "synchronous=FULL") {
      loc.synchronous_full = true;
    } else if (option == "synchronous=normal" || option == "synchronous=NORMAL") {
      loc.synchronous_full = false;
    } else if (!option.empty()) {
      return InvalidArgumentError("Unknown SQLite URI option '" + std::string(option) +
                                  "' (supported: synchronous=normal|full)");
    }
  }
  return loc;
}

StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteMetadataStore(
    std::string_view uri, std::string_view default_artifact_root, const Clock* clock) {
  ASSIGN_OR_RETURN(SqliteLocation location, ParseSqliteUri(uri));
  auto store = std::make_unique<SqliteMetadataStore>(std::string(default_artifact_root), clock);
  RETURN_IF_ERROR(
      store->Open(location).WithContext("opening SQLite store '" + location.path + "'"));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace inet::store
