// The SQLite adapter of TrackingStore (store/tracking_store.h): experiments, runs, metrics,
// params, tags, datasets and logged models on a sqlite::Database.
#include "store/sqlite/sqlite_tracking_store.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "search/search.h"
#include "store/internal/experiment_location.h"
#include "store/internal/sql_search.h"
#include "store/sqlite/sqlite_connection.h"

namespace inet::store::sqlite {
namespace {

constexpr double kMaxDouble = std::numeric_limits<double>::max();

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

// Facts for tracking/ to word (tracking/messages.h); these texts only give context in logs.
Status ExperimentNotFound(std::string_view id) {
  return NotFoundError("no experiment " + std::string(id));
}

Status RunNotFound(std::string_view id) { return NotFoundError("no run " + std::string(id)); }

Status LoggedModelNotFound(std::string_view id) {
  return NotFoundError("no logged model " + std::string(id));
}

Status NameTaken(std::string_view name) {
  return AlreadyExistsError("experiment name '" + std::string(name) + "' is taken");
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

// Binds a run's lifecycle to ?1 (stage) and ?2 (deleted time).
void BindRunLifecycle(Statement& q, const RunLifecycle& lifecycle) {
  q.Bind(1, LifecycleStageName(lifecycle.stage));
  if (lifecycle.deleted_time) {
    q.Bind(2, *lifecycle.deleted_time);
  } else {
    q.BindNull(2);
  }
}

// Fills `m` (built in place by the caller: a history can hold millions of points) from the
// history columns starting at `first`.
void ReadHistoryRow(const Statement& q, int first, Metric& m) {
  m.key.assign(q.TextView(first));
  m.value = q.Int(first + 2) != 0 ? std::numeric_limits<double>::quiet_NaN()
                                  : ClampInfinity(q.Double(first + 1));
  m.timestamp = q.Int(first + 3);
  m.step = q.Int(first + 4);
  m.model_id.assign(q.TextView(first + 5));
  m.dataset_name.assign(q.TextView(first + 6));
  m.dataset_digest.assign(q.TextView(first + 7));
}

// Steps `q` to its end into `page`: it was asked for max_results + 1 rows, and the extra one
// says that another page follows.
template <typename T, typename ReadRow>
Status ReadPage(Statement& q, const ReadRow& read_row, int64_t max_results, int64_t offset,
                Page<T>& page) {
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    page.items.push_back(read_row(q));
  }
  page.next_page_token = internal::NextPageToken(page.items.size(), max_results, offset);
  if (page.items.size() > static_cast<size_t>(max_results)) {
    page.items.resize(static_cast<size_t>(max_results));
  }
  return OkStatus();
}

// Writes each (owner, key, value) with `sql`, whose ?1, ?2 and ?3 take them.
template <typename Owner>
Status WriteKeyValues(Connection& db, const std::string& sql, const Owner& owner,
                      const std::vector<Tag>& rows) {
  ASSIGN_OR_RETURN(Statement ins, db.Prepare(sql));
  for (const Tag& t : rows) {
    RETURN_IF_ERROR(ins.Bind(1, owner).Bind(2, t.key).Bind(3, t.value).Run());
    ins.Reset();
  }
  return OkStatus();
}

// The runs or logged models of a page by id, for loading their children with one query per
// table (column 0 of every such query is the owner's id, `id_column`).
template <typename Owner>
class OwnersById {
 public:
  template <typename IdOf>
  OwnersById(std::vector<Owner>& owners, std::string id_column, const IdOf& id_of)
      : id_column_(std::move(id_column)) {
    for (Owner& o : owners) {
      const std::string& id = id_of(o);
      by_id_[id] = &o;
      ids_.push_back(id);
    }
  }

  // Runs `sql` (kIdsMarker stands for the ids) and hands each row to `fn` with its owner.
  Status ForEachRow(Connection& db, const std::string& sql,
                    const std::function<void(const Statement&, Owner&)>& fn) const {
    return ForEachRowInChunks(db, sql, ids_, [&](const Statement& q) {
      auto it = by_id_.find(q.Text(0));
      if (it != by_id_.end()) fn(q, *it->second);
    });
  }

