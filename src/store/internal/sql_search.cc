#include "store/internal/sql_search.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inet::store::internal {
namespace {

using search::Comparator;
using search::ComparatorSql;
using search::Comparison;
using search::Entity;

// How a column's values compare and sort.
enum class ColumnKind { kText, kInteger };

struct Column {
  std::string sql;
  ColumnKind kind;
};

bool IsOrdering(Comparator op) {
  return op == Comparator::kEq || op == Comparator::kNe || op == Comparator::kGt ||
         op == Comparator::kGe || op == Comparator::kLt || op == Comparator::kLe;
}

std::string Describe(const Comparison& c) {
  std::string entity;
  switch (c.entity) {
    case Entity::kAttribute:
      entity = "attribute";
      break;
    case Entity::kMetric:
      entity = "metric";
      break;
    case Entity::kParam:
      entity = "param";
      break;
    case Entity::kTag:
      entity = "tag";
      break;
    case Entity::kDataset:
      entity = "dataset";
      break;
  }
  return entity + " '" + c.key + "' with comparator '" + std::string(ComparatorSql(c.op)) + "'";
}

Status Unsupported(const Comparison& c) {
  return InvalidArgumentError("Unsupported search clause: " + Describe(c));
}

// Renders `lhs <op> value` for a string-valued expression.
StatusOr<std::string> CompareText(const std::string& lhs, const Comparison& c, SqlParams& params) {
  if (c.op == Comparator::kIn || c.op == Comparator::kNotIn) {
    const auto* list = std::get_if<std::vector<std::string>>(&c.value);
    if (list == nullptr)
      return InvalidArgumentError("Expected a list of strings for " + Describe(c));
    if (list->empty()) {
      // Nothing is IN an empty list; a present value is NOT IN it.
      return c.op == Comparator::kIn ? std::string("1=0") : "(" + lhs + " IS NOT NULL)";
    }
    return "(" + lhs + " " + std::string(ComparatorSql(c.op)) + " " + params.AddList(*list) + ")";
  }
  const auto* text = std::get_if<std::string>(&c.value);
  if (text == nullptr) return InvalidArgumentError("Expected a string value for " + Describe(c));
  if (c.op == Comparator::kLike) return "(" + lhs + " LIKE " + params.Add(*text) + ")";
  if (c.op == Comparator::kILike) {
    if (params.dialect().native_ilike) return "(" + lhs + " ILIKE " + params.Add(*text) + ")";
    return "(LOWER(" + lhs + ") LIKE LOWER(" + params.Add(*text) + "))";
  }
  if (c.op == Comparator::kEq || c.op == Comparator::kNe) {
    return "(" + lhs + " " + std::string(ComparatorSql(c.op)) + " " + params.Add(*text) + ")";
  }
  return Unsupported(c);
}

// Renders `lhs <op> number` for a numeric expression. Integral values bind as integers so
// integer columns compare exactly.
StatusOr<std::string> CompareNumber(const std::string& lhs, const Comparison& c, SqlParams& params,
                                    ColumnKind kind) {
  if (!IsOrdering(c.op)) return Unsupported(c);
  const auto* number = std::get_if<double>(&c.value);
  if (number == nullptr) return InvalidArgumentError("Expected a numeric value for " + Describe(c));
  SqlValue bound = *number;
  if (kind == ColumnKind::kInteger && std::isfinite(*number) && std::trunc(*number) == *number &&
      std::fabs(*number) < 9.0e18) {
    bound = static_cast<int64_t>(*number);
  }
  return "(" + lhs + " " + std::string(ComparatorSql(c.op)) + " " + params.Add(std::move(bound)) +
         ")";
}

StatusOr<std::string> CompareColumn(const Column& column, const Comparison& c, SqlParams& params) {
  if (column.kind == ColumnKind::kInteger) return CompareNumber(column.sql, c, params, column.kind);
  return CompareText(column.sql, c, params);
}

std::string False(const SqlParams& p) { return p.dialect().false_literal; }

// A metric comparison over the rows of `table` (alias x) correlated by `correlation`.
StatusOr<std::string> MetricExists(const std::string& table, const std::string& correlation,
                                   const std::string& extra, const Comparison& c,
                                   SqlParams& params) {
  std::string key = params.Add(c.key);
  ASSIGN_OR_RETURN(std::string cmp, CompareNumber("x.value", c, params, ColumnKind::kText));
  return "EXISTS (SELECT 1 FROM " + table + " x WHERE " + correlation + " AND x.key = " + key +
         " AND x.is_nan = " + False(params) + extra + " AND " + cmp + ")";
}

StatusOr<std::string> KeyValueExists(const std::string& table, const std::string& correlation,
                                     const Comparison& c, SqlParams& params) {
  std::string key = params.Add(c.key);
  ASSIGN_OR_RETURN(std::string cmp, CompareText("x.value", c, params));
  return "EXISTS (SELECT 1 FROM " + table + " x WHERE " + correlation + " AND x.key = " + key +
         " AND " + cmp + ")";
}

std::string Conjunction(const std::vector<std::string>& parts) {
  if (parts.empty()) return "1=1";
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += " AND ";
    out += p;
  }
  return out;
}

