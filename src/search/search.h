// MLflow's search language: filter strings and order_by clauses parsed into a small AST that
// each metadata-store adapter translates into parameterised SQL, plus opaque page tokens.
//
// Grammar (MLflow's search_utils): clause (AND clause)*, clause := identifier comparator value.
// No OR, NOT or parentheses. See ../shared/specs/mlflow-rest-api.md §3. Parsing validates the
// entity/comparator/value combination per search target, so an adapter never sees a clause it
// cannot translate. Values never become SQL text: adapters bind them as parameters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace inet::search {

enum class Entity { kAttribute, kMetric, kParam, kTag, kDataset };

enum class Comparator { kEq, kNe, kGt, kGe, kLt, kLe, kLike, kILike, kIn, kNotIn };

std::string_view ComparatorSql(Comparator c);  // "=", "!=", ">", ..., "LIKE", "IN", ...

// A literal: a string, a number, or a parenthesised list of strings (IN / NOT IN).
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

// Run search (runs/search). Attributes: run_id, run_name, status, user_id, artifact_uri,
// lifecycle_stage (string); start_time, end_time (numeric).
StatusOr<Filter> ParseRunFilter(std::string_view filter);
StatusOr<OrderBy> ParseRunOrderBy(std::string_view clause);

// Experiment search. Attributes: name (string); creation_time, last_update_time (numeric);
// plus tags. order_by keys: name, experiment_id, creation_time, last_update_time.
StatusOr<Filter> ParseExperimentFilter(std::string_view filter);
StatusOr<OrderBy> ParseExperimentOrderBy(std::string_view clause);

// Logged-model search. Attributes: name, model_id, model_type, status, source_run_id
// (string); creation_timestamp, last_updated_timestamp (numeric); metrics, params, tags.
StatusOr<Filter> ParseLoggedModelFilter(std::string_view filter);

// Page tokens are opaque to clients: base64 of {"offset": N}. A malformed token is
// kInvalidArgument.
std::string EncodePageToken(int64_t offset);
StatusOr<int64_t> DecodePageToken(std::string_view token);

}  // namespace inet::search
