// MLflow's proto-JSON shapes of the tracking entities (Experiment, Run, Metric, LoggedModel,
// ...), written straight into a JsonWriter, and the readers for the entity lists requests
// carry (tags, params, metrics, dataset inputs). Field names, enum names and omission of
// unset fields follow mlflow/protos/service.proto as the real client parses it.
#pragma once

#include <string_view>
#include <vector>

#include "api/mlflow/json_codec.h"
#include "store/types.h"

namespace inet::api::mlflow {

// Enum names in proto-number order (RUNNING = 1, ACTIVE_ONLY = 1, LOGGED_MODEL_PENDING = 1).
const std::vector<std::string_view>& RunStatusNames();
const std::vector<std::string_view>& ViewTypeNames();
const std::vector<std::string_view>& LoggedModelStatusNames();

std::string_view RunStatusToName(store::RunStatus status);
std::string_view LifecycleToName(store::LifecycleStage stage);
std::string_view LoggedModelStatusToName(store::LoggedModelStatus status);

// Each writes one JSON value (an object, or an array for the list writers).
void WriteTags(JsonWriter& w, const std::vector<store::Tag>& tags);
void WriteExperiment(JsonWriter& w, const store::Experiment& experiment);
void WriteMetric(JsonWriter& w, const store::Metric& metric);
// The array of WriteMetric objects, byte for byte, encoded without the writer's per-key
// bookkeeping (a history holds up to millions of points).
void WriteMetricArray(JsonWriter& w, const std::vector<store::Metric>& metrics);
void WriteRunInfo(JsonWriter& w, const store::RunInfo& info);
void WriteRun(JsonWriter& w, const store::Run& run);
void WriteLoggedModel(JsonWriter& w, const store::LoggedModel& model);

// Writes `"key":[...]` only when `items` is non-empty (proto3 omits empty repeated fields).
template <typename T, typename Fn>
void WriteListField(JsonWriter& w, std::string_view key, const std::vector<T>& items, Fn write) {
  if (items.empty()) return;
  w.Key(key).BeginArray();
  for (const T& item : items) write(w, item);
  w.EndArray();
}

// [{key*, value}] at `field`; a missing key is "Missing value for required parameter
// 'tags[i].key'".
StatusOr<std::vector<store::Tag>> ReadTags(const FieldReader& fields, std::string_view field);
// [{key*, value*, timestamp*, step, model_id, dataset_name, dataset_digest}].
StatusOr<std::vector<store::Metric>> ReadMetrics(const FieldReader& fields, std::string_view field);
// One metric's fields from `fields` itself (log-metric).
StatusOr<store::Metric> ReadMetric(const FieldReader& fields);
// [{tags[], dataset{name, digest, source_type, source, schema, profile}}].
StatusOr<std::vector<store::DatasetInput>> ReadDatasetInputs(const FieldReader& fields,
                                                             std::string_view field);

}  // namespace inet::api::mlflow
