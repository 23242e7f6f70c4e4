#include "api/mlflow/entities_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <system_error>

#include "tracking/validation.h"

namespace inet::api::mlflow {

const std::vector<std::string_view>& RunStatusNames() {
  static const std::vector<std::string_view> kNames = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED",
                                                       "KILLED"};
  return kNames;
}

const std::vector<std::string_view>& ViewTypeNames() {
  static const std::vector<std::string_view> kNames = {"ACTIVE_ONLY", "DELETED_ONLY", "ALL"};
  return kNames;
}

const std::vector<std::string_view>& LoggedModelStatusNames() {
  static const std::vector<std::string_view> kNames = {"LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY",
                                                       "LOGGED_MODEL_UPLOAD_FAILED"};
  return kNames;
}

std::string_view RunStatusToName(store::RunStatus status) {
  return RunStatusNames()[static_cast<size_t>(status)];
}

std::string_view LifecycleToName(store::LifecycleStage stage) {
  return stage == store::LifecycleStage::kActive ? "active" : "deleted";
}

std::string_view LoggedModelStatusToName(store::LoggedModelStatus status) {
  return LoggedModelStatusNames()[static_cast<size_t>(status)];
}

void WriteTags(JsonWriter& w, const std::vector<store::Tag>& tags) {
  w.BeginArray();
  for (const auto& tag : tags) {
    w.BeginObject().Field("key", tag.key).Field("value", tag.value).EndObject();
  }
  w.EndArray();
}

void WriteExperiment(JsonWriter& w, const store::Experiment& e) {
  w.BeginObject()
      .Field("experiment_id", e.experiment_id)
      .Field("name", e.name)
      .Field("artifact_location", e.artifact_location)
      .Field("lifecycle_stage", LifecycleToName(e.lifecycle_stage))
      .Field("last_update_time", e.last_update_time)
      .Field("creation_time", e.creation_time);
  if (!e.tags.empty()) WriteTags(w.Key("tags"), e.tags);
  w.EndObject();
}

void WriteMetric(JsonWriter& w, const store::Metric& m) {
  w.BeginObject().Field("key", m.key);
  w.Key("value").Double(m.value);
  w.Field("timestamp", m.timestamp).Field("step", m.step);
  w.FieldIfSet("run_id", m.run_id)
      .FieldIfSet("model_id", m.model_id)
      .FieldIfSet("dataset_name", m.dataset_name)
      .FieldIfSet("dataset_digest", m.dataset_digest);
  w.EndObject();
}

namespace {

// Appends `value` as a JSON number, or as the string JsonWriter::Double writes for NaN and the
// infinities.
void AppendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    out.append(buf, ec == std::errc() ? end : buf);
  }
}

void AppendInt(std::string& out, int64_t value) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof(buf), value).ptr);
}

// `value` as a JSON string, escaped once for a run of equal values (a history's key and run id
// are the same on every point).
class CachedString {
 public:
  const std::string& Json(std::string_view value) {
    if (!valid_ || value != value_) {
      value_.assign(value);
      json_.clear();
      JsonWriter::AppendString(json_, value);
      valid_ = true;
    }
    return json_;
  }

 private:
  bool valid_ = false;
  std::string value_;
  std::string json_;
};

}  // namespace

void WriteMetricArray(JsonWriter& w, const std::vector<store::Metric>& metrics) {
  w.RawValue([&metrics](std::string& out) {
    CachedString key;
    CachedString run_id;
    out.push_back('[');
    for (size_t i = 0; i < metrics.size(); ++i) {
      const store::Metric& m = metrics[i];
      if (i > 0) out.push_back(',');
      out += "{\"key\":";
      out += key.Json(m.key);
      out += ",\"value\":";
      AppendDouble(out, m.value);
      out += ",\"timestamp\":";
      AppendInt(out, m.timestamp);
      out += ",\"step\":";
      AppendInt(out, m.step);
      if (!m.run_id.empty()) {
        out += ",\"run_id\":";
        out += run_id.Json(m.run_id);
      }
      if (!m.model_id.empty()) {
        out += ",\"model_id\":";
        JsonWriter::AppendString(out, m.model_id);
      }
      if (!m.dataset_name.empty()) {
        out += ",\"dataset_name\":";
        JsonWriter::AppendString(out, m.dataset_name);
      }
      if (!m.dataset_digest.empty()) {
        out += ",\"dataset_digest\":";
        JsonWriter::AppendString(out, m.dataset_digest);
      }
      out.push_back('}');
    }
    out.push_back(']');
  });
}

void WriteRunInfo(JsonWriter& w, const store::RunInfo& info) {
  w.BeginObject()
      .Field("run_id", info.run_id)
      .Field("run_uuid", info.run_id)
      .Field("run_name", info.run_name)
      .Field("experiment_id", info.experiment_id)
      .Field("user_id", info.user_id)
      .Field("status", RunStatusToName(info.status))
      .Field("start_time", info.start_time);
  if (info.end_time) w.Field("end_time", *info.end_time);
  w.Field("artifact_uri", info.artifact_uri)
      .Field("lifecycle_stage", LifecycleToName(info.lifecycle_stage))
      .EndObject();
}

