// Domain records of the metadata store: what MLflow calls experiments, runs, metrics, params,
// tags, datasets and logged models, plus the platform's API tokens. Plain value types; the
// JSON shapes live in api/mlflow, the SQL shapes in each adapter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inet::store {

struct Tag {
  std::string key;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
};
using Param = Tag;

enum class LifecycleStage { kActive, kDeleted };
std::string_view LifecycleStageName(LifecycleStage s);  // "active" / "deleted"
// Inverse of LifecycleStageName; kInvalidArgument for anything else.
StatusOr<LifecycleStage> ParseLifecycleStage(std::string_view name);

enum class ViewType { kActiveOnly, kDeletedOnly, kAll };

struct Experiment {
  std::string experiment_id;     // assigned by the store: "0", "1", ...
  std::string team = "default";  // the owning team (MLflow workspace); names are unique per team
  std::string name;
  std::string artifact_location;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
  int64_t creation_time = 0;
  int64_t last_update_time = 0;
  std::vector<Tag> tags;
};

enum class RunStatus { kRunning, kScheduled, kFinished, kFailed, kKilled };
std::string_view RunStatusName(RunStatus s);  // "RUNNING", ...
// Inverse of RunStatusName; kInvalidArgument for anything else.
StatusOr<RunStatus> ParseRunStatus(std::string_view name);

struct RunInfo {
  std::string run_id;  // 32 lowercase hex
  std::string experiment_id;
  std::string run_name;
  std::string user_id;
  RunStatus status = RunStatus::kRunning;
  int64_t start_time = 0;
  std::optional<int64_t> end_time;
  std::string artifact_uri;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
};

struct Metric {
  std::string key;
  double value = 0;  // may be NaN or +-Inf
  int64_t timestamp = 0;
  int64_t step = 0;
  std::string run_id;  // filled on reads that span runs
  std::string model_id;
  std::string dataset_name;
  std::string dataset_digest;
};

struct Dataset {
  std::string name;
  std::string digest;
  std::string source_type;
  std::string source;
  std::string schema;
  std::string profile;
};

struct DatasetInput {
  std::vector<Tag> tags;  // e.g. mlflow.data.context = training
  Dataset dataset;
};

struct ModelInput {
  std::string model_id;
};

struct ModelOutput {
  std::string model_id;
  int64_t step = 0;
};

struct Run {
  RunInfo info;
  std::vector<Metric> latest_metrics;  // one per key: max by (step, timestamp, value)
  std::vector<Param> params;
  std::vector<Tag> tags;
  std::vector<DatasetInput> dataset_inputs;
  std::vector<ModelInput> model_inputs;
  std::vector<ModelOutput> model_outputs;
};

enum class LoggedModelStatus { kPending, kReady, kUploadFailed };
std::string_view LoggedModelStatusName(LoggedModelStatus s);  // "LOGGED_MODEL_READY", ...
// Inverse of LoggedModelStatusName; kInvalidArgument for anything else.
StatusOr<LoggedModelStatus> ParseLoggedModelStatus(std::string_view name);

struct LoggedModel {
  std::string model_id;  // "m-" + 32 hex
  std::string experiment_id;
  std::string name;
  int64_t creation_timestamp_ms = 0;
  int64_t last_updated_timestamp_ms = 0;
  std::string artifact_uri;
  LoggedModelStatus status = LoggedModelStatus::kPending;
  std::string status_message;
  std::string creator_id;
  std::string model_type;
  std::string source_run_id;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
  std::vector<Tag> tags;
  std::vector<Param> params;
  std::vector<Metric> metrics;  // run metrics logged with this model_id
};

// An API token; only its SHA-256 hash is stored.
struct Token {
  std::string token_id;
  std::string token_hash;
  std::string user;
  bool is_admin = false;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
  // What the token is limited to, encoded by auth/ (opaque here); empty: everything its user
  // may do.
  std::string scope;
  // The team requests with this token act in when they name none; empty: the user's only team.
  std::string team;
  std::optional<int64_t> expires_at;  // ms since epoch; none: never expires
};

// One page of a search: items plus an opaque token for the next page (empty on the last).
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

}  // namespace inet::store