  // Appends the (key, value) rows of `table` to each owner's `field`, ordered by key.
  Status AppendKeyValues(Connection& db, std::string_view table,
                         std::vector<Tag> Owner::*field) const {
    return ForEachRow(db,
                      "SELECT " + id_column_ + ", key, value FROM " + std::string(table) +
                          " WHERE " + id_column_ + " IN " + std::string(kIdsMarker) +
                          " ORDER BY key",
                      [field](const Statement& q, Owner& o) {
                        (o.*field).push_back(Tag{q.Text(1), q.Text(2)});
                      });
  }

 private:
  std::string id_column_;
  std::unordered_map<std::string, Owner*> by_id_;
  std::vector<internal::SqlValue> ids_;
};

constexpr char kUpsertExperimentTag[] =
    "INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3)";
constexpr char kUpsertLoggedModelTag[] =
    "INSERT OR REPLACE INTO logged_model_tags (model_id, key, value) VALUES (?1, ?2, ?3)";
constexpr char kUpsertLoggedModelParam[] =
    "INSERT OR REPLACE INTO logged_model_params (model_id, key, value) VALUES (?1, ?2, ?3)";

class SqliteTrackingStore : public TrackingStore {
 public:
  explicit SqliteTrackingStore(Database& db) : db_(db) {}

  // --- Experiments ---
  StatusOr<std::string> CreateExperiment(const Experiment& experiment) override;
  StatusOr<Experiment> GetExperiment(std::string_view experiment_id) override;
  StatusOr<Experiment> GetExperimentByName(std::string_view team, std::string_view name) override;
  StatusOr<std::map<std::string, std::string>> ExperimentTeams(
      const std::vector<std::string>& experiment_ids) override;
  StatusOr<std::map<std::string, std::string>> RunTeams(
      const std::vector<std::string>& run_ids) override;
  StatusOr<Page<Experiment>> SearchExperiments(const ExperimentQuery& query) override;
  Status RenameExperiment(std::string_view experiment_id, std::string_view new_name) override;
  Status SetExperimentLifecycle(std::string_view experiment_id,
                                const ExperimentLifecycleChange& change) override;
  Status SetExperimentTag(std::string_view experiment_id, const Tag& tag) override;
  StatusOr<bool> DeleteExperimentTag(std::string_view experiment_id, std::string_view key) override;

  // --- Runs ---
  Status CreateRun(const RunInfo& info, const std::vector<Tag>& tags) override;
  StatusOr<Run> GetRun(std::string_view run_id) override;
  StatusOr<RunInfo> UpdateRun(std::string_view run_id, const RunUpdate& update) override;
  Status SetRunLifecycle(std::string_view run_id, const RunLifecycle& lifecycle) override;
  Status LogBatch(std::string_view run_id, const std::vector<Metric>& metrics,
                  const std::vector<Param>& params, const std::vector<Tag>& tags) override;
  StatusOr<bool> DeleteRunTag(std::string_view run_id, std::string_view key) override;
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
  StatusOr<bool> DeleteLoggedModelTag(std::string_view model_id, std::string_view key) override;
  Status LogLoggedModelParams(std::string_view model_id, const std::vector<Param>& params) override;
  StatusOr<Page<LoggedModel>> SearchLoggedModels(const LoggedModelQuery& query) override;

 private:
  Status Write(const std::function<Status(Connection&)>& fn) { return db_.Write(fn); }
  Status Read(const std::function<Status(Connection&)>& fn) { return db_.Read(fn); }
  int64_t Now() const { return db_.Now(); }

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
  // kNotFound unless the model exists and is active: one row's stage, for the writes, which
  // need no more of the model than that.
  Status LoggedModelMustBeActive(Connection& db, std::string_view model_id);

