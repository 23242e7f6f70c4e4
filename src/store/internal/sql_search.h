// Translation of parsed MLflow searches (search/search.h) into parameterised SQL over the
// metadata stores' shared relational schema, so the SQLite and PostgreSQL adapters share one
// implementation of the search semantics and differ only in a small Dialect.
//
// Values are never spliced into SQL text: every literal becomes a numbered placeholder ("?N"
// in SQLite, "$N" in PostgreSQL) collected in SqlParams. Numbered placeholders make the
// textual order of fragments irrelevant, so callers may build joins, WHERE and ORDER BY in any
// order and splice in their own fragments through the same SqlParams.
//
// Shared schema assumed here (see docs/design/store.md for the full DDL):
//   runs r(run_uuid, experiment_id INTEGER, name, user_id, status TEXT ("RUNNING"...),
//          start_time, end_time NULL, artifact_uri, lifecycle_stage TEXT ("active"/"deleted"))
//   latest_metrics(run_uuid, key, value, timestamp, step, is_nan)
//   params(run_uuid, key, value), tags(run_uuid, key, value)
//   datasets(dataset_uuid, experiment_id, name, digest, ...),
//   inputs(input_uuid, dataset_uuid, run_uuid), input_tags(input_uuid, name, value)
//   experiments e(experiment_id INTEGER, name, artifact_location, lifecycle_stage,
//                 creation_time, last_update_time), experiment_tags(experiment_id, key, value)
//   logged_models m(model_id, experiment_id INTEGER, name, artifact_location,
//                   creation_timestamp_ms, last_updated_timestamp_ms, status TEXT
//                   ("LOGGED_MODEL_READY"...), status_message, lifecycle_stage, model_type,
//                   source_run_id, creator_id)
//   logged_model_tags(model_id, key, value), logged_model_params(model_id, key, value),
//   logged_model_metrics(model_id, key, value, is_nan, timestamp, step, run_uuid,
//                        dataset_name, dataset_digest)
// NaN metric values are stored as 0 with is_nan = true; they never satisfy a numeric
// comparison and sort after every number (before missing values) in both directions.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"
#include "search/search.h"
#include "store/metadata_store.h"

namespace inet::store::internal {

// What differs between the SQL engines for search queries.
struct Dialect {
  // Placeholder prefix; the 1-based parameter index follows it: "?" -> "?1", "$" -> "$1".
  std::string placeholder_prefix = "?";
  // When true, ILIKE is emitted natively; otherwise as LOWER(x) LIKE LOWER(p). LIKE itself
  // must be case-sensitive on the connection (SQLite: PRAGMA case_sensitive_like = ON).
  bool native_ilike = false;
  // Appended to string expressions in ORDER BY so strings sort byte-wise (e.g. ` COLLATE "C"`).
  std::string byte_order_collation;
  // Literals compared with the is_nan columns.
  std::string true_literal = "1";
  std::string false_literal = "0";
  // Appended to placeholders by bound type, for engines that need explicit parameter types
  // (e.g. "::text", "::bigint", "::float8"). Empty for SQLite.
  std::string text_cast;
  std::string int_cast;
  std::string float_cast;
};

Dialect SqliteDialect();
Dialect PostgresDialect();

// A bound SQL value. Adapters bind by alternative: text, 64-bit integer or double.
using SqlValue = std::variant<std::string, int64_t, double>;

// Collects bound values and renders their numbered placeholders. Not thread-safe.
class SqlParams {
 public:
  explicit SqlParams(Dialect dialect) : dialect_(std::move(dialect)) {}

  // Appends `value` and returns its placeholder (with the dialect's cast), e.g. "?3".
  std::string Add(SqlValue value);
  // "(p1, p2, ...)" for a non-empty list of strings; callers handle the empty list.
  std::string AddList(const std::vector<std::string>& values);

  const Dialect& dialect() const { return dialect_; }
  const std::vector<SqlValue>& values() const { return values_; }

 private:
  Dialect dialect_;
  std::vector<SqlValue> values_;
};

// A complete statement with its bound values, in placeholder order.
struct SqlQuery {
  std::string sql;
  std::vector<SqlValue> params;
};

// ORDER BY support: extra LEFT JOINs the sort keys need, and the comma-separated sort list
// (without the "ORDER BY" keyword) including the default tiebreak.
struct SqlOrder {
  std::string joins;
  std::string order_by;
};

// --- Building blocks ----------------------------------------------------------------------
// Each returns a boolean SQL expression ("1=1" for an empty filter) over the alias named in
// the schema above. kInvalidArgument for a clause the target does not support (the parser
// normally rejects those first).
StatusOr<std::string> RunFilterSql(const search::Filter& filter, SqlParams& params);
StatusOr<SqlOrder> RunOrderSql(const std::vector<search::OrderBy>& order_by, SqlParams& params);

StatusOr<std::string> ExperimentFilterSql(const search::Filter& filter, SqlParams& params);
StatusOr<SqlOrder> ExperimentOrderSql(const std::vector<search::OrderBy>& order_by,
                                      SqlParams& params);

// Metric clauses match logged_model_metrics rows of the key, restricted to `datasets` when
// that list is non-empty; with datasets but no metric clause, only models with some metric on
// one of the datasets match (MLflow's rule).
StatusOr<std::string> LoggedModelFilterSql(
    const search::Filter& filter, const std::vector<std::pair<std::string, std::string>>& datasets,
    SqlParams& params);
StatusOr<SqlOrder> LoggedModelOrderSql(const std::vector<LoggedModelOrder>& order_by,
                                       SqlParams& params);

// --- Complete page queries ----------------------------------------------------------------
// SELECT of one page plus one extra row (LIMIT max_results + 1 OFFSET offset), so the caller
// knows whether a next page exists. Column order:
//   runs:        run_uuid, experiment_id, name, user_id, status, start_time, end_time,
//                artifact_uri, lifecycle_stage
//   experiments: experiment_id, name, artifact_location, lifecycle_stage, creation_time,
//                last_update_time
//   models:      model_id, experiment_id, name, artifact_location, creation_timestamp_ms,
//                last_updated_timestamp_ms, status, status_message, lifecycle_stage,
//                model_type, source_run_id, creator_id
// Experiment ids that are not integers cannot match and are dropped.
StatusOr<SqlQuery> BuildRunSearch(const Dialect& dialect, const RunQuery& query);
StatusOr<SqlQuery> BuildExperimentSearch(const Dialect& dialect, const ExperimentQuery& query);
StatusOr<SqlQuery> BuildLoggedModelSearch(const Dialect& dialect, const LoggedModelQuery& query);

// The next page token for a page fetched with one extra row: empty when `fetched` rows do not
// exceed `max_results` (or max_results <= 0), else search::EncodePageToken(offset +
// max_results).
std::string NextPageToken(size_t fetched, int64_t max_results, int64_t offset);

}  // namespace inet::store::internal