std::string Direction(bool ascending) { return ascending ? " ASC" : " DESC"; }

// Sort terms putting NULLs last in either direction, then the value itself.
std::string NullsLastTerms(const std::string& expr, ColumnKind kind, bool ascending,
                           const Dialect& dialect) {
  std::string value = expr;
  if (kind == ColumnKind::kText) value += dialect.byte_order_collation;
  return "CASE WHEN " + expr + " IS NULL THEN 1 ELSE 0 END, " + value + Direction(ascending);
}

// --- Runs ---------------------------------------------------------------------------------

StatusOr<Column> RunAttribute(const std::string& key) {
  if (key == "run_id") return Column{"r.run_uuid", ColumnKind::kText};
  if (key == "run_name") return Column{"r.name", ColumnKind::kText};
  if (key == "status") return Column{"r.status", ColumnKind::kText};
  if (key == "user_id") return Column{"r.user_id", ColumnKind::kText};
  if (key == "artifact_uri") return Column{"r.artifact_uri", ColumnKind::kText};
  if (key == "lifecycle_stage") return Column{"r.lifecycle_stage", ColumnKind::kText};
  if (key == "start_time") return Column{"r.start_time", ColumnKind::kInteger};
  if (key == "end_time") return Column{"r.end_time", ColumnKind::kInteger};
  if (key == "experiment_id") return Column{"r.experiment_id", ColumnKind::kInteger};
  return InvalidArgumentError("Invalid attribute key '" + key + "' for runs");
}

StatusOr<std::string> RunDatasetClause(const Comparison& c, SqlParams& params) {
  std::string join;
  std::string lhs;
  if (c.key == "name") {
    lhs = "d.name";
  } else if (c.key == "digest") {
    lhs = "d.digest";
  } else if (c.key == "context") {
    join = " JOIN input_tags it ON it.input_uuid = i.input_uuid AND it.name = " +
           params.Add(std::string("mlflow.data.context"));
    lhs = "it.value";
  } else {
    return InvalidArgumentError("Invalid dataset key '" + c.key +
                                "'. Valid keys are 'name', 'digest', 'context'");
  }
  ASSIGN_OR_RETURN(std::string cmp, CompareText(lhs, c, params));
  return "EXISTS (SELECT 1 FROM inputs i JOIN datasets d ON d.dataset_uuid = i.dataset_uuid" +
         join + " WHERE i.run_uuid = r.run_uuid AND " + cmp + ")";
}

}  // namespace

Dialect SqliteDialect() { return Dialect{}; }

Dialect PostgresDialect() {
  Dialect d;
  d.placeholder_prefix = "$";
  d.native_ilike = true;
  d.byte_order_collation = " COLLATE \"C\"";
  d.true_literal = "TRUE";
  d.false_literal = "FALSE";
  d.text_cast = "::text";
  d.int_cast = "::bigint";
  d.float_cast = "::float8";
  return d;
}