  Database& db_;
};

// --- Experiments ----------------------------------------------------------------------------

Experiment ReadExperimentRow(const Statement& q) {
  Experiment e;
  e.experiment_id = std::to_string(q.Int(0));
  e.name = q.Text(1);
  e.artifact_location = q.Text(2);
  e.lifecycle_stage = q.Text(3) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  e.creation_time = q.Int(4);
  e.last_update_time = q.Int(5);
  e.team = q.Text(6);
  return e;
}

constexpr char kExperimentColumns[] =
    "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, "
    "last_update_time, team FROM experiments ";

Status SqliteTrackingStore::LoadExperimentTags(Connection& db,
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

StatusOr<Experiment> SqliteTrackingStore::LoadExperiment(Connection& db,
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

StatusOr<std::string> SqliteTrackingStore::CreateExperiment(const Experiment& experiment) {
  std::string id;
  Status s = Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement dup,
                     db.Prepare("SELECT 1 FROM experiments WHERE team = ?1 AND name = ?2"));
    ASSIGN_OR_RETURN(bool exists, dup.Bind(1, experiment.team).Bind(2, experiment.name).Step());
    if (exists) return NameTaken(experiment.name);
    std::optional<int64_t> given_id;
    if (!experiment.experiment_id.empty()) {
      given_id = ParseExperimentId(experiment.experiment_id);
      if (!given_id) return InvalidArgumentError("experiment id is not an integer");
      ASSIGN_OR_RETURN(Statement taken,
                       db.Prepare("SELECT 1 FROM experiments WHERE experiment_id = ?1"));
      ASSIGN_OR_RETURN(bool id_taken, taken.Bind(1, *given_id).Step());
      if (id_taken)
        return AlreadyExistsError("experiment id " + experiment.experiment_id + " is taken");
    }
    int64_t created = experiment.creation_time != 0 ? experiment.creation_time : Now();
    int64_t updated = experiment.last_update_time != 0 ? experiment.last_update_time : created;
    ASSIGN_OR_RETURN(Statement ins,
                     db.Prepare("INSERT INTO experiments (experiment_id, name, artifact_location, "
                                "lifecycle_stage, creation_time, last_update_time, team) VALUES "
                                "(?6, ?1, ?2, 'active', ?3, ?4, ?5)"));
    ins.Bind(1, experiment.name).Bind(2, experiment.artifact_location).Bind(3, created);
    ins.Bind(4, updated).Bind(5, experiment.team);
    if (given_id) {
      ins.Bind(6, *given_id);
    } else {
      ins.BindNull(6);
    }
    RETURN_IF_ERROR(ins.Run());
    int64_t new_id = sqlite3_last_insert_rowid(db.raw());
    id = std::to_string(new_id);
    if (experiment.artifact_location.empty()) {
      ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE experiments SET artifact_location = ?1 "
                                                 "WHERE experiment_id = ?2"));
      RETURN_IF_ERROR(
          upd.Bind(1, internal::DefaultExperimentLocation(db_.artifact_root(), experiment.team, id))
              .Bind(2, new_id)
              .Run());
    }
    return WriteKeyValues(db, kUpsertExperimentTag, new_id, experiment.tags);
  });
  if (!s.ok()) return s;
  return id;
}

StatusOr<Experiment> SqliteTrackingStore::GetExperiment(std::string_view experiment_id) {
  std::optional<Experiment> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(out, LoadExperiment(db, experiment_id));
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<Experiment> SqliteTrackingStore::GetExperimentByName(std::string_view team,
                                                              std::string_view name) {
  std::optional<Experiment> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q,
                     db.Prepare(std::string(kExperimentColumns) + "WHERE team = ?1 AND name = ?2"));
    ASSIGN_OR_RETURN(bool row, q.Bind(1, team).Bind(2, name).Step());
    if (!row) return NotFoundError("no experiment named '" + std::string(name) + "'");
    std::vector<Experiment> found{ReadExperimentRow(q)};
    q.Reset();
    RETURN_IF_ERROR(LoadExperimentTags(db, found));
    out = std::move(found[0]);
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<Page<Experiment>> SqliteTrackingStore::SearchExperiments(const ExperimentQuery& query) {
  ASSIGN_OR_RETURN(internal::SqlQuery sql,
                   internal::BuildExperimentSearch(internal::SqliteDialect(), query));
  Page<Experiment> page;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(sql.sql));
    q.BindAll(sql.params);
    RETURN_IF_ERROR(ReadPage(q, ReadExperimentRow, query.max_results, query.offset, page));
    return LoadExperimentTags(db, page.items);
  }));
  return page;
}

