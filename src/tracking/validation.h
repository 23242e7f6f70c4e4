// MLflow's input validation for the tracking API: key charset and path rules, length limits,
// batch limits, id shapes and search bounds, with MLflow's own error messages (the real client
// and MLflow's REST test-suite grep for them). Mirrors mlflow/utils/validation.py (3.x); every
// failure is kInvalidArgument (HTTP 400 INVALID_PARAMETER_VALUE).
//
// Lengths are counted in Unicode code points, as Python's len() does, and truncation never
// splits a UTF-8 sequence. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/types.h"

namespace inet::tracking {

inline constexpr size_t kMaxParamsTagsPerBatch = 100;
inline constexpr size_t kMaxMetricsPerBatch = 1000;
inline constexpr size_t kMaxEntitiesPerBatch = 1000;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxTagValueLength = 8000;
inline constexpr size_t kMaxEntityKeyLength = 250;
inline constexpr size_t kMaxExperimentNameLength = 500;
inline constexpr size_t kMaxExperimentTagKeyLength = 250;
inline constexpr size_t kMaxExperimentTagValueLength = 20000;
inline constexpr size_t kMaxDatasetNameSize = 500;
inline constexpr size_t kMaxDatasetDigestSize = 36;
inline constexpr size_t kMaxDatasetSchemaSize = 1048575;
inline constexpr size_t kMaxDatasetSourceSize = 65535;
inline constexpr size_t kMaxDatasetProfileSize = 16777215;
inline constexpr size_t kMaxInputTagKeySize = 255;
inline constexpr size_t kMaxInputTagValueSize = 500;
inline constexpr int64_t kMaxSearchRunsResults = 50000;
inline constexpr int64_t kMaxSearchExperimentsResults = 50000;
inline constexpr size_t kMaxRunsPerBulkHistory = 100;
inline constexpr int64_t kMaxResultsPerRunBulkInterval = 2500;
inline constexpr int64_t kMaxBulkHistoryResults = 25000;
inline constexpr size_t kMaxExperimentIdsPerDatasetSearch = 20;
// Not an MLflow limit (it sets none): keeps a run or logged-model search's SQL within both
// databases' bound-parameter limits, together with search::kMaxFilterListItems.
inline constexpr size_t kMaxExperimentIdsPerSearch = 10000;

// "<request> request cannot specify more than <limit> experiment_ids. Received <n>
// experiment_ids." (the wording of MLflow's SearchDatasets check).
Status ValidateExperimentIdCount(std::string_view request, size_t count, size_t limit);

// "Invalid value <json> for parameter '<path>' supplied[: <detail>|.]" where <json> is the
// value rendered as Python's json.dumps would (strings quoted, non-ASCII escaped).
std::string InvalidValueMessage(std::string_view path, std::string_view json_value,
                                std::string_view detail = {});
// Renders a string as a compact JSON string literal with non-ASCII as \uXXXX escapes.
std::string PyJsonString(std::string_view s);
// "Missing value for required parameter '<path>'."
std::string MissingValueMessage(std::string_view path);
// "'<path>' exceeds the maximum length of <limit> characters"
std::string ExceedsMaximumLengthMessage(std::string_view path, size_t limit);

// kInvalidArgument naming `path` when `value` holds a NUL byte: stores and processes cut or
// refuse strings at a NUL, so names, params, tags and paths must not contain one. Every
// Validate* function below that checks a string also applies this.
Status ValidateNoNul(std::string_view value, std::string_view path);

// Python's posixpath.normpath.
std::string PosixNormPath(std::string_view path);

// Number of Unicode code points in UTF-8 `s` (invalid bytes count one each).
size_t CodePointLength(std::string_view s);

// Metric/param/tag keys: charset `[/\w.\- :]` (\w includes non-ASCII letters) and a key must
// normalise to itself as a path. `path` names the field in messages ("key", "tags[0].key").
Status ValidateMetricName(std::string_view name, std::string_view path = "name");
Status ValidateParamName(std::string_view name, std::string_view path = "key");
Status ValidateTagName(std::string_view name, std::string_view path = "key");

// A metric for logging: valid name, timestamp >= 0, key length. `path` is the JSON path of
// the metric ("" for log-metric, "metrics[3]" in a batch).
Status ValidateMetric(const store::Metric& metric, std::string_view path = "");
// ValidateMetric of each of `metrics`, the paths "<field>[i]": the first failure's error.
Status ValidateMetrics(const std::vector<store::Metric>& metrics, std::string_view field);
// Validates a param's key and length; a value over the limit is truncated when `truncate`
// (MLflow's server default, MLFLOW_TRUNCATE_LONG_VALUES) and rejected otherwise.
Status ValidateParam(store::Param& param, std::string_view path, bool truncate);
// Same for run tags (value limit 8000).
Status ValidateRunTag(store::Tag& tag, std::string_view path, bool truncate);
// Experiment tags: key charset, key <= 250, value <= 20000 (never truncated).
Status ValidateExperimentTag(const store::Tag& tag);

// Batch limits with MLflow's "A batch logging request can contain at most ..." messages.
Status ValidateBatchLimits(size_t metrics, size_t params, size_t tags);
// "Duplicate parameter keys have been submitted: ['a']. ..." when a key repeats.
Status ValidateParamKeysUnique(const std::vector<store::Param>& params);

// Experiment names: non-empty, at most 500 code points.
Status ValidateExperimentName(std::string_view name);
// Artifact locations may not be runs:/ URIs.
Status ValidateExperimentArtifactLocation(std::string_view location);
// `^[a-zA-Z0-9][\w\-]{0,255}$`; the message names `path`.
Status ValidateRunId(std::string_view run_id, std::string_view path = "run_id");
// `^[a-zA-Z0-9][\w\-]{0,63}$`: "Invalid experiment ID: '<id>'".
Status ValidateExperimentId(std::string_view experiment_id);
// Logged-model names: non-empty and none of / : . % " '.
Status ValidateLoggedModelName(std::string_view name);

// Dataset inputs: required fields present and MLflow's size limits.
Status ValidateDatasetInput(const store::DatasetInput& input);

// Python repr() of a string (what MLflow's `{x!r}` prints).
std::string PyRepr(std::string_view s);

}  // namespace inet::tracking