std::string SqlParams::Add(SqlValue value) {
  std::string cast;
  if (std::holds_alternative<std::string>(value)) {
    cast = dialect_.text_cast;
  } else if (std::holds_alternative<int64_t>(value)) {
    cast = dialect_.int_cast;
  } else {
    cast = dialect_.float_cast;
  }
  values_.push_back(std::move(value));
  return dialect_.placeholder_prefix + std::to_string(values_.size()) + cast;
}

std::string SqlParams::AddList(const std::vector<std::string>& values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += Add(values[i]);
  }
  return out + ")";
}

StatusOr<std::string> RunFilterSql(const search::Filter& filter, SqlParams& params) {
  std::vector<std::string> parts;
  for (const Comparison& c : filter.clauses) {
    switch (c.entity) {
      case Entity::kAttribute: {
        ASSIGN_OR_RETURN(Column column, RunAttribute(c.key));
        ASSIGN_OR_RETURN(std::string sql, CompareColumn(column, c, params));
        parts.push_back(std::move(sql));
        break;
      }
      case Entity::kMetric: {
        ASSIGN_OR_RETURN(std::string sql,
                         MetricExists("latest_metrics", "x.run_uuid = r.run_uuid", "", c, params));
        parts.push_back(std::move(sql));
        break;
      }
      case Entity::kParam: {
        ASSIGN_OR_RETURN(std::string sql,
                         KeyValueExists("params", "x.run_uuid = r.run_uuid", c, params));
        parts.push_back(std::move(sql));
        break;
      }
      case Entity::kTag: {
        ASSIGN_OR_RETURN(std::string sql,
                         KeyValueExists("tags", "x.run_uuid = r.run_uuid", c, params));
        parts.push_back(std::move(sql));
        break;
      }
      case Entity::kDataset: {
        ASSIGN_OR_RETURN(std::string sql, RunDatasetClause(c, params));
        parts.push_back(std::move(sql));
        break;
      }
    }
  }
  return Conjunction(parts);
}

StatusOr<SqlOrder> RunOrderSql(const std::vector<search::OrderBy>& order_by, SqlParams& params) {
  SqlOrder out;
  std::vector<std::string> terms;
  const Dialect& dialect = params.dialect();
  for (size_t i = 0; i < order_by.size(); ++i) {
    const search::OrderBy& o = order_by[i];
    std::string alias = "o" + std::to_string(i);
    switch (o.entity) {
      case Entity::kAttribute: {
        ASSIGN_OR_RETURN(Column column, RunAttribute(o.key));
        terms.push_back(NullsLastTerms(column.sql, column.kind, o.ascending, dialect));
        break;
      }
      case Entity::kMetric:
        out.joins += " LEFT JOIN latest_metrics " + alias + " ON " + alias +
                     ".run_uuid = r.run_uuid AND " + alias + ".key = " + params.Add(o.key);
        // Numbers first, then NaN, then runs without the metric, in either direction.
        terms.push_back("CASE WHEN " + alias + ".run_uuid IS NULL THEN 2 WHEN " + alias +
                        ".is_nan = " + dialect.true_literal + " THEN 1 ELSE 0 END, " + alias +
                        ".value" + Direction(o.ascending));
        break;
      case Entity::kParam:
      case Entity::kTag:
        out.joins += std::string(" LEFT JOIN ") +
                     (o.entity == Entity::kParam ? "params " : "tags ") + alias + " ON " + alias +
                     ".run_uuid = r.run_uuid AND " + alias + ".key = " + params.Add(o.key);
        terms.push_back(NullsLastTerms(alias + ".value", ColumnKind::kText, o.ascending, dialect));
        break;
      case Entity::kDataset:
        return InvalidArgumentError("Cannot order runs by dataset field '" + o.key + "'");
    }
  }
  terms.push_back("r.start_time DESC");
  terms.push_back("r.run_uuid" + dialect.byte_order_collation + " ASC");
  for (size_t i = 0; i < terms.size(); ++i) {
    if (i > 0) out.order_by += ", ";
    out.order_by += terms[i];
  }
  return out;
}