void WriteRun(JsonWriter& w, const store::Run& run) {
  w.BeginObject();
  WriteRunInfo(w.Key("info"), run.info);
  w.Key("data").BeginObject();
  WriteListField(w, "metrics", run.latest_metrics,
                 [](JsonWriter& jw, const store::Metric& m) { WriteMetric(jw, m); });
  if (!run.params.empty()) WriteTags(w.Key("params"), run.params);
  if (!run.tags.empty()) WriteTags(w.Key("tags"), run.tags);
  w.EndObject();
  w.Key("inputs").BeginObject();
  WriteListField(w, "dataset_inputs", run.dataset_inputs,
                 [](JsonWriter& jw, const store::DatasetInput& in) {
                   jw.BeginObject();
                   if (!in.tags.empty()) WriteTags(jw.Key("tags"), in.tags);
                   const store::Dataset& d = in.dataset;
                   jw.Key("dataset")
                       .BeginObject()
                       .Field("name", d.name)
                       .Field("digest", d.digest)
                       .Field("source_type", d.source_type)
                       .Field("source", d.source)
                       .FieldIfSet("schema", d.schema)
                       .FieldIfSet("profile", d.profile)
                       .EndObject();
                   jw.EndObject();
                 });
  WriteListField(w, "model_inputs", run.model_inputs,
                 [](JsonWriter& jw, const store::ModelInput& in) {
                   jw.BeginObject().Field("model_id", in.model_id).EndObject();
                 });
  w.EndObject();
  w.Key("outputs").BeginObject();
  WriteListField(w, "model_outputs", run.model_outputs,
                 [](JsonWriter& jw, const store::ModelOutput& out) {
                   jw.BeginObject().Field("model_id", out.model_id).Field("step", out.step);
                   jw.EndObject();
                 });
  w.EndObject();
  w.EndObject();
}

void WriteLoggedModel(JsonWriter& w, const store::LoggedModel& m) {
  w.BeginObject();
  w.Key("info")
      .BeginObject()
      .Field("model_id", m.model_id)
      .Field("experiment_id", m.experiment_id)
      .Field("name", m.name)
      .Field("creation_timestamp_ms", m.creation_timestamp_ms)
      .Field("last_updated_timestamp_ms", m.last_updated_timestamp_ms)
      .Field("artifact_uri", m.artifact_uri)
      .Field("status", LoggedModelStatusToName(m.status))
      // creator_id is an int64 in MLflow's proto: a user name would break the client's parser.
      .FieldIfSet("model_type", m.model_type)
      .FieldIfSet("source_run_id", m.source_run_id)
      .FieldIfSet("status_message", m.status_message);
  if (!m.tags.empty()) WriteTags(w.Key("tags"), m.tags);
  w.EndObject();
  w.Key("data").BeginObject();
  if (!m.params.empty()) WriteTags(w.Key("params"), m.params);
  WriteListField(w, "metrics", m.metrics,
                 [](JsonWriter& jw, const store::Metric& metric) { WriteMetric(jw, metric); });
  w.EndObject();
  w.EndObject();
}

StatusOr<std::vector<store::Tag>> ReadTags(const FieldReader& fields, std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<FieldReader> items, fields.ObjectList(field));
  std::vector<store::Tag> tags;
  tags.reserve(items.size());
  for (const FieldReader& item : items) {
    store::Tag tag;
    ASSIGN_OR_RETURN(tag.key, item.RequiredString("key"));
    ASSIGN_OR_RETURN(tag.value, item.StringOr("value"));
    tags.push_back(std::move(tag));
  }
  return tags;
}

StatusOr<store::Metric> ReadMetric(const FieldReader& item) {
  store::Metric m;
  ASSIGN_OR_RETURN(m.key, item.RequiredString("key"));
  ASSIGN_OR_RETURN(m.value, item.RequiredDouble("value"));
  ASSIGN_OR_RETURN(m.timestamp, item.RequiredInt64("timestamp"));
  ASSIGN_OR_RETURN(std::optional<int64_t> step, item.OptionalInt64("step"));
  m.step = step.value_or(0);
  ASSIGN_OR_RETURN(m.model_id, item.StringOr("model_id"));
  ASSIGN_OR_RETURN(m.dataset_name, item.StringOr("dataset_name"));
  ASSIGN_OR_RETURN(m.dataset_digest, item.StringOr("dataset_digest"));
  return m;
}

StatusOr<std::vector<store::Metric>> ReadMetrics(const FieldReader& fields,
                                                 std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<FieldReader> items, fields.ObjectList(field));
  std::vector<store::Metric> metrics;
  metrics.reserve(items.size());
  for (const FieldReader& item : items) {
    ASSIGN_OR_RETURN(store::Metric m, ReadMetric(item));
    metrics.push_back(std::move(m));
  }
  return metrics;
}

StatusOr<std::vector<store::DatasetInput>> ReadDatasetInputs(const FieldReader& fields,
                                                             std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<FieldReader> items, fields.ObjectList(field));
  std::vector<store::DatasetInput> inputs;
  inputs.reserve(items.size());
  for (const FieldReader& item : items) {
    store::DatasetInput in;
    ASSIGN_OR_RETURN(in.tags, ReadTags(item, "tags"));
    ASSIGN_OR_RETURN(std::optional<FieldReader> dataset, item.Object("dataset"));
    if (!dataset) {
      return InvalidArgumentError(tracking::MissingValueMessage(item.PathOf("dataset")));
    }
    ASSIGN_OR_RETURN(in.dataset.name, dataset->RequiredString("name"));
    ASSIGN_OR_RETURN(in.dataset.digest, dataset->RequiredString("digest"));
    ASSIGN_OR_RETURN(in.dataset.source_type, dataset->RequiredString("source_type"));
    ASSIGN_OR_RETURN(in.dataset.source, dataset->RequiredString("source"));
    ASSIGN_OR_RETURN(in.dataset.schema, dataset->StringOr("schema"));
    ASSIGN_OR_RETURN(in.dataset.profile, dataset->StringOr("profile"));
    inputs.push_back(std::move(in));
  }
  return inputs;
}

}  // namespace inet::api::mlflow