StatusOr<std::map<std::string, std::string>> SqliteTrackingStore::ExperimentTeams(
    const std::vector<std::string>& experiment_ids) {
  std::vector<internal::SqlValue> ids;
  for (const std::string& id : experiment_ids) {
    if (std::optional<int64_t> parsed = ParseExperimentId(id)) ids.push_back(*parsed);
  }
  std::map<std::string, std::string> teams;
  if (ids.empty()) return teams;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    return ForEachRowInChunks(
        db,
        "SELECT experiment_id, team FROM experiments WHERE experiment_id IN " +
            std::string(kIdsMarker),
        ids, [&](const Statement& q) { teams[std::to_string(q.Int(0))] = q.Text(1); });
  }));
  return teams;
}

StatusOr<std::map<std::string, std::string>> SqliteTrackingStore::RunTeams(
    const std::vector<std::string>& run_ids) {
  std::vector<internal::SqlValue> ids(run_ids.begin(), run_ids.end());
  std::map<std::string, std::string> teams;
  if (ids.empty()) return teams;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    return ForEachRowInChunks(
        db,
        "SELECT r.run_uuid, e.team FROM runs r JOIN experiments e ON e.experiment_id = "
        "r.experiment_id WHERE r.run_uuid IN " +
            std::string(kIdsMarker),
        ids, [&](const Statement& q) { teams[q.Text(0)] = q.Text(1); });
  }));
  return teams;
}

Status SqliteTrackingStore::RenameExperiment(std::string_view experiment_id,
                                             std::string_view new_name) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Experiment e, LoadExperiment(db, experiment_id));
    if (e.lifecycle_stage != LifecycleStage::kActive) {
      return FailedPreconditionError("experiment " + e.experiment_id + " is not active");
    }
    if (e.name == new_name) return OkStatus();
    ASSIGN_OR_RETURN(Statement dup,
                     db.Prepare("SELECT 1 FROM experiments WHERE team = ?1 AND name = ?2"));
    ASSIGN_OR_RETURN(bool exists, dup.Bind(1, e.team).Bind(2, new_name).Step());
    if (exists) return NameTaken(new_name);
    dup.Reset();
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE experiments SET name = ?1, "
                                               "last_update_time = ?2 WHERE experiment_id = ?3"));
    return upd.Bind(1, new_name).Bind(2, Now()).Bind(3, *ParseExperimentId(experiment_id)).Run();
  });
}

Status SqliteTrackingStore::SetExperimentLifecycle(std::string_view experiment_id,
                                                   const ExperimentLifecycleChange& change) {
  std::optional<int64_t> id = ParseExperimentId(experiment_id);
  if (!id) return NotFoundError("no experiment " + std::string(experiment_id));
  return Write([&](Connection& db) -> Status {
    // A compare-and-set on the stage: the single writer makes check and write one step.
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE experiments SET lifecycle_stage = ?1, "
                                               "last_update_time = ?2 WHERE experiment_id = ?3 "
                                               "AND lifecycle_stage = ?4"));
    RETURN_IF_ERROR(upd.Bind(1, LifecycleStageName(change.to))
                        .Bind(2, change.last_update_time)
                        .Bind(3, *id)
                        .Bind(4, LifecycleStageName(change.from))
                        .Run());
    if (db.Changes() == 0) {
      ASSIGN_OR_RETURN(Experiment e, LoadExperiment(db, experiment_id));
      return FailedPreconditionError("experiment " + e.experiment_id + " is " +
                                     std::string(LifecycleStageName(e.lifecycle_stage)));
    }
    if (!change.runs) return OkStatus();
    ASSIGN_OR_RETURN(Statement runs, db.Prepare("UPDATE runs SET lifecycle_stage = ?1, "
                                                "deleted_time = ?2 WHERE experiment_id = ?3"));
    BindRunLifecycle(runs, *change.runs);
    return runs.Bind(3, *id).Run();
  });
}