// --- Experiments --------------------------------------------------------------------------

namespace {

StatusOr<Column> ExperimentAttribute(const std::string& key) {
  if (key == "name") return Column{"e.name", ColumnKind::kText};
  if (key == "experiment_id") return Column{"e.experiment_id", ColumnKind::kInteger};
  if (key == "creation_time") return Column{"e.creation_time", ColumnKind::kInteger};
  if (key == "last_update_time") return Column{"e.last_update_time", ColumnKind::kInteger};
  if (key == "lifecycle_stage") return Column{"e.lifecycle_stage", ColumnKind::kText};
  if (key == "artifact_location") return Column{"e.artifact_location", ColumnKind::kText};
  return InvalidArgumentError("Invalid attribute key '" + key + "' for experiments");
}

std::string JoinTerms(const std::vector<std::string>& terms) {
  std::string out;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (i > 0) out += ", ";
    out += terms[i];
  }
  return out;
}

}  // namespace

StatusOr<std::string> ExperimentFilterSql(const search::Filter& filter, SqlParams& params) {
  std::vector<std::string> parts;
  for (const Comparison& c : filter.clauses) {
    if (c.entity == Entity::kAttribute) {
      ASSIGN_OR_RETURN(Column column, ExperimentAttribute(c.key));
      ASSIGN_OR_RETURN(std::string sql, CompareColumn(column, c, params));
      parts.push_back(std::move(sql));
    } else if (c.entity == Entity::kTag) {
      ASSIGN_OR_RETURN(
          std::string sql,
          KeyValueExists("experiment_tags", "x.experiment_id = e.experiment_id", c, params));
      parts.push_back(std::move(sql));
    } else {
      return Unsupported(c);
    }
  }
  return Conjunction(parts);
}

StatusOr<SqlOrder> ExperimentOrderSql(const std::vector<search::OrderBy>& order_by,
                                      SqlParams& params) {
  SqlOrder out;
  std::vector<std::string> terms;
  const Dialect& dialect = params.dialect();
  for (size_t i = 0; i < order_by.size(); ++i) {
    const search::OrderBy& o = order_by[i];
    if (o.entity == Entity::kAttribute) {
      ASSIGN_OR_RETURN(Column column, ExperimentAttribute(o.key));
      terms.push_back(NullsLastTerms(column.sql, column.kind, o.ascending, dialect));
    } else if (o.entity == Entity::kTag) {
      std::string alias = "o" + std::to_string(i);
      out.joins += " LEFT JOIN experiment_tags " + alias + " ON " + alias +
                   ".experiment_id = e.experiment_id AND " + alias + ".key = " + params.Add(o.key);
      terms.push_back(NullsLastTerms(alias + ".value", ColumnKind::kText, o.ascending, dialect));
    } else {
      return InvalidArgumentError("Cannot order experiments by '" + o.key + "'");
    }
  }
  if (order_by.empty()) terms.push_back("e.creation_time DESC");
  terms.push_back("e.experiment_id ASC");
  out.order_by = JoinTerms(terms);
  return out;
}

// --- Logged models ------------------------------------------------------------------------

