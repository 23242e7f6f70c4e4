// The PostgreSQL adapter of TrackingStore (store/tracking_store.h): experiments, runs,
// metrics, params, tags, datasets and logged models on a postgres::Database.
#include "store/postgres/postgres_tracking_store.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/ids.h"
#include "store/internal/experiment_location.h"
#include "store/internal/sql_search.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_migrations.h"

namespace inet::store::postgres {
namespace {

constexpr std::string_view kRunColumns =
    "r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, "
    "r.artifact_uri, r.lifecycle_stage";
constexpr std::string_view kExperimentColumns =
    "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, "
    "e.last_update_time, e.team";
constexpr std::string_view kModelColumns =
    "m.model_id, m.experiment_id, m.name, m.artifact_location, m.creation_timestamp_ms, "
    "m.last_updated_timestamp_ms, m.status, m.status_message, m.lifecycle_stage, m.model_type, "
    "m.source_run_id, m.creator_id";

// Facts for tracking/ to word (tracking/messages.h); these texts only give context in logs.
std::string RunNotFound(std::string_view run_id) { return Cat({"no run ", run_id}); }
std::string ExperimentNotFound(std::string_view id) { return Cat({"no experiment ", id}); }
std::string ModelNotFound(std::string_view id) { return Cat({"no logged model ", id}); }

// Experiment ids are integers in the database; anything else names no experiment.
std::optional<int64_t> ParseExperimentId(std::string_view id) {
  int64_t v = 0;
  if (id.empty() || id.size() > 18) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  if (ec != std::errc() || end != id.data() + id.size() || v < 0) {
    return std::nullopt;
  }
  return v;
}

PgParam NullIfEmpty(const std::string& s) {
  if (s.empty()) {
    return std::nullopt;
  }
  return s;
}

PgParams ToPgParams(const std::vector<internal::SqlValue>& values) {
  PgParams out;
  out.reserve(values.size());
  for (const internal::SqlValue& v : values) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      out.emplace_back(*s);
    } else if (const auto* i = std::get_if<int64_t>(&v)) {
      out.emplace_back(PgInt(*i));
    } else {
      out.emplace_back(PgDouble(std::get<double>(v)));
    }
  }
  return out;
}

RunInfo RunInfoFromRow(const PgResult& res, int row) {
  RunInfo info;
  info.run_id = res.GetString(row, 0);
  info.experiment_id = res.GetString(row, 1);
  info.run_name = res.GetString(row, 2);
  info.user_id = res.GetString(row, 3);
  StatusOr<RunStatus> status = ParseRunStatus(res.GetString(row, 4));
  info.status = status.ok() ? *status : RunStatus::kRunning;
  info.start_time = res.GetInt64(row, 5);
  info.end_time = res.GetOptionalInt64(row, 6);
  info.artifact_uri = res.GetString(row, 7);
  info.lifecycle_stage =
      res.GetString(row, 8) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  return info;
}

Experiment ExperimentFromRow(const PgResult& res, int row) {
  Experiment e;
  e.experiment_id = res.GetString(row, 0);
  e.name = res.GetString(row, 1);
  e.artifact_location = res.GetString(row, 2);
  e.lifecycle_stage =
      res.GetString(row, 3) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  e.creation_time = res.GetInt64(row, 4);
  e.last_update_time = res.GetInt64(row, 5);
  e.team = res.GetString(row, 6);
  return e;
}

LoggedModel ModelFromRow(const PgResult& res, int row) {
  LoggedModel m;
  m.model_id = res.GetString(row, 0);
  m.experiment_id = res.GetString(row, 1);
  m.name = res.GetString(row, 2);
  m.artifact_uri = res.GetString(row, 3);
  m.creation_timestamp_ms = res.GetInt64(row, 4);
  m.last_updated_timestamp_ms = res.GetInt64(row, 5);
  StatusOr<LoggedModelStatus> status = ParseLoggedModelStatus(res.GetString(row, 6));
  m.status = status.ok() ? *status : LoggedModelStatus::kPending;
  m.status_message = res.GetString(row, 7);
  m.lifecycle_stage =
      res.GetString(row, 8) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  m.model_type = res.GetString(row, 9);
  m.source_run_id = res.GetString(row, 10);
  m.creator_id = res.GetString(row, 11);
  return m;
}