Status SqliteTrackingStore::ExperimentMustBeActive(Connection& db, std::string_view experiment_id) {
  ASSIGN_OR_RETURN(Experiment e, LoadExperiment(db, experiment_id));
  if (e.lifecycle_stage != LifecycleStage::kActive) {
    return FailedPreconditionError("experiment " + e.experiment_id + " is not active");
  }
  return OkStatus();
}

Status SqliteTrackingStore::SetExperimentTag(std::string_view experiment_id, const Tag& tag) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(ExperimentMustBeActive(db, experiment_id));
    return WriteKeyValues(db, kUpsertExperimentTag, *ParseExperimentId(experiment_id), {tag});
  });
}

StatusOr<bool> SqliteTrackingStore::DeleteExperimentTag(std::string_view experiment_id,
                                                        std::string_view key) {
  bool deleted = false;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(ExperimentMustBeActive(db, experiment_id));
    ASSIGN_OR_RETURN(Statement del, db.Prepare("DELETE FROM experiment_tags WHERE "
                                               "experiment_id = ?1 AND key = ?2"));
    RETURN_IF_ERROR(del.Bind(1, *ParseExperimentId(experiment_id)).Bind(2, key).Run());
    deleted = db.Changes() > 0;
    return OkStatus();
  }));
  return deleted;
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

StatusOr<RunInfo> SqliteTrackingStore::LoadRunInfo(Connection& db, std::string_view run_id) {
  ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kRunColumns) + "WHERE run_uuid = ?1"));
  ASSIGN_OR_RETURN(bool row, q.Bind(1, run_id).Step());
  if (!row) return RunNotFound(run_id);
  return ReadRunRow(q);
}

StatusOr<RunInfo> SqliteTrackingStore::LoadActiveRunInfo(Connection& db, std::string_view run_id) {
  ASSIGN_OR_RETURN(RunInfo info, LoadRunInfo(db, run_id));
  if (info.lifecycle_stage != LifecycleStage::kActive) {
    return FailedPreconditionError("run " + std::string(run_id) + " is not active");
  }
  return info;
}

Status SqliteTrackingStore::UpsertRunTag(Connection& db, std::string_view run_id, const Tag& tag) {
  ASSIGN_OR_RETURN(Statement ins, db.Prepare("INSERT INTO tags (run_uuid, key, value) VALUES "
                                             "(?1, ?2, ?3) ON CONFLICT (run_uuid, key) DO UPDATE "
                                             "SET value = excluded.value"));
  return ins.Bind(1, run_id).Bind(2, tag.key).Bind(3, tag.value).Run();
}

Status SqliteTrackingStore::CreateRun(const RunInfo& info, const std::vector<Tag>& tags) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(ExperimentMustBeActive(db, info.experiment_id));
    ASSIGN_OR_RETURN(Statement ins,
                     db.Prepare("INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, "
                                "start_time, end_time, artifact_uri, lifecycle_stage) VALUES (?1, "
                                "?2, ?3, ?4, ?5, ?6, ?7, ?8, 'active') ON CONFLICT DO NOTHING"));
    ins.Bind(1, info.run_id)
        .Bind(2, *ParseExperimentId(info.experiment_id))
        .Bind(3, info.run_name)
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
    if (db.Changes() == 0) return AlreadyExistsError("run id " + info.run_id + " is taken");
    for (const Tag& t : tags) RETURN_IF_ERROR(UpsertRunTag(db, info.run_id, t));
    return OkStatus();
  });
}