namespace {

StatusOr<Column> LoggedModelAttribute(const std::string& key) {
  if (key == "name") return Column{"m.name", ColumnKind::kText};
  if (key == "model_id") return Column{"m.model_id", ColumnKind::kText};
  if (key == "model_type") return Column{"m.model_type", ColumnKind::kText};
  if (key == "status") return Column{"m.status", ColumnKind::kText};
  if (key == "source_run_id") return Column{"m.source_run_id", ColumnKind::kText};
  if (key == "creation_timestamp" || key == "creation_timestamp_ms") {
    return Column{"m.creation_timestamp_ms", ColumnKind::kInteger};
  }
  if (key == "last_updated_timestamp" || key == "last_updated_timestamp_ms") {
    return Column{"m.last_updated_timestamp_ms", ColumnKind::kInteger};
  }
  if (key == "experiment_id") return Column{"m.experiment_id", ColumnKind::kInteger};
  return InvalidArgumentError("Invalid attribute key '" + key + "' for logged models");
}

// " AND ((x.dataset_name = ? AND x.dataset_digest = ?) OR ...)"; a pair with an empty digest
// matches the name alone.
std::string DatasetRestriction(const std::vector<std::pair<std::string, std::string>>& datasets,
                               SqlParams& params) {
  if (datasets.empty()) return "";
  std::vector<std::string> alternatives;
  for (const auto& [name, digest] : datasets) {
    std::string alt = "(x.dataset_name = " + params.Add(name);
    if (!digest.empty()) alt += " AND x.dataset_digest = " + params.Add(digest);
    alternatives.push_back(alt + ")");
  }
  std::string out = " AND (";
  for (size_t i = 0; i < alternatives.size(); ++i) {
    if (i > 0) out += " OR ";
    out += alternatives[i];
  }
  return out + ")";
}

}  // namespace

StatusOr<std::string> LoggedModelFilterSql(
    const search::Filter& filter, const std::vector<std::pair<std::string, std::string>>& datasets,
    SqlParams& params) {
  std::vector<std::string> parts;
  for (const Comparison& c : filter.clauses) {
    switch (c.entity) {
      case Entity::kAttribute: {
        ASSIGN_OR_RETURN(Column column, LoggedModelAttribute(c.key));
        ASSIGN_OR_RETURN(std::string sql, CompareColumn(column, c, params));
        parts.push_back(std::move(sql));
        break;
      }
      case Entity::kMetric: {
        std::string restriction = DatasetRestriction(datasets, params);
        ASSIGN_OR_RETURN(std::string sql,
                         MetricExists("logged_model_metrics", "x.model_id = m.model_id",
                                      restriction, c, params));
        parts.push_back(std::move(sql));
        break;
      }
      case Entity::kParam: {
        ASSIGN_OR_RETURN(std::string sql, KeyValueExists("logged_model_params",
                                                         "x.model_id = m.model_id", c, params));
        parts.push_back(std::move(sql));
        break;
      }
      case Entity::kTag: {
        ASSIGN_OR_RETURN(std::string sql,
                         KeyValueExists("logged_model_tags", "x.model_id = m.model_id", c, params));
        parts.push_back(std::move(sql));
        break;
      }
      case Entity::kDataset:
        return Unsupported(c);
    }
  }
  bool has_metric_clause =
      std::any_of(filter.clauses.begin(), filter.clauses.end(),
                  [](const Comparison& c) { return c.entity == Entity::kMetric; });
  if (!datasets.empty() && !has_metric_clause) {
    // As MLflow: with datasets but no metric clause, keep the models with any metric on them.
    parts.push_back("EXISTS (SELECT 1 FROM logged_model_metrics x WHERE x.model_id = m.model_id" +
                    DatasetRestriction(datasets, params) + ")");
  }
  return Conjunction(parts);
}

StatusOr<SqlOrder> LoggedModelOrderSql(const std::vector<LoggedModelOrder>& order_by,
                                       SqlParams& params) {
  SqlOrder out;
  std::vector<std::string> terms;
  const Dialect& dialect = params.dialect();
  for (const LoggedModelOrder& o : order_by) {
    constexpr std::string_view kMetricPrefix = "metrics.";
    if (o.field_name.starts_with(kMetricPrefix)) {
      std::string key = o.field_name.substr(kMetricPrefix.size());
      // The model's most recent non-NaN value of the metric (optionally for one dataset).
      std::string value =
          "(SELECT x.value FROM logged_model_metrics x WHERE x.model_id = "
          "m.model_id AND x.key = " +
          params.Add(key) + " AND x.is_nan = " + dialect.false_literal;
      if (!o.dataset_name.empty()) value += " AND x.dataset_name = " + params.Add(o.dataset_name);
      if (!o.dataset_digest.empty()) {
        value += " AND x.dataset_digest = " + params.Add(o.dataset_digest);
      }
      value += " ORDER BY x.timestamp DESC, x.step DESC LIMIT 1)";
      terms.push_back(NullsLastTerms(value, ColumnKind::kInteger, o.ascending, dialect));
      continue;
    }
    ASSIGN_OR_RETURN(Column column, LoggedModelAttribute(o.field_name));
    terms.push_back(NullsLastTerms(column.sql, column.kind, o.ascending, dialect));
  }
  if (order_by.empty()) terms.push_back("m.creation_timestamp_ms DESC");
  terms.push_back("m.model_id" + dialect.byte_order_collation + " ASC");
  out.order_by = JoinTerms(terms);
  return out;
}