// Reads value/is_nan columns at `col`, `col + 1`. +-Inf reads back as +-DBL_MAX, as in
// MLflow's SQL store (and the SQLite adapter).
double MetricValue(const PgResult& res, int row, int col) {
  if (res.GetBool(row, col + 1)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double v = res.GetDouble(row, col);
  if (std::isinf(v)) {
    return v > 0 ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::max();
  }
  return v;
}

// Reads a metric from columns first.. of `res`: key, value, is_nan, timestamp, step, model_id,
// dataset_name, dataset_digest.
Metric MetricFromColumns(const PgResult& res, int row, int first) {
  Metric m;
  m.key = res.GetString(row, first);
  m.value = MetricValue(res, row, first + 1);
  m.timestamp = res.GetInt64(row, first + 3);
  m.step = res.GetInt64(row, first + 4);
  m.model_id = res.GetString(row, first + 5);
  m.dataset_name = res.GetString(row, first + 6);
  m.dataset_digest = res.GetString(row, first + 7);
  return m;
}

// The first max_results rows of a search's `res` as a page: the search asked for one more row,
// whose presence says that another page follows.
template <typename T, typename FromRow>
void FillPage(const PgResult& res, const FromRow& from_row, int64_t max_results, int64_t offset,
              Page<T>& page) {
  page.items.clear();
  int n = std::min<int64_t>(res.rows(), max_results);
  for (int i = 0; i < n; ++i) {
    page.items.push_back(from_row(res, i));
  }
  page.next_page_token =
      internal::NextPageToken(static_cast<size_t>(res.rows()), max_results, offset);
}

// Appends the (owner id, key, value) rows of `res` to each owner's `field`.
template <typename Owner>
void AppendKeyValues(const PgResult& res, std::unordered_map<std::string, Owner*>& by_id,
                     std::vector<Tag> Owner::*field) {
  for (int i = 0; i < res.rows(); ++i) {
    (by_id[res.GetString(i, 0)]->*field).push_back({res.GetString(i, 1), res.GetString(i, 2)});
  }
}

// Keys and values of tags, deduplicated so that the last occurrence of a key wins.
struct KeyValueArrays {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};
KeyValueArrays LastWins(const std::vector<Tag>& tags) {
  std::map<std::string, std::string> latest;
  for (const Tag& t : tags) {
    latest[t.key] = t.value;
  }
  KeyValueArrays out;
  for (auto& [k, v] : latest) {
    out.keys.push_back(k);
    out.values.push_back(v);
  }
  return out;
}

PgParam DeletedTime(const RunLifecycle& lifecycle) {
  return lifecycle.deleted_time ? PgParam(PgInt(*lifecycle.deleted_time)) : PgParam(std::nullopt);
}

class PostgresTrackingStore : public TrackingStore {
 public:
  explicit PostgresTrackingStore(Database& db) : db_(db) {}

  // --- Experiments -------------------------------------------------------------------------
  StatusOr<std::string> CreateExperiment(const Experiment& experiment) override {
    std::string id;
    RETURN_IF_ERROR(db_.Write("creating experiment", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult existing,
                       c.Exec("SELECT 1 FROM experiments WHERE team = $1::text AND name = $2::text",
                              {experiment.team, experiment.name}));
      if (existing.rows() > 0) return ExperimentExists(experiment.name);
      if (experiment.experiment_id.empty()) {
        ASSIGN_OR_RETURN(PgResult next, c.Exec("SELECT nextval('experiments_id_seq')"));
        id = next.GetString(0, 0);
      } else {
        std::optional<int64_t> given = ParseExperimentId(experiment.experiment_id);
        if (!given) return InvalidArgumentError("experiment id is not an integer");
        id = std::to_string(*given);
        ASSIGN_OR_RETURN(
            PgResult taken,
            c.Exec("SELECT 1 FROM experiments WHERE experiment_id = $1::bigint", {id}));
        if (taken.rows() > 0) return AlreadyExistsError(Cat({"experiment id ", id, " is taken"}));
      }
      std::string location =
          experiment.artifact_location.empty()
              ? internal::DefaultExperimentLocation(db_.artifact_root(), experiment.team, id)
              : experiment.artifact_location;
      int64_t created = experiment.creation_time != 0 ? experiment.creation_time : db_.Now();
      int64_t updated = experiment.last_update_time != 0 ? experiment.last_update_time : created;
      Status inserted =
          c.Exec(
               "INSERT INTO experiments (experiment_id, name, artifact_location, "
               "lifecycle_stage, creation_time, last_update_time, team) "
               "VALUES ($1::bigint, $2::text, $3::text, 'active', $4::bigint, "
               "$5::bigint, $6::text)",
               {id, experiment.name, location, PgInt(created), PgInt(updated), experiment.team})
              .status();
      if (inserted.code() == StatusCode::kAlreadyExists) return ExperimentExists(experiment.name);
      RETURN_IF_ERROR(inserted);
      return UpsertExperimentTags(c, id, experiment.tags);
    }));
    return id;
  }

  StatusOr<Experiment> GetExperiment(std::string_view experiment_id) override {
    std::optional<int64_t> id = ParseExperimentId(experiment_id);
    if (!id) {
      return NotFoundError(ExperimentNotFound(experiment_id));
    }
    Experiment out;
    RETURN_IF_ERROR(db_.Read("getting experiment", [&](PgConnection& c) -> Status {
      return LoadExperiment(c, "e.experiment_id = $1::bigint", {PgInt(*id)},
                            ExperimentNotFound(experiment_id), out);
    }));
    return out;
  }

  StatusOr<Experiment> GetExperimentByName(std::string_view team, std::string_view name) override {
    Experiment out;
    RETURN_IF_ERROR(db_.Read("getting experiment by name", [&](PgConnection& c) -> Status {
      return LoadExperiment(c, "e.team = $1::text AND e.name = $2::text",
                            {std::string(team), std::string(name)},
                            Cat({"no experiment named '", name, "'"}), out);
    }));
    return out;
  }

  StatusOr<std::map<std::string, std::string>> ExperimentTeams(
      const std::vector<std::string>& experiment_ids) override {
    std::vector<std::string> ids;
    for (const std::string& id : experiment_ids) {
      if (ParseExperimentId(id)) ids.push_back(id);
    }
    std::map<std::string, std::string> teams;
    if (ids.empty()) return teams;
    RETURN_IF_ERROR(db_.Read("finding the teams of experiments", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec("SELECT experiment_id, team FROM experiments WHERE "
                                            "experiment_id = ANY($1::bigint[])",
                                            {PgArray(ids)}));
      for (int i = 0; i < res.rows(); ++i) teams[res.GetString(i, 0)] = res.GetString(i, 1);
      return OkStatus();
    }));
    return teams;
  }

  StatusOr<std::map<std::string, std::string>> RunTeams(
      const std::vector<std::string>& run_ids) override {
    std::map<std::string, std::string> teams;
    if (run_ids.empty()) return teams;
    RETURN_IF_ERROR(db_.Read("finding the teams of runs", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec("SELECT r.run_uuid, e.team FROM runs r JOIN experiments e ON "
                              "e.experiment_id = r.experiment_id WHERE r.run_uuid = "
                              "ANY($1::text[])",
                              {PgArray(run_ids)}));
      for (int i = 0; i < res.rows(); ++i) teams[res.GetString(i, 0)] = res.GetString(i, 1);
      return OkStatus();
    }));
    return teams;
  }

  StatusOr<Page<Experiment>> SearchExperiments(const ExperimentQuery& query) override {
    ASSIGN_OR_RETURN(internal::SqlQuery sql, internal::BuildExperimentSearch(db_.dialect(), query));
    Page<Experiment> page;
    RETURN_IF_ERROR(db_.Read("searching experiments", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.ExecUnprepared(sql.sql, ToPgParams(sql.params)));
      FillPage(res, ExperimentFromRow, query.max_results, query.offset, page);
      return LoadExperimentTags(c, page.items);
    }));
    return page;
  }

  Status RenameExperiment(std::string_view experiment_id, std::string_view new_name) override {
    return db_.Write("renaming experiment", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveExperiment(c, experiment_id));
      ASSIGN_OR_RETURN(PgResult clash,
                       c.Exec("SELECT 1 FROM experiments WHERE name = $1::text AND "
                              "experiment_id <> $2::bigint AND team = (SELECT team FROM "
                              "experiments WHERE experiment_id = $2::bigint)",
                              {std::string(new_name), std::string(experiment_id)}));
      if (clash.rows() > 0) {
        return ExperimentExists(new_name);
      }
      Status s = c.Exec(
                      "UPDATE experiments SET name = $2::text, last_update_time = $3::bigint "
                      "WHERE experiment_id = $1::bigint",
                      {std::string(experiment_id), std::string(new_name), PgInt(db_.Now())})
                     .status();
      if (s.code() == StatusCode::kAlreadyExists) {
        return ExperimentExists(new_name);
      }
      return s;
    });
  }

  Status SetExperimentLifecycle(std::string_view experiment_id,
                                const ExperimentLifecycleChange& change) override {
    std::optional<int64_t> id = ParseExperimentId(experiment_id);
    if (!id) {
      return NotFoundError(Cat({"no experiment ", experiment_id}));
    }
    return db_.Write("changing experiment lifecycle", [&](PgConnection& c) -> Status {
      // A compare-and-set on the stage: concurrent callers queue on the row lock and re-check
      // the stage, so exactly one moves it.
      ASSIGN_OR_RETURN(
          PgResult moved,
          c.Exec("UPDATE experiments SET lifecycle_stage = $2::text, "
                 "last_update_time = $3::bigint WHERE experiment_id = $1::bigint "
                 "AND lifecycle_stage = $4::text",
                 {PgInt(*id), std::string(LifecycleStageName(change.to)),
                  PgInt(change.last_update_time), std::string(LifecycleStageName(change.from))}));
      if (moved.affected_rows() == 0) {
        ASSIGN_OR_RETURN(std::string stage, ExperimentStage(c, experiment_id));
        return FailedPreconditionError(Cat({"experiment ", experiment_id, " is ", stage}));
      }
      if (!change.runs) {
        return OkStatus();
      }
      return c
          .Exec(
              "UPDATE runs SET lifecycle_stage = $2::text, deleted_time = $3::bigint WHERE "
              "experiment_id = $1::bigint",
              {PgInt(*id), std::string(LifecycleStageName(change.runs->stage)),
               DeletedTime(*change.runs)})
          .status();
    });
  }

  Status SetExperimentTag(std::string_view experiment_id, const Tag& tag) override {
    return db_.Write("setting experiment tag", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveExperiment(c, experiment_id));
      return UpsertExperimentTags(c, std::string(experiment_id), {tag});
    });
  }

  StatusOr<bool> DeleteExperimentTag(std::string_view experiment_id,
                                     std::string_view key) override {
    bool deleted = false;
    RETURN_IF_ERROR(db_.Write("deleting experiment tag", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveExperiment(c, experiment_id));
      ASSIGN_OR_RETURN(PgResult res, c.Exec("DELETE FROM experiment_tags WHERE experiment_id = "
                                            "$1::bigint AND key = $2::text",
                                            {std::string(experiment_id), std::string(key)}));
      deleted = res.affected_rows() > 0;
      return OkStatus();
    }));
    return deleted;
  }

  // --- Runs --------------------------------------------------------------------------------
  Status CreateRun(const RunInfo& info, const std::vector<Tag>& tags) override {
    return db_.Write("creating run", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveExperiment(c, info.experiment_id));
      Status s = c.Exec(
                      "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, "
                      "start_time, end_time, artifact_uri, lifecycle_stage) VALUES ($1::text, "
                      "$2::bigint, $3::text, $4::text, $5::text, $6::bigint, $7::bigint, "
                      "$8::text, 'active')",
                      {info.run_id, info.experiment_id, info.run_name, info.user_id,
                       std::string(RunStatusName(info.status)), PgInt(info.start_time),
                       info.end_time ? PgParam(PgInt(*info.end_time)) : PgParam(std::nullopt),
                       info.artifact_uri})
                     .status();
      if (s.code() == StatusCode::kAlreadyExists) {
        return AlreadyExistsError(Cat({"run id ", info.run_id, " is taken"}));
      }
      RETURN_IF_ERROR(s);
      return UpsertRunTags(c, info.run_id, tags);
    });
  }

  StatusOr<Run> GetRun(std::string_view run_id) override {
    std::vector<Run> runs(1);
    RETURN_IF_ERROR(db_.Read("getting run", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec(Cat({"SELECT ", kRunColumns, " FROM runs r WHERE r.run_uuid = $1::text"}),
                 {std::string(run_id)}));
      if (res.rows() == 0) return NotFoundError(RunNotFound(run_id));
      runs[0] = Run{};
      runs[0].info = RunInfoFromRow(res, 0);
      return LoadRunData(c, runs);
    }));
    return std::move(runs[0]);
  }

  StatusOr<RunInfo> UpdateRun(std::string_view run_id, const RunUpdate& update) override {
    RunInfo info;
    RETURN_IF_ERROR(db_.Write("updating run", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveRun(c, run_id));
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec(Cat({"UPDATE runs r SET status = COALESCE($2::text, r.status), "
                      "end_time = COALESCE($3::bigint, r.end_time), "
                      "name = COALESCE($4::text, r.name) WHERE r.run_uuid = $1::text "
                      "RETURNING ",
                      kRunColumns}),
                 {std::string(run_id),
                  update.status ? PgParam(std::string(RunStatusName(*update.status)))
                                : PgParam(std::nullopt),
                  update.end_time ? PgParam(PgInt(*update.end_time)) : PgParam(std::nullopt),
                  update.run_name ? PgParam(*update.run_name) : PgParam(std::nullopt)}));
      if (res.rows() == 0) return NotFoundError(RunNotFound(run_id));
      info = RunInfoFromRow(res, 0);
      return UpsertRunTags(c, std::string(run_id), update.tags);
    }));
    return info;
  }

  Status SetRunLifecycle(std::string_view run_id, const RunLifecycle& lifecycle) override {
    return db_.Write("changing run lifecycle", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec("UPDATE runs SET lifecycle_stage = $2::text, "
                                            "deleted_time = $3::bigint WHERE run_uuid = $1::text",
                                            {std::string(run_id),
                                             std::string(LifecycleStageName(lifecycle.stage)),
                                             DeletedTime(lifecycle)}));
      if (res.affected_rows() == 0) {
        return NotFoundError(Cat({"no run ", run_id}));
      }
      return OkStatus();
    });
  }

  Status LogBatch(std::string_view run_id, const std::vector<Metric>& metrics,
                  const std::vector<Param>& params, const std::vector<Tag>& tags) override {
    // Array parameters, built once outside the (retryable) transaction.
    std::vector<PgParam> m_keys, m_values, m_nans, m_times, m_steps, m_models, m_dnames, m_digests;
    bool any_model_metric = false;
    for (const Metric& m : metrics) {
      bool nan = std::isnan(m.value);
      m_keys.emplace_back(m.key);
      m_values.emplace_back(nan ? "0" : PgDouble(m.value));
      m_nans.emplace_back(PgBool(nan));
      m_times.emplace_back(PgInt(m.timestamp));
      m_steps.emplace_back(PgInt(m.step));
      m_models.emplace_back(m.model_id);
      m_dnames.emplace_back(m.dataset_name);
      m_digests.emplace_back(m.dataset_digest);
      any_model_metric = any_model_metric || !m.model_id.empty();
    }
    std::vector<PgParam> p_keys, p_values;
    for (const Param& p : params) {
      p_keys.emplace_back(p.key);
      p_values.emplace_back(p.value);
    }
    const std::string id(run_id);
    return db_.Write("logging batch", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveRun(c, run_id));
      if (!params.empty()) {
        PgParams args = {id, PgArray(p_keys), PgArray(p_values)};
        RETURN_IF_ERROR(c.Exec("INSERT INTO params (run_uuid, key, value) "
                               "SELECT $1::text, k, v FROM unnest($2::text[], $3::text[]) "
                               "AS t(k, v) ON CONFLICT (run_uuid, key) DO NOTHING",
                               args)
                            .status());
        ASSIGN_OR_RETURN(PgResult conflict,
                         c.Exec("SELECT t.k, p.value, t.v FROM unnest($2::text[], $3::text[]) "
                                "WITH ORDINALITY AS t(k, v, n) JOIN params p ON p.run_uuid = "
                                "$1::text AND p.key = t.k WHERE p.value <> t.v ORDER BY t.n "
                                "LIMIT 1",
                                args));
        if (conflict.rows() > 0) {
          return AlreadyExistsError(
              Cat({"param '", conflict.GetString(0, 0), "' is stored with another value"}));
        }
      }
      if (!tags.empty()) {
        RETURN_IF_ERROR(UpsertRunTags(c, id, tags));
      }
      if (!metrics.empty()) {
        PgParams extra = {id,
                          PgArray(m_keys),
                          PgArray(m_values),
                          PgArray(m_nans),
                          PgArray(m_times),
                          PgArray(m_steps),
                          PgArray(m_models),
                          PgArray(m_dnames),
                          PgArray(m_digests)};
        RETURN_IF_ERROR(
            c.Exec("INSERT INTO metrics (run_uuid, key, value, is_nan, timestamp, step, "
                   "model_id, dataset_name, dataset_digest) "
                   "SELECT $1::text, k, v, n, ts, s, NULLIF(mid, ''), NULLIF(dn, ''), "
                   "NULLIF(dd, '') FROM unnest($2::text[], $3::float8[], $4::bool[], "
                   "$5::int8[], $6::int8[], $7::text[], $8::text[], $9::text[]) "
                   "AS t(k, v, n, ts, s, mid, dn, dd) ON CONFLICT DO NOTHING",
                   extra)
                .status());
        // Latest value per key: max by (step, timestamp, value), set-based.
        // Latest point per key, max by (step, timestamp, is_nan, value): the batch's best
        // point per key replaces the stored one only when it ranks higher. Set-based.
        RETURN_IF_ERROR(
            c.Exec("INSERT INTO latest_metrics (run_uuid, key, value, is_nan, timestamp, step, "
                   "model_id, dataset_name, dataset_digest, experiment_id) "
                   "SELECT DISTINCT ON (k) $1::text, k, v, n, ts, s, NULLIF(mid, ''), "
                   "NULLIF(dn, ''), NULLIF(dd, ''), (SELECT experiment_id FROM runs WHERE "
                   "run_uuid = $1::text) FROM unnest($2::text[], $3::float8[], "
                   "$4::bool[], $5::int8[], $6::int8[], $7::text[], $8::text[], $9::text[]) "
                   "AS t(k, v, n, ts, s, mid, dn, dd) "
                   "ORDER BY k, s DESC, ts DESC, n DESC, v DESC "
                   "ON CONFLICT (run_uuid, key) DO UPDATE SET value = EXCLUDED.value, "
                   "is_nan = EXCLUDED.is_nan, timestamp = EXCLUDED.timestamp, "
                   "step = EXCLUDED.step, model_id = EXCLUDED.model_id, "
                   "dataset_name = EXCLUDED.dataset_name, dataset_digest = "
                   "EXCLUDED.dataset_digest WHERE (EXCLUDED.step, EXCLUDED.timestamp, "
                   "EXCLUDED.is_nan, EXCLUDED.value) > (latest_metrics.step, "
                   "latest_metrics.timestamp, latest_metrics.is_nan, latest_metrics.value)",
                   extra)
                .status());
        if (any_model_metric) {
          RETURN_IF_ERROR(
              c.Exec("INSERT INTO logged_model_metrics (model_id, key, value, is_nan, "
                     "timestamp, step, run_uuid, dataset_name, dataset_digest) "
                     "SELECT mid, k, v, n, ts, s, $1::text, dn, dd FROM unnest($2::text[], "
                     "$3::float8[], $4::bool[], $5::int8[], $6::int8[], $7::text[], "
                     "$8::text[], $9::text[]) AS t(k, v, n, ts, s, mid, dn, dd) "
                     "WHERE mid <> '' ON CONFLICT DO NOTHING",
                     extra)
                  .status());
        }
      }
      return OkStatus();
    });
  }

  StatusOr<bool> DeleteRunTag(std::string_view run_id, std::string_view key) override {
    bool deleted = false;
    RETURN_IF_ERROR(db_.Write("deleting run tag", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveRun(c, run_id));
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec("DELETE FROM tags WHERE run_uuid = $1::text AND key = $2::text",
                              {std::string(run_id), std::string(key)}));
      deleted = res.affected_rows() > 0;
      return OkStatus();
    }));
    return deleted;
  }

  Status LogInputs(std::string_view run_id, const std::vector<DatasetInput>& datasets,
                   const std::vector<ModelInput>& models) override {
    return db_.Write("logging inputs", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveRun(c, run_id));
      const std::string id(run_id);
      for (const DatasetInput& input : datasets) {
        const Dataset& d = input.dataset;
        RETURN_IF_ERROR(
            c.Exec("INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, "
                   "source_type, source, schema, profile) SELECT $1::text, r.experiment_id, "
                   "$3::text, $4::text, $5::text, $6::text, $7::text, $8::text FROM runs r "
                   "WHERE r.run_uuid = $2::text ON CONFLICT (experiment_id, name, digest) "
                   "DO NOTHING",
                   {RandomHex(16), id, d.name, d.digest, d.source_type, d.source,
                    NullIfEmpty(d.schema), NullIfEmpty(d.profile)})
                .status());
        ASSIGN_OR_RETURN(
            PgResult input_row,
            c.Exec("INSERT INTO inputs (input_uuid, dataset_uuid, run_uuid) SELECT $1::text, "
                   "d.dataset_uuid, $2::text FROM datasets d JOIN runs r ON r.experiment_id = "
                   "d.experiment_id WHERE r.run_uuid = $2::text AND d.name = $3::text AND "
                   "d.digest = $4::text ON CONFLICT (run_uuid, dataset_uuid) DO NOTHING "
                   "RETURNING input_uuid",
                   {RandomHex(16), id, d.name, d.digest}));
        // Already an input of this run: its tags stay as first logged.
        if (input_row.rows() == 0) {
          continue;
        }
        RETURN_IF_ERROR(UpsertKeyValues(c, "input_tags", "input_uuid", "text", "name",
                                        input_row.GetString(0, 0), input.tags));
      }
      if (!models.empty()) {
        std::vector<std::string> ids;
        ids.reserve(models.size());
        for (const ModelInput& m : models) {
          ids.push_back(m.model_id);
        }
        RETURN_IF_ERROR(c.Exec("INSERT INTO model_inputs (run_uuid, model_id) SELECT $1::text, "
                               "m FROM unnest($2::text[]) AS t(m) ON CONFLICT DO NOTHING",
                               {id, PgArray(ids)})
                            .status());
      }
      return OkStatus();
    });
  }

  Status LogOutputs(std::string_view run_id, const std::vector<ModelOutput>& models) override {
    return db_.Write("logging outputs", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveRun(c, run_id));
      if (models.empty()) {
        return OkStatus();
      }
      std::map<std::string, int64_t> last;
      for (const ModelOutput& m : models) {
        last[m.model_id] = m.step;
      }
      std::vector<std::string> ids, steps;
      for (auto& [model, step] : last) {
        ids.push_back(model);
        steps.push_back(PgInt(step));
      }
      return c
          .Exec(
              "INSERT INTO model_outputs (run_uuid, model_id, step) SELECT $1::text, m, s "
              "FROM unnest($2::text[], $3::int8[]) AS t(m, s) ON CONFLICT (run_uuid, "
              "model_id) DO UPDATE SET step = EXCLUDED.step",
              {std::string(run_id), PgArray(ids), PgArray(steps)})
          .status();
    });
  }

  StatusOr<Page<Run>> SearchRuns(const RunQuery& query) override {
    ASSIGN_OR_RETURN(internal::SqlQuery sql, internal::BuildRunSearch(db_.dialect(), query));
    Page<Run> page;
    RETURN_IF_ERROR(db_.Read("searching runs", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.ExecUnprepared(sql.sql, ToPgParams(sql.params)));
      auto run_from_row = [](const PgResult& rows, int i) {
        Run run;
        run.info = RunInfoFromRow(rows, i);
        return run;
      };
      FillPage(res, run_from_row, query.max_results, query.offset, page);
      return LoadRunData(c, page.items);
    }));
    return page;
  }

  StatusOr<Page<Metric>> GetMetricHistory(std::string_view run_id, std::string_view key,
                                          int64_t max_results, int64_t offset) override {
    Page<Metric> page;
    RETURN_IF_ERROR(db_.Read("getting metric history", [&](PgConnection& c) -> Status {
      page.items.clear();
      ASSIGN_OR_RETURN(PgResult run, c.Exec("SELECT 1 FROM runs WHERE run_uuid = $1::text",
                                            {std::string(run_id)}));
      if (run.rows() == 0) return NotFoundError(RunNotFound(run_id));
      bool paged = max_results > 0;
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec("SELECT key, value, is_nan, timestamp, step, model_id, dataset_name, "
                 "dataset_digest FROM metrics WHERE run_uuid = $1::text AND key = $2::text "
                 "ORDER BY timestamp, step, is_nan, value LIMIT $3::bigint OFFSET $4::bigint",
                 {std::string(run_id), std::string(key),
                  paged ? PgParam(PgInt(max_results + 1)) : PgParam(std::nullopt),
                  PgInt(paged ? offset : 0)}));
      int n = paged ? std::min<int64_t>(res.rows(), max_results) : res.rows();
      page.items.reserve(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        Metric m = MetricFromColumns(res, i, 0);
        m.run_id = std::string(run_id);
        page.items.push_back(std::move(m));
      }
      page.next_page_token =
          paged ? internal::NextPageToken(static_cast<size_t>(res.rows()), max_results, offset)
                : "";
      return OkStatus();
    }));
    return page;
  }

  StatusOr<std::vector<Metric>> GetMetricHistoryBulkInterval(
      const std::vector<std::string>& run_ids, std::string_view key,
      std::optional<int64_t> start_step, std::optional<int64_t> end_step,
      const MetricPointSelector& select) override {
    const bool ranged = start_step && end_step;
    const std::string lo = PgInt(ranged ? *start_step : std::numeric_limits<int64_t>::min());
    const std::string hi = PgInt(ranged ? *end_step : std::numeric_limits<int64_t>::max());
    std::vector<Metric> out;
    RETURN_IF_ERROR(db_.Read("getting metric history", [&](PgConnection& c) -> Status {
      out.clear();
      for (const std::string& run_id : run_ids) {
        ASSIGN_OR_RETURN(PgResult count,
                         c.Exec("SELECT COUNT(*) FROM metrics WHERE run_uuid = $1::text AND "
                                "key = $2::text AND step BETWEEN $3::bigint AND $4::bigint",
                                {run_id, std::string(key), lo, hi}));
        const auto total = static_cast<size_t>(count.GetInt64(0, 0));
        const std::vector<size_t> wanted = select(total);
        if (wanted.empty()) continue;
        std::vector<std::string> indexes;
        indexes.reserve(wanted.size());
        for (size_t i : wanted) indexes.push_back(std::to_string(i));
        // The database numbers the ordered points and sends only the wanted ones.
        ASSIGN_OR_RETURN(
            PgResult res,
            c.Exec("SELECT key, value, is_nan, timestamp, step, model_id, dataset_name, "
                   "dataset_digest FROM (SELECT key, value, is_nan, timestamp, step, model_id, "
                   "dataset_name, dataset_digest, row_number() OVER (ORDER BY step, timestamp, "
                   "value, is_nan) - 1 AS i FROM metrics WHERE run_uuid = $1::text AND key = "
                   "$2::text AND step BETWEEN $3::bigint AND $4::bigint) points WHERE i = "
                   "ANY($5::bigint[]) ORDER BY i",
                   {run_id, std::string(key), lo, hi, PgArray(indexes)}));
        for (int i = 0; i < res.rows(); ++i) {
          Metric m = MetricFromColumns(res, i, 0);
          m.run_id = run_id;
          out.push_back(std::move(m));
        }
      }
      return OkStatus();
    }));
    return out;
  }

  // --- Logged models -------------------------------------------------------------------------
  Status CreateLoggedModel(const LoggedModel& model) override {
    return db_.Write("creating logged model", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveExperiment(c, model.experiment_id));
      int64_t created = model.creation_timestamp_ms != 0 ? model.creation_timestamp_ms : db_.Now();
      int64_t updated =
          model.last_updated_timestamp_ms != 0 ? model.last_updated_timestamp_ms : created;
      Status s =
          c.Exec(
               "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, "
               "creation_timestamp_ms, last_updated_timestamp_ms, status, status_message, "
               "lifecycle_stage, model_type, source_run_id, creator_id) VALUES ($1::text, "
               "$2::bigint, $3::text, $4::text, $5::bigint, $6::bigint, $7::text, $8::text, "
               "'active', $9::text, $10::text, $11::text)",
               {model.model_id, model.experiment_id, model.name, model.artifact_uri, PgInt(created),
                PgInt(updated), std::string(LoggedModelStatusName(LoggedModelStatus::kPending)),
                model.status_message, model.model_type, model.source_run_id, model.creator_id})
              .status();
      if (s.code() == StatusCode::kAlreadyExists) {
        return AlreadyExistsError(Cat({"model id ", model.model_id, " is taken"}));
      }
      RETURN_IF_ERROR(s);
      RETURN_IF_ERROR(UpsertModelTags(c, model.model_id, model.tags));
      return InsertModelParams(c, model.model_id, model.params);
    });
  }

  StatusOr<LoggedModel> GetLoggedModel(std::string_view model_id, bool allow_deleted) override {
    std::vector<LoggedModel> models(1);
    RETURN_IF_ERROR(db_.Read("getting logged model", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec(Cat({"SELECT ", kModelColumns,
                                   " FROM logged_models m WHERE m.model_id = $1::text"}),
                              {std::string(model_id)}));
      if (res.rows() == 0) return NotFoundError(ModelNotFound(model_id));
      models[0] = ModelFromRow(res, 0);
      if (!allow_deleted && models[0].lifecycle_stage != LifecycleStage::kActive) {
        return NotFoundError(ModelNotFound(model_id));
      }
      return LoadModelData(c, models);
    }));
    return std::move(models[0]);
  }

  StatusOr<LoggedModel> FinalizeLoggedModel(std::string_view model_id,
                                            LoggedModelStatus status) override {
    std::vector<LoggedModel> models(1);
    RETURN_IF_ERROR(db_.Write("finalizing logged model", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(
          PgResult res,
          c.Exec(Cat({"UPDATE logged_models m SET status = $2::text, "
                      "last_updated_timestamp_ms = $3::bigint WHERE m.model_id = $1::text AND "
                      "m.lifecycle_stage = 'active' RETURNING ",
                      kModelColumns}),
                 {std::string(model_id), std::string(LoggedModelStatusName(status)),
                  PgInt(db_.Now())}));
      if (res.rows() == 0) return NotFoundError(ModelNotFound(model_id));
      models[0] = ModelFromRow(res, 0);
      return LoadModelData(c, models);
    }));
    return std::move(models[0]);
  }

  Status DeleteLoggedModel(std::string_view model_id) override {
    return db_.Write("deleting logged model", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res,
                       c.Exec("UPDATE logged_models SET lifecycle_stage = 'deleted', "
                              "last_updated_timestamp_ms = $2::bigint WHERE model_id = $1::text "
                              "AND lifecycle_stage = 'active'",
                              {std::string(model_id), PgInt(db_.Now())}));
      if (res.affected_rows() == 0) {
        return NotFoundError(ModelNotFound(model_id));
      }
      return OkStatus();
    });
  }

  Status SetLoggedModelTags(std::string_view model_id, const std::vector<Tag>& tags) override {
    return db_.Write("setting logged model tags", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveModel(c, model_id));
      return UpsertModelTags(c, std::string(model_id), tags);
    });
  }

  StatusOr<bool> DeleteLoggedModelTag(std::string_view model_id, std::string_view key) override {
    bool deleted = false;
    RETURN_IF_ERROR(db_.Write("deleting logged model tag", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveModel(c, model_id));
      ASSIGN_OR_RETURN(PgResult res, c.Exec("DELETE FROM logged_model_tags WHERE model_id = "
                                            "$1::text AND key = $2::text",
                                            {std::string(model_id), std::string(key)}));
      deleted = res.affected_rows() > 0;
      return OkStatus();
    }));
    return deleted;
  }

  Status LogLoggedModelParams(std::string_view model_id,
                              const std::vector<Param>& params) override {
    return db_.Write("logging logged model params", [&](PgConnection& c) -> Status {
      RETURN_IF_ERROR(RequireActiveModel(c, model_id));
      return InsertModelParams(c, std::string(model_id), params);
    });
  }

  StatusOr<Page<LoggedModel>> SearchLoggedModels(const LoggedModelQuery& query) override {
    ASSIGN_OR_RETURN(internal::SqlQuery sql,
                     internal::BuildLoggedModelSearch(db_.dialect(), query));
    Page<LoggedModel> page;
    RETURN_IF_ERROR(db_.Read("searching logged models", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.ExecUnprepared(sql.sql, ToPgParams(sql.params)));
      FillPage(res, ModelFromRow, query.max_results, query.offset, page);
      return LoadModelData(c, page.items);
    }));
    return page;
  }

 private:
  static Status ExperimentExists(std::string_view name) {
    return AlreadyExistsError(Cat({"experiment name '", name, "' is taken"}));
  }

  // kNotFound / kFailedPrecondition unless the experiment exists and is active.
  Status RequireActiveExperiment(PgConnection& c, std::string_view experiment_id) {
    ASSIGN_OR_RETURN(std::string stage, ExperimentStage(c, experiment_id));
    if (stage != "active") {
      return FailedPreconditionError(Cat({"experiment ", experiment_id, " is ", stage}));
    }
    return OkStatus();
  }

  // The lifecycle stage of an experiment; kNotFound when it does not exist.
  StatusOr<std::string> ExperimentStage(PgConnection& c, std::string_view experiment_id) {
    std::optional<int64_t> id = ParseExperimentId(experiment_id);
    if (!id) {
      return NotFoundError(ExperimentNotFound(experiment_id));
    }
    ASSIGN_OR_RETURN(PgResult res,
                     c.Exec("SELECT lifecycle_stage FROM experiments WHERE experiment_id = "
                            "$1::bigint",
                            {PgInt(*id)}));
    if (res.rows() == 0) {
      return NotFoundError(ExperimentNotFound(experiment_id));
    }
    return res.GetString(0, 0);
  }

  Status RequireActiveRun(PgConnection& c, std::string_view run_id) {
    ASSIGN_OR_RETURN(PgResult res, c.Exec("SELECT lifecycle_stage FROM runs WHERE run_uuid = "
                                          "$1::text",
                                          {std::string(run_id)}));
    if (res.rows() == 0) {
      return NotFoundError(RunNotFound(run_id));
    }
    std::string stage = res.GetString(0, 0);
    if (stage != "active") {
      return FailedPreconditionError(Cat({"run ", run_id, " is ", stage}));
    }
    return OkStatus();
  }

  // kNotFound unless the model exists and is active.
  Status RequireActiveModel(PgConnection& c, std::string_view model_id) {
    ASSIGN_OR_RETURN(PgResult res, c.Exec("SELECT 1 FROM logged_models WHERE model_id = $1::text "
                                          "AND lifecycle_stage = 'active'",
                                          {std::string(model_id)}));
    if (res.rows() == 0) {
      return NotFoundError(ModelNotFound(model_id));
    }
    return OkStatus();
  }

  // Upserts (owner, key, value) rows into `table` (columns `owner_column`, `key_column`,
  // value; owner cast to `owner_type`); the last value of a key wins.
  static Status UpsertKeyValues(PgConnection& c, std::string_view table,
                                std::string_view owner_column, std::string_view owner_type,
                                std::string_view key_column, const std::string& owner,
                                const std::vector<Tag>& rows) {
    if (rows.empty()) {
      return OkStatus();
    }
    KeyValueArrays kv = LastWins(rows);
    return c
        .Exec(Cat({"INSERT INTO ", table, " (", owner_column, ", ", key_column,
                   ", value) SELECT $1::", owner_type,
                   ", k, v FROM unnest($2::text[], $3::text[]) AS t(k, v) ON CONFLICT (",
                   owner_column, ", ", key_column, ") DO UPDATE SET value = EXCLUDED.value"}),
              {owner, PgArray(kv.keys), PgArray(kv.values)})
        .status();
  }

  Status UpsertExperimentTags(PgConnection& c, const std::string& experiment_id,
                              const std::vector<Tag>& tags) {
    return UpsertKeyValues(c, "experiment_tags", "experiment_id", "bigint", "key", experiment_id,
                           tags);
  }

  // Upserts run tags (last occurrence of a key wins).
  Status UpsertRunTags(PgConnection& c, const std::string& run_id, const std::vector<Tag>& tags) {
    if (tags.empty()) {
      return OkStatus();
    }
    return UpsertKeyValues(c, "tags", "run_uuid", "text", "key", run_id, tags);
  }

  Status UpsertModelTags(PgConnection& c, const std::string& model_id,
                         const std::vector<Tag>& tags) {
    return UpsertKeyValues(c, "logged_model_tags", "model_id", "text", "key", model_id, tags);
  }

  // Upserts model params; the last value of a key wins.
  Status InsertModelParams(PgConnection& c, const std::string& model_id,
                           const std::vector<Param>& params) {
    return UpsertKeyValues(c, "logged_model_params", "model_id", "text", "key", model_id, params);
  }

  Status LoadExperiment(PgConnection& c, std::string_view where, PgParams values,
                        const std::string& not_found, Experiment& out) {
    ASSIGN_OR_RETURN(
        PgResult res,
        c.Exec(Cat({"SELECT ", kExperimentColumns, " FROM experiments e WHERE ", where}),
               std::move(values)));
    if (res.rows() == 0) {
      return NotFoundError(not_found);
    }
    std::vector<Experiment> one = {ExperimentFromRow(res, 0)};
    RETURN_IF_ERROR(LoadExperimentTags(c, one));
    out = std::move(one[0]);
    return OkStatus();
  }

  Status LoadExperimentTags(PgConnection& c, std::vector<Experiment>& experiments) {
    if (experiments.empty()) {
      return OkStatus();
    }
    std::vector<std::string> ids;
    std::unordered_map<std::string, Experiment*> by_id;
    for (Experiment& e : experiments) {
      e.tags.clear();
      ids.push_back(e.experiment_id);
      by_id[e.experiment_id] = &e;
    }
    ASSIGN_OR_RETURN(PgResult res, c.Exec("SELECT experiment_id, key, value FROM experiment_tags "
                                          "WHERE experiment_id = ANY($1::bigint[]) ORDER BY "
                                          "experiment_id, key",
                                          {PgArray(ids)}));
    AppendKeyValues(res, by_id, &Experiment::tags);
    return OkStatus();
  }

  // Fills metrics, params, tags, inputs and outputs of `runs` (info already set), with one
  // query per table for the whole page.
  Status LoadRunData(PgConnection& c, std::vector<Run>& runs) {
    if (runs.empty()) {
      return OkStatus();
    }
    std::vector<std::string> ids;
    std::unordered_map<std::string, Run*> by_id;
    for (Run& r : runs) {
      ids.push_back(r.info.run_id);
      by_id[r.info.run_id] = &r;
    }
    PgParams args = {PgArray(ids)};
    ASSIGN_OR_RETURN(PgResult metrics,
                     c.Exec("SELECT run_uuid, key, value, is_nan, timestamp, step, model_id, "
                            "dataset_name, dataset_digest FROM latest_metrics WHERE run_uuid = "
                            "ANY($1::text[]) ORDER BY run_uuid, key",
                            args));
    for (int i = 0; i < metrics.rows(); ++i) {
      Metric m = MetricFromColumns(metrics, i, 1);
      m.run_id = metrics.GetString(i, 0);
      by_id[m.run_id]->latest_metrics.push_back(std::move(m));
    }
    ASSIGN_OR_RETURN(PgResult params, c.Exec("SELECT run_uuid, key, value FROM params WHERE "
                                             "run_uuid = ANY($1::text[]) ORDER BY run_uuid, key",
                                             args));
    AppendKeyValues(params, by_id, &Run::params);
    ASSIGN_OR_RETURN(PgResult tags, c.Exec("SELECT run_uuid, key, value FROM tags WHERE "
                                           "run_uuid = ANY($1::text[]) ORDER BY run_uuid, key",
                                           args));
    AppendKeyValues(tags, by_id, &Run::tags);
    ASSIGN_OR_RETURN(
        PgResult inputs,
        c.Exec("SELECT i.run_uuid, i.input_uuid, d.name, d.digest, d.source_type, d.source, "
               "d.schema, d.profile, t.name, t.value FROM inputs i JOIN datasets d ON "
               "d.dataset_uuid = i.dataset_uuid LEFT JOIN input_tags t ON t.input_uuid = "
               "i.input_uuid WHERE i.run_uuid = ANY($1::text[]) ORDER BY i.run_uuid, i.seq, "
               "t.name",
               args));
    std::string last_input;
    for (int i = 0; i < inputs.rows(); ++i) {
      Run* run = by_id[inputs.GetString(i, 0)];
      std::string input_uuid = inputs.GetString(i, 1);
      if (input_uuid != last_input || run->dataset_inputs.empty()) {
        DatasetInput in;
        in.dataset =
            Dataset{inputs.GetString(i, 2), inputs.GetString(i, 3), inputs.GetString(i, 4),
                    inputs.GetString(i, 5), inputs.GetString(i, 6), inputs.GetString(i, 7)};
        run->dataset_inputs.push_back(std::move(in));
        last_input = input_uuid;
      }
      if (!inputs.IsNull(i, 8)) {
        run->dataset_inputs.back().tags.push_back({inputs.GetString(i, 8), inputs.GetString(i, 9)});
      }
    }
    ASSIGN_OR_RETURN(PgResult model_inputs,
                     c.Exec("SELECT run_uuid, model_id FROM model_inputs WHERE run_uuid = "
                            "ANY($1::text[]) ORDER BY run_uuid, model_id",
                            args));
    for (int i = 0; i < model_inputs.rows(); ++i) {
      by_id[model_inputs.GetString(i, 0)]->model_inputs.push_back({model_inputs.GetString(i, 1)});
    }
    ASSIGN_OR_RETURN(PgResult outputs,
                     c.Exec("SELECT run_uuid, model_id, step FROM model_outputs WHERE run_uuid = "
                            "ANY($1::text[]) ORDER BY run_uuid, step, model_id",
                            args));
    for (int i = 0; i < outputs.rows(); ++i) {
      by_id[outputs.GetString(i, 0)]->model_outputs.push_back(
          {outputs.GetString(i, 1), outputs.GetInt64(i, 2)});
    }
    return OkStatus();
  }

  // Fills tags, params and metrics of `models`, one query per table for the whole page.
  Status LoadModelData(PgConnection& c, std::vector<LoggedModel>& models) {
    if (models.empty()) {
      return OkStatus();
    }
    std::vector<std::string> ids;
    std::unordered_map<std::string, LoggedModel*> by_id;
    for (LoggedModel& m : models) {
      m.tags.clear();
      m.params.clear();
      m.metrics.clear();
      ids.push_back(m.model_id);
      by_id[m.model_id] = &m;
    }
    PgParams args = {PgArray(ids)};
    ASSIGN_OR_RETURN(PgResult tags, c.Exec("SELECT model_id, key, value FROM logged_model_tags "
                                           "WHERE model_id = ANY($1::text[]) ORDER BY model_id, "
                                           "key",
                                           args));
    AppendKeyValues(tags, by_id, &LoggedModel::tags);
    ASSIGN_OR_RETURN(PgResult params,
                     c.Exec("SELECT model_id, key, value FROM logged_model_params WHERE "
                            "model_id = ANY($1::text[]) ORDER BY model_id, key",
                            args));
    AppendKeyValues(params, by_id, &LoggedModel::params);
    ASSIGN_OR_RETURN(
        PgResult metrics,
        c.Exec("SELECT model_id, key, value, is_nan, timestamp, step, run_uuid, dataset_name, "
               "dataset_digest FROM logged_model_metrics WHERE model_id = ANY($1::text[]) "
               "ORDER BY model_id, key, timestamp, step",
               args));
    for (int i = 0; i < metrics.rows(); ++i) {
      Metric m = MetricFromColumns(metrics, i, 1);
      m.run_id = std::move(m.model_id);  // column 6 here is the run that logged the point
      m.model_id = metrics.GetString(i, 0);
      by_id[m.model_id]->metrics.push_back(std::move(m));
    }
    return OkStatus();
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<TrackingStore> NewPostgresTrackingStore(Database& db) {
  return std::make_unique<PostgresTrackingStore>(db);
}

}  // namespace inet::store::postgres