// Loads params, tags, latest metrics, inputs and outputs of all `runs` with one query per kind.
Status SqliteTrackingStore::FillRuns(Connection& db, std::vector<Run>& runs) {
  if (runs.empty()) return OkStatus();
  const OwnersById<Run> owners(runs, "run_uuid",
                               [](const Run& r) -> const std::string& { return r.info.run_id; });
  const std::string in(kIdsMarker);
  auto each_row = [&](const std::string& sql,
                      const std::function<void(const Statement&, Run&)>& fn) {
    return owners.ForEachRow(db, sql, fn);
  };
  RETURN_IF_ERROR(owners.AppendKeyValues(db, "params", &Run::params));
  RETURN_IF_ERROR(owners.AppendKeyValues(db, "tags", &Run::tags));
  RETURN_IF_ERROR(
      each_row("SELECT run_uuid, key, value, is_nan, timestamp, step, model_id, dataset_name, "
               "dataset_digest FROM latest_metrics WHERE run_uuid IN " +
                   in + " ORDER BY key",
               [](const Statement& q, Run& r) {
                 Metric m;
                 ReadHistoryRow(q, 1, m);
                 m.run_id = r.info.run_id;
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

StatusOr<Run> SqliteTrackingStore::GetRun(std::string_view run_id) {
  std::vector<Run> runs(1);
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(runs[0].info, LoadRunInfo(db, run_id));
    return FillRuns(db, runs);
  }));
  return std::move(runs[0]);
}

StatusOr<RunInfo> SqliteTrackingStore::UpdateRun(std::string_view run_id, const RunUpdate& update) {
  RunInfo out;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(out, LoadActiveRunInfo(db, run_id));
    if (update.status) out.status = *update.status;
    if (update.end_time) out.end_time = *update.end_time;
    if (update.run_name) out.run_name = *update.run_name;
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE runs SET status = ?1, end_time = ?2, "
                                               "name = ?4 WHERE run_uuid = ?3"));
    upd.Bind(1, RunStatusName(out.status)).Bind(3, run_id).Bind(4, out.run_name);
    if (out.end_time) {
      upd.Bind(2, *out.end_time);
    } else {
      upd.BindNull(2);
    }
    RETURN_IF_ERROR(upd.Run());
    for (const Tag& t : update.tags) RETURN_IF_ERROR(UpsertRunTag(db, run_id, t));
    return OkStatus();
  }));
  return out;
}

Status SqliteTrackingStore::SetRunLifecycle(std::string_view run_id,
                                            const RunLifecycle& lifecycle) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE runs SET lifecycle_stage = ?1, "
                                               "deleted_time = ?2 WHERE run_uuid = ?3"));
    BindRunLifecycle(upd, lifecycle);
    RETURN_IF_ERROR(upd.Bind(3, run_id).Run());
    if (db.Changes() == 0) return NotFoundError("no run " + std::string(run_id));
    return OkStatus();
  });
}

Status SqliteTrackingStore::LogBatch(std::string_view run_id, const std::vector<Metric>& metrics,
                                     const std::vector<Param>& params,
                                     const std::vector<Tag>& tags) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(RunInfo run, LoadActiveRunInfo(db, run_id));
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
          return AlreadyExistsError("param '" + p.key + "' is stored with another value");
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
                   "model_id, dataset_name, dataset_digest, experiment_id) VALUES (?1, ?2, ?3, "
                   "?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (run_uuid, key) DO UPDATE SET value = "
                   "excluded.value, "
                   "timestamp = excluded.timestamp, step = excluded.step, is_nan = "
                   "excluded.is_nan, model_id = excluded.model_id, dataset_name = "
                   "excluded.dataset_name, dataset_digest = excluded.dataset_digest WHERE "
                   "(excluded.step, excluded.timestamp, excluded.is_nan, excluded.value) > "
                   "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.is_nan, "
                   "latest_metrics.value)"));
    latest.Bind(1, run_id).Bind(10, *ParseExperimentId(run.experiment_id));
    for (const auto& [key, m] : best) {
      bool nan = std::isnan(m->value);
      latest.Bind(2, m->key)
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

StatusOr<bool> SqliteTrackingStore::DeleteRunTag(std::string_view run_id, std::string_view key) {
  bool deleted = false;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoadActiveRunInfo(db, run_id).status());
    ASSIGN_OR_RETURN(Statement del,
                     db.Prepare("DELETE FROM tags WHERE run_uuid = ?1 AND key = ?2"));
    RETURN_IF_ERROR(del.Bind(1, run_id).Bind(2, key).Run());
    deleted = db.Changes() > 0;
    return OkStatus();
  }));
  return deleted;
}