// --- Complete queries ---------------------------------------------------------------------

namespace {

// "<column> IN (...)" over the integer experiment ids; "1=0" when none can match.
std::string ExperimentIdsIn(const std::string& column, const std::vector<std::string>& ids,
                            SqlParams& params) {
  std::vector<std::string> placeholders;
  for (const std::string& id : ids) {
    if (id.empty() || id.size() > 18) continue;
    bool digits = true;
    for (char ch : id) digits = digits && ch >= '0' && ch <= '9';
    if (!digits) continue;
    placeholders.push_back(params.Add(static_cast<int64_t>(std::stoll(id))));
  }
  if (placeholders.empty()) return "1=0";
  return column + " IN (" + JoinTerms(placeholders) + ")";
}

std::string ViewTypeClause(const std::string& column, ViewType view, SqlParams& params) {
  switch (view) {
    case ViewType::kActiveOnly:
      return column + " = " + params.Add(std::string("active"));
    case ViewType::kDeletedOnly:
      return column + " = " + params.Add(std::string("deleted"));
    case ViewType::kAll:
      return "1=1";
  }
  return "1=1";
}

// A fact for the caller, which validates paging with MLflow's messages (tracking/) before it
// builds a query; this only keeps a bad value out of the SQL.
Status CheckPaging(int64_t max_results, int64_t offset) {
  if (max_results < 0) return InvalidArgumentError("negative max_results in a search query");
  if (offset < 0) return InvalidArgumentError("negative offset in a search query");
  return OkStatus();
}

std::string LimitOffset(int64_t max_results, int64_t offset, SqlParams& params) {
  return " LIMIT " + params.Add(max_results + 1) + " OFFSET " + params.Add(offset);
}

}  // namespace

namespace {

// True when the first sort key is a metric that the filter also compares: every matching run
// then has a non-NaN latest value of it, so "missing last, NaN next" is moot and the search
// can walk the experiments' values of that metric in index order.
bool OrdersByFilteredMetric(const RunQuery& query) {
  if (query.order_by.empty() || query.order_by[0].entity != Entity::kMetric) return false;
  const std::string& key = query.order_by[0].key;
  return std::any_of(
      query.filter.clauses.begin(), query.filter.clauses.end(),
      [&](const Comparison& c) { return c.entity == Entity::kMetric && c.key == key; });
}

}  // namespace

