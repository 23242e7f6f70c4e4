// MLflow's search language: filter strings and order_by clauses parsed into a small AST that
// each metadata-store adapter translates into parameterised SQL, plus opaque page tokens.
//
// Grammar (MLflow's search_utils): clause (AND clause)*, clause := identifier comparator value.
// No OR, NOT or parentheses. See ../shared/specs/mlflow-rest-api.md §3 and
// docs/design/search.md. Parsing validates the entity/comparator/value combination per search
// target, so an adapter never sees a clause it cannot translate. Values never become SQL text:
// adapters bind them as parameters.
//
// Every function here is pure and thread-safe. Every error is kInvalidArgument with MLflow's
// wording (e.g. "Invalid clause(s) in filter string: ...", "Invalid attribute key 'x'
// specified. Valid keys are '...'"), so the API layer can pass it through unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace inet::search {

// Bounds on a filter string, checked before anything reaches SQL (MLflow sets none; these keep
// a request's cost linear and small, and its SQL inside both databases' limits on bound
// parameters and expression depth). Over them a filter is kInvalidArgument saying which bound.
inline constexpr size_t kMaxFilterLength = 1'000'000;  // bytes
inline constexpr size_t kMaxFilterClauses = 100;       // AND-ed comparisons
inline constexpr size_t kMaxFilterListItems = 10'000;  // values in all IN / NOT IN lists

enum class Entity { kAttribute, kMetric, kParam, kTag, kDataset };

enum class Comparator { kEq, kNe, kGt, kGe, kLt, kLe, kLike, kILike, kIn, kNotIn };

// The SQL spelling of `c`: "=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN".
std::string_view ComparatorSql(Comparator c);

// A literal: a string, a number, or a parenthesised list of strings (IN / NOT IN).
// Strings are the bytes between the quotes, verbatim, as MLflow keeps them ('it''s' stays
// "it''s"; use "it's"); items of an IN list have \\, \' and \" unescaped, as MLflow's
// literal_eval does. Numbers may be any finite or infinite double (1e999 is +inf). A list is
// never empty and appears exactly when the comparator is kIn or kNotIn.
using Value = std::variant<std::string, double, std::vector<std::string>>;

struct Comparison {
  Entity entity = Entity::kAttribute;
  // Attribute names are canonical (e.g. "run name" -> "run_name", "created" -> "start_time");
  // dataset keys are "name", "digest" or "context"; metric/param/tag keys are as written.
  std::string key;
  Comparator op = Comparator::kEq;
  Value value;
};

// A conjunction of comparisons; empty matches everything.
struct Filter {
  std::vector<Comparison> clauses;
};

struct OrderBy {
  Entity entity = Entity::kAttribute;
  std::string key;  // canonical attribute name, or metric/param/tag key
  bool ascending = true;
};

// Every Parse*Filter applies the bounds above: "Invalid filter string: it is N bytes long; at
// most 1000000 are allowed", "... it has more than 100 clauses ...", "... its IN lists hold
// N values; at most 10000 are allowed ...".
//
// Run search (runs/search). Attributes: run_id, run_name, status, user_id, artifact_uri,
// lifecycle_stage (string); start_time, end_time (numeric). metrics (numeric comparators,
// number), params and tags (= != LIKE ILIKE, string), datasets name/digest/context (= != LIKE
// ILIKE IN NOT IN). IN / NOT IN on attributes only for run_id. An empty or all-whitespace
// filter is an empty Filter.
StatusOr<Filter> ParseRunFilter(std::string_view filter);
// One order_by entry: `<identifier> [ASC|DESC]`. Orderable attributes: run_id, run_name,
// user_id, status, start_time, end_time, artifact_uri, created/Created (-> start_time); or
// metrics/params/tags keys. Leading or trailing whitespace is rejected, as MLflow does.
StatusOr<OrderBy> ParseRunOrderBy(std::string_view clause);

// Experiment search. Attributes: name (string); creation_time, last_update_time (numeric);
// plus tags. order_by keys: name, experiment_id, creation_time, last_update_time.
StatusOr<Filter> ParseExperimentFilter(std::string_view filter);
StatusOr<OrderBy> ParseExperimentOrderBy(std::string_view clause);

// Logged-model search. Attributes: name, model_id, model_type, status, source_run_id
// (string, IN / NOT IN allowed); creation_timestamp, last_updated_timestamp (numeric; aliases
// creation_time, last_updated_time); metrics (numeric), params and tags (= != LIKE ILIKE).
StatusOr<Filter> ParseLoggedModelFilter(std::string_view filter);

// Validates the `field_name` of one logged-model order_by object and returns it canonical:
// "metrics.<key>" unchanged, or one of the attributes above with aliases resolved
// (creation_time -> creation_timestamp, last_updated_time -> last_updated_timestamp).
StatusOr<std::string> ParseLoggedModelOrderField(std::string_view field_name);

// Page tokens are opaque to clients: base64 of the JSON {"offset": N}, byte-for-byte what
// MLflow's SearchUtils.create_page_token makes. `offset` must be >= 0.
std::string EncodePageToken(int64_t offset);
// The offset in `token`; 0 for an empty token (the first page). Accepts the standard and the
// URL-safe base64 alphabets, padding optional. kInvalidArgument ("Invalid page token, ...")
// for anything else: bad base64, not JSON, not an object with an integer "offset" >= 0.
StatusOr<int64_t> DecodePageToken(std::string_view token);

}  // namespace inet::search