Status SqliteTrackingStore::LogInputs(std::string_view run_id,
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
      RETURN_IF_ERROR(WriteKeyValues(db,
                                     "INSERT OR REPLACE INTO input_tags (input_uuid, name, value) "
                                     "VALUES (?1, ?2, ?3)",
                                     input_uuid, input.tags));
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

Status SqliteTrackingStore::LogOutputs(std::string_view run_id,
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

StatusOr<Page<Run>> SqliteTrackingStore::SearchRuns(const RunQuery& query) {
  ASSIGN_OR_RETURN(internal::SqlQuery sql,
                   internal::BuildRunSearch(internal::SqliteDialect(), query));
  Page<Run> page;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(sql.sql));
    q.BindAll(sql.params);
    auto read_run = [](const Statement& row) {
      Run r;
      r.info = ReadRunRow(row);
      return r;
    };
    RETURN_IF_ERROR(ReadPage(q, read_run, query.max_results, query.offset, page));
    return FillRuns(db, page.items);
  }));
  return page;
}

StatusOr<Page<Metric>> SqliteTrackingStore::GetMetricHistory(std::string_view run_id,
                                                             std::string_view key,
                                                             int64_t max_results, int64_t offset) {
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
    if (max_results > 0) {
      page.items.reserve(static_cast<size_t>(std::min<int64_t>(max_results + 1, 1 << 16)));
    }
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      Metric& m = page.items.emplace_back();
      ReadHistoryRow(q, 0, m);
      m.run_id.assign(run_id);
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

StatusOr<std::vector<Metric>> SqliteTrackingStore::GetMetricHistoryBulkInterval(
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
        Metric& m = out.emplace_back();
        ReadHistoryRow(q, 0, m);
        m.run_id = run_id;
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

StatusOr<std::vector<LoggedModel>> SqliteTrackingStore::FillLoggedModels(
    Connection& db, std::vector<LoggedModel> models) {
  if (models.empty()) return models;
  const OwnersById<LoggedModel> owners(
      models, "model_id", [](const LoggedModel& m) -> const std::string& { return m.model_id; });
  RETURN_IF_ERROR(owners.AppendKeyValues(db, "logged_model_tags", &LoggedModel::tags));
  RETURN_IF_ERROR(owners.AppendKeyValues(db, "logged_model_params", &LoggedModel::params));
  RETURN_IF_ERROR(owners.ForEachRow(
      db,
      "SELECT model_id, key, value, is_nan, timestamp, step, run_uuid, dataset_name, "
      "dataset_digest FROM logged_model_metrics WHERE model_id IN " +
          std::string(kIdsMarker) + " ORDER BY key, timestamp, step",
      [](const Statement& q, LoggedModel& lm) {
        Metric m;
        ReadHistoryRow(q, 1, m);
        m.run_id = std::move(m.model_id);  // column 6 here is the run that logged the point
        m.model_id = lm.model_id;
        lm.metrics.push_back(std::move(m));
      }));
  return models;
}

StatusOr<LoggedModel> SqliteTrackingStore::LoadLoggedModel(Connection& db,
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

Status SqliteTrackingStore::LoggedModelMustBeActive(Connection& db, std::string_view model_id) {
  ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT 1 FROM logged_models WHERE model_id = ?1 AND "
                                           "lifecycle_stage = 'active'"));
  ASSIGN_OR_RETURN(bool active, q.Bind(1, model_id).Step());
  return active ? OkStatus() : LoggedModelNotFound(model_id);
}

Status SqliteTrackingStore::CreateLoggedModel(const LoggedModel& model) {
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
    if (db.Changes() == 0) return AlreadyExistsError("model id " + model.model_id + " is taken");
    RETURN_IF_ERROR(WriteKeyValues(db, kUpsertLoggedModelTag, model.model_id, model.tags));
    return WriteKeyValues(db, kUpsertLoggedModelParam, model.model_id, model.params);
  });
}