StatusOr<SqlQuery> BuildRunSearch(const Dialect& dialect, const RunQuery& query) {
  RETURN_IF_ERROR(CheckPaging(query.max_results, query.offset));
  SqlParams params(dialect);
  constexpr char kColumns[] =
      "SELECT r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, "
      "r.end_time, r.artifact_uri, r.lifecycle_stage FROM ";
  if (OrdersByFilteredMetric(query)) {
    // Driven by latest_metrics (experiment_id, key, is_nan, value): the page's runs are the
    // first matches in value order, found without visiting the other runs. CROSS JOIN keeps
    // SQLite's join order (PostgreSQL plans it from its statistics either way).
    const search::OrderBy& first = query.order_by.front();
    const std::vector<search::OrderBy> rest(query.order_by.begin() + 1, query.order_by.end());
    ASSIGN_OR_RETURN(SqlOrder order, RunOrderSql(rest, params));
    ASSIGN_OR_RETURN(std::string filter, RunFilterSql(query.filter, params));
    std::string sql = kColumns + std::string("latest_metrics dm CROSS JOIN runs r") + order.joins +
                      " WHERE dm.key = " + params.Add(first.key) +
                      " AND dm.is_nan = " + False(params) + " AND " +
                      ExperimentIdsIn("dm.experiment_id", query.experiment_ids, params) +
                      " AND r.run_uuid = dm.run_uuid AND " +
                      ExperimentIdsIn("r.experiment_id", query.experiment_ids, params) + " AND " +
                      ViewTypeClause("r.lifecycle_stage", query.view_type, params) + " AND " +
                      filter + " ORDER BY dm.value" + Direction(first.ascending) + ", " +
                      order.order_by + LimitOffset(query.max_results, query.offset, params);
    return SqlQuery{std::move(sql), params.values()};
  }
  ASSIGN_OR_RETURN(SqlOrder order, RunOrderSql(query.order_by, params));
  ASSIGN_OR_RETURN(std::string filter, RunFilterSql(query.filter, params));
  std::string sql = kColumns + std::string("runs r") + order.joins + " WHERE " +
                    ExperimentIdsIn("r.experiment_id", query.experiment_ids, params) + " AND " +
                    ViewTypeClause("r.lifecycle_stage", query.view_type, params) + " AND " +
                    filter + " ORDER BY " + order.order_by +
                    LimitOffset(query.max_results, query.offset, params);
  return SqlQuery{std::move(sql), params.values()};
}

StatusOr<SqlQuery> BuildExperimentSearch(const Dialect& dialect, const ExperimentQuery& query) {
  RETURN_IF_ERROR(CheckPaging(query.max_results, query.offset));
  SqlParams params(dialect);
  ASSIGN_OR_RETURN(SqlOrder order, ExperimentOrderSql(query.order_by, params));
  ASSIGN_OR_RETURN(std::string filter, ExperimentFilterSql(query.filter, params));
  std::string sql =
      "SELECT e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, "
      "e.last_update_time, e.team FROM experiments e" +
      order.joins + " WHERE " + ViewTypeClause("e.lifecycle_stage", query.view_type, params) +
      (query.team.empty() ? "" : " AND e.team = " + params.Add(query.team)) + " AND " + filter +
      " ORDER BY " + order.order_by + LimitOffset(query.max_results, query.offset, params);
  return SqlQuery{std::move(sql), params.values()};
}

StatusOr<SqlQuery> BuildLoggedModelSearch(const Dialect& dialect, const LoggedModelQuery& query) {
  RETURN_IF_ERROR(CheckPaging(query.max_results, query.offset));
  SqlParams params(dialect);
  ASSIGN_OR_RETURN(SqlOrder order, LoggedModelOrderSql(query.order_by, params));
  ASSIGN_OR_RETURN(std::string filter, LoggedModelFilterSql(query.filter, query.datasets, params));
  std::string sql =
      "SELECT m.model_id, m.experiment_id, m.name, m.artifact_location, m.creation_timestamp_ms, "
      "m.last_updated_timestamp_ms, m.status, m.status_message, m.lifecycle_stage, m.model_type, "
      "m.source_run_id, m.creator_id FROM logged_models m" +
      order.joins + " WHERE " + ExperimentIdsIn("m.experiment_id", query.experiment_ids, params) +
      " AND m.lifecycle_stage = " + params.Add(std::string("active")) + " AND " + filter +
      " ORDER BY " + order.order_by + LimitOffset(query.max_results, query.offset, params);
  return SqlQuery{std::move(sql), params.values()};
}

std::string NextPageToken(size_t fetched, int64_t max_results, int64_t offset) {
  // An empty page never has a successor: a token for offset + 0 would loop forever.
  if (max_results <= 0 || fetched <= static_cast<size_t>(max_results)) return "";
  return search::EncodePageToken(offset + max_results);
}

}  // namespace inet::store::internal