StatusOr<LoggedModel> SqliteTrackingStore::GetLoggedModel(std::string_view model_id,
                                                          bool allow_deleted) {
  std::optional<LoggedModel> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(out, LoadLoggedModel(db, model_id, allow_deleted));
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<LoggedModel> SqliteTrackingStore::FinalizeLoggedModel(std::string_view model_id,
                                                               LoggedModelStatus status) {
  std::optional<LoggedModel> out;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    // The update itself checks that the model is active; the model is read once, to return it.
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE logged_models SET status = ?1, "
                                               "last_updated_timestamp_ms = ?2 WHERE model_id = "
                                               "?3 AND lifecycle_stage = 'active'"));
    RETURN_IF_ERROR(
        upd.Bind(1, LoggedModelStatusName(status)).Bind(2, Now()).Bind(3, model_id).Run());
    upd.Reset();
    if (db.Changes() == 0) return LoggedModelNotFound(model_id);
    ASSIGN_OR_RETURN(out, LoadLoggedModel(db, model_id, false));
    return OkStatus();
  }));
  return std::move(*out);
}

Status SqliteTrackingStore::DeleteLoggedModel(std::string_view model_id) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE logged_models SET lifecycle_stage = "
                                               "'deleted', last_updated_timestamp_ms = ?1 WHERE "
                                               "model_id = ?2 AND lifecycle_stage = 'active'"));
    RETURN_IF_ERROR(upd.Bind(1, Now()).Bind(2, model_id).Run());
    return db.Changes() > 0 ? OkStatus() : LoggedModelNotFound(model_id);
  });
}

Status SqliteTrackingStore::SetLoggedModelTags(std::string_view model_id,
                                               const std::vector<Tag>& tags) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoggedModelMustBeActive(db, model_id));
    return WriteKeyValues(db, kUpsertLoggedModelTag, model_id, tags);
  });
}

StatusOr<bool> SqliteTrackingStore::DeleteLoggedModelTag(std::string_view model_id,
                                                         std::string_view key) {
  bool deleted = false;
  RETURN_IF_ERROR(Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoggedModelMustBeActive(db, model_id));
    ASSIGN_OR_RETURN(Statement del, db.Prepare("DELETE FROM logged_model_tags WHERE model_id = "
                                               "?1 AND key = ?2"));
    RETURN_IF_ERROR(del.Bind(1, model_id).Bind(2, key).Run());
    deleted = db.Changes() > 0;
    return OkStatus();
  }));
  return deleted;
}

Status SqliteTrackingStore::LogLoggedModelParams(std::string_view model_id,
                                                 const std::vector<Param>& params) {
  return Write([&](Connection& db) -> Status {
    RETURN_IF_ERROR(LoggedModelMustBeActive(db, model_id));
    return WriteKeyValues(db, kUpsertLoggedModelParam, model_id, params);
  });
}

StatusOr<Page<LoggedModel>> SqliteTrackingStore::SearchLoggedModels(const LoggedModelQuery& query) {
  ASSIGN_OR_RETURN(internal::SqlQuery sql,
                   internal::BuildLoggedModelSearch(internal::SqliteDialect(), query));
  Page<LoggedModel> page;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    {
      ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(sql.sql));
      q.BindAll(sql.params);
      RETURN_IF_ERROR(ReadPage(q, ReadLoggedModelRow, query.max_results, query.offset, page));
    }
    ASSIGN_OR_RETURN(page.items, FillLoggedModels(db, std::move(page.items)));
    return OkStatus();
  }));
  return page;
}

}  // namespace

StatusOr<std::unique_ptr<TrackingStore>> OpenSqliteTrackingStore(Database& db) {
  return std::unique_ptr<TrackingStore>(std::make_unique<SqliteTrackingStore>(db));
}

}  // namespace inet::store::sqlite
