#include "api/mlflow/tracking_routes.h"

#include <exception>
#include <functional>
#include <string>
#include <utility>

#include "api/authorization.h"
#include "api/mlflow/entities_json.h"
#include "api/mlflow/json_codec.h"
#include "api/routes.h"
#include "tracking/validation.h"

namespace inet::api {
namespace {

using mlflow::FieldReader;
using mlflow::JsonWriter;
using tracking::TrackingService;

constexpr std::string_view kEmptyObject = "{}";

// A tracking handler: reads the decoded fields, returns the JSON body of a 200 response.
using JsonHandler = std::function<StatusOr<std::string>(TrackingService&, const http::Request&,
                                                        const FieldReader&)>;

// What a route touches, for a scoped token (api/authorization.h): checked with the decoded
// fields before the handler runs. User tokens skip it.
using Rule = std::function<Status(const Authorizer&, const http::Request&, const FieldReader&)>;

http::Handler Wrap(TrackingService& service, const Authorizer& authorizer, Rule rule,
                   JsonHandler handler) {
  return [&service, &authorizer, rule = std::move(rule),
          handler = std::move(handler)](http::Request& request) -> http::Response {
    try {
      StatusOr<boost::json::object> params = mlflow::DecodeRequestParams(request);
      if (!params.ok()) return http::ErrorResponse(params.status());
      FieldReader fields(*params);
      if (request.identity.scoped()) {
        Status allowed = rule(authorizer, request, fields);
        if (!allowed.ok()) return http::ErrorResponse(allowed);
      }
      StatusOr<std::string> body = handler(service, request, fields);
      if (!body.ok()) return http::ErrorResponse(body.status());
      return http::Response::Json(std::move(body).value());
    } catch (const std::exception& e) {
      // Allocation failure or a library bug: answer, never take the server down.
      return http::ErrorResponse(InternalError(std::string("unexpected error: ") + e.what()));
    }
  };
}

// MLflow accepts run_uuid where run_id is absent.
StatusOr<std::string> RunIdOf(const FieldReader& f) {
  if (!f.Has("run_id") && f.Has("run_uuid")) return f.RequiredString("run_uuid");
  return f.RequiredString("run_id");
}

StatusOr<std::string> PathParam(const http::Request& request, const std::string& name) {
  auto it = request.path_params.find(name);
  if (it == request.path_params.end() || it->second.empty()) {
    return InvalidArgumentError(tracking::MissingValueMessage(name));
  }
  return it->second;
}

StatusOr<std::optional<store::ViewType>> ViewTypeOf(const FieldReader& f, std::string_view key) {
  ASSIGN_OR_RETURN(std::optional<size_t> index,
                   f.OptionalEnum(key, mlflow::ViewTypeNames(), /*first_number=*/1));
  if (!index) return std::optional<store::ViewType>();
  return std::optional<store::ViewType>(static_cast<store::ViewType>(*index));
}

// Adds next_page_token (when there is a next page) and closes the response object.
std::string FinishWithToken(JsonWriter& w, const std::string& token) {
  if (!token.empty()) w.Field("next_page_token", token);
  w.EndObject();
  return w.Take();
}

// --- Authorization rules ---------------------------------------------------------------------

Rule UsersOnly(std::string action) {
  return
      [action = std::move(action)](const Authorizer&, const http::Request& r, const FieldReader&) {
        return Authorizer::UsersOnly(r.identity, action);
      };
}

Rule OnRun(Access access) {
  return [access](const Authorizer& a, const http::Request& r, const FieldReader& f) -> Status {
    ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
    return a.Run(r.identity, run_id, access);
  };
}

Rule OnRuns(std::string field) {
  return [field = std::move(field)](const Authorizer& a, const http::Request& r,
                                    const FieldReader& f) -> Status {
    ASSIGN_OR_RETURN(std::vector<std::string> run_ids, f.StringList(field));
    return a.Runs(r.identity, run_ids);
  };
}

Status OnExperiment(const Authorizer& a, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string id, f.RequiredString("experiment_id", /*allow_number=*/true));
  return a.Experiment(r.identity, id);
}

Status OnExperimentNamed(const Authorizer& a, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string name, f.RequiredString("experiment_name"));
  return a.ExperimentNamed(r.identity, name);
}

Status OnExperiments(const Authorizer& a, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, f.StringList("experiment_ids", true));
  return a.Experiments(r.identity, ids);
}

Status OnNewModel(const Authorizer& a, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string experiment_id, f.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(std::string source_run_id, f.StringOr("source_run_id"));
  return a.NewLoggedModel(r.identity, experiment_id, source_run_id);
}

Rule OnModel(Access access) {
  return [access](const Authorizer& a, const http::Request& r, const FieldReader&) -> Status {
    ASSIGN_OR_RETURN(std::string model_id, PathParam(r, "model_id"));
    return a.LoggedModel(r.identity, model_id, access);
  };
}

// --- Experiments -----------------------------------------------------------------------------

StatusOr<std::string> CreateExperiment(TrackingService& s, const http::Request& r,
                                       const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string name, f.RequiredString("name"));
  ASSIGN_OR_RETURN(std::string location, f.StringOr("artifact_location"));
  ASSIGN_OR_RETURN(std::vector<store::Tag> tags, mlflow::ReadTags(f, "tags"));
  ASSIGN_OR_RETURN(std::string id, s.CreateExperiment(r.identity, std::move(name),
                                                      std::move(location), std::move(tags)));
  JsonWriter w;
  w.BeginObject().Field("experiment_id", id).EndObject();
  return w.Take();
}

StatusOr<std::string> GetExperiment(TrackingService& s, const http::Request& r,
                                    const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string id, f.RequiredString("experiment_id", /*allow_number=*/true));
  ASSIGN_OR_RETURN(store::Experiment e, s.GetExperiment(r.identity, id));
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteExperiment(w.Key("experiment"), e);
  w.EndObject();
  return w.Take();
}

StatusOr<std::string> GetExperimentByName(TrackingService& s, const http::Request& r,
                                          const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string name, f.RequiredString("experiment_name"));
  ASSIGN_OR_RETURN(store::Experiment e, s.GetExperimentByName(r.identity, name));
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteExperiment(w.Key("experiment"), e);
  w.EndObject();
  return w.Take();
}

StatusOr<std::string> SearchExperiments(TrackingService& s, const http::Request& r,
                                        const FieldReader& f) {
  tracking::SearchExperimentsRequest req;
  ASSIGN_OR_RETURN(req.max_results, f.OptionalInt64("max_results"));
  ASSIGN_OR_RETURN(req.page_token, f.StringOr("page_token"));
  ASSIGN_OR_RETURN(req.filter, f.StringOr("filter"));
  ASSIGN_OR_RETURN(req.order_by, f.StringList("order_by"));
  ASSIGN_OR_RETURN(std::optional<store::ViewType> view, ViewTypeOf(f, "view_type"));
  req.view_type = view.value_or(store::ViewType::kActiveOnly);
  ASSIGN_OR_RETURN(store::Page<store::Experiment> page, s.SearchExperiments(r.identity, req));
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteListField(
      w, "experiments", page.items,
      [](JsonWriter& jw, const store::Experiment& e) { mlflow::WriteExperiment(jw, e); });
  return FinishWithToken(w, page.next_page_token);
}

StatusOr<std::string> DeleteExperiment(TrackingService& s, const http::Request& r,
                                       const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string id, f.RequiredString("experiment_id", true));
  RETURN_IF_ERROR(s.DeleteExperiment(r.identity, id));
  return std::string(kEmptyObject);
}

StatusOr<std::string> RestoreExperiment(TrackingService& s, const http::Request& r,
                                        const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string id, f.RequiredString("experiment_id", true));
  RETURN_IF_ERROR(s.RestoreExperiment(r.identity, id));
  return std::string(kEmptyObject);
}

StatusOr<std::string> UpdateExperiment(TrackingService& s, const http::Request& r,
                                       const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string id, f.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(std::string new_name, f.RequiredString("new_name"));
  RETURN_IF_ERROR(s.RenameExperiment(r.identity, id, new_name));
  return std::string(kEmptyObject);
}

StatusOr<std::string> SetExperimentTag(TrackingService& s, const http::Request& r,
                                       const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string id, f.RequiredString("experiment_id", true));
  store::Tag tag;
  ASSIGN_OR_RETURN(tag.key, f.RequiredString("key"));
  ASSIGN_OR_RETURN(tag.value, f.StringOr("value"));
  RETURN_IF_ERROR(s.SetExperimentTag(r.identity, id, tag));
  return std::string(kEmptyObject);
}

StatusOr<std::string> DeleteExperimentTag(TrackingService& s, const http::Request& r,
                                          const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string id, f.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(std::string key, f.RequiredString("key"));
  RETURN_IF_ERROR(s.DeleteExperimentTag(r.identity, id, key));
  return std::string(kEmptyObject);
}

// --- Runs ------------------------------------------------------------------------------------

std::string RunResponse(const store::Run& run) {
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteRun(w.Key("run"), run);
  w.EndObject();
  return w.Take();
}

StatusOr<std::string> CreateRun(TrackingService& s, const http::Request& r, const FieldReader& f) {
  tracking::CreateRunRequest req;
  ASSIGN_OR_RETURN(req.experiment_id, f.StringOr("experiment_id", "", true));
  ASSIGN_OR_RETURN(req.user_id, f.StringOr("user_id"));
  ASSIGN_OR_RETURN(req.run_name, f.StringOr("run_name"));
  ASSIGN_OR_RETURN(req.start_time, f.OptionalInt64("start_time"));
  ASSIGN_OR_RETURN(req.tags, mlflow::ReadTags(f, "tags"));
  ASSIGN_OR_RETURN(store::Run run, s.CreateRun(r.identity, std::move(req)));
  return RunResponse(run);
}

StatusOr<std::string> UpdateRun(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  ASSIGN_OR_RETURN(std::optional<size_t> status_index,
                   f.OptionalEnum("status", mlflow::RunStatusNames(), 1));
  std::optional<store::RunStatus> status;
  if (status_index) status = static_cast<store::RunStatus>(*status_index);
  ASSIGN_OR_RETURN(std::optional<int64_t> end_time, f.OptionalInt64("end_time"));
  ASSIGN_OR_RETURN(std::optional<std::string> run_name, f.OptionalString("run_name"));
  ASSIGN_OR_RETURN(store::RunInfo info,
                   s.UpdateRun(r.identity, run_id, status, end_time, std::move(run_name)));
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteRunInfo(w.Key("run_info"), info);
  w.EndObject();
  return w.Take();
}

StatusOr<std::string> DeleteRun(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  RETURN_IF_ERROR(s.DeleteRun(r.identity, run_id));
  return std::string(kEmptyObject);
}

StatusOr<std::string> RestoreRun(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  RETURN_IF_ERROR(s.RestoreRun(r.identity, run_id));
  return std::string(kEmptyObject);
}

StatusOr<std::string> GetRun(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  ASSIGN_OR_RETURN(store::Run run, s.GetRun(r.identity, run_id));
  return RunResponse(run);
}

StatusOr<std::string> LogMetric(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  ASSIGN_OR_RETURN(store::Metric metric, mlflow::ReadMetric(f));
  RETURN_IF_ERROR(s.LogMetric(r.identity, run_id, std::move(metric)));
  return std::string(kEmptyObject);
}

StatusOr<std::string> LogParam(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  store::Param param;
  ASSIGN_OR_RETURN(param.key, f.RequiredString("key"));
  ASSIGN_OR_RETURN(param.value, f.StringOr("value"));
  RETURN_IF_ERROR(s.LogParam(r.identity, run_id, std::move(param)));
  return std::string(kEmptyObject);
}

StatusOr<std::string> SetTag(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  store::Tag tag;
  ASSIGN_OR_RETURN(tag.key, f.RequiredString("key"));
  ASSIGN_OR_RETURN(tag.value, f.StringOr("value"));
  RETURN_IF_ERROR(s.SetTag(r.identity, run_id, std::move(tag)));
  return std::string(kEmptyObject);
}

StatusOr<std::string> DeleteTag(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  ASSIGN_OR_RETURN(std::string key, f.RequiredString("key"));
  RETURN_IF_ERROR(s.DeleteTag(r.identity, run_id, key));
  return std::string(kEmptyObject);
}

StatusOr<std::string> LogBatch(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  ASSIGN_OR_RETURN(std::vector<store::Metric> metrics, mlflow::ReadMetrics(f, "metrics"));
  ASSIGN_OR_RETURN(std::vector<store::Param> params, mlflow::ReadTags(f, "params"));
  ASSIGN_OR_RETURN(std::vector<store::Tag> tags, mlflow::ReadTags(f, "tags"));
  RETURN_IF_ERROR(
      s.LogBatch(r.identity, run_id, std::move(metrics), std::move(params), std::move(tags)));
  return std::string(kEmptyObject);
}

StatusOr<std::string> SearchRuns(TrackingService& s, const http::Request& r, const FieldReader& f) {
  tracking::SearchRunsRequest req;
  ASSIGN_OR_RETURN(req.experiment_ids, f.StringList("experiment_ids", /*allow_number=*/true));
  ASSIGN_OR_RETURN(req.filter, f.StringOr("filter"));
  ASSIGN_OR_RETURN(std::optional<store::ViewType> view, ViewTypeOf(f, "run_view_type"));
  req.view_type = view.value_or(store::ViewType::kActiveOnly);
  ASSIGN_OR_RETURN(req.max_results, f.OptionalInt64("max_results"));
  ASSIGN_OR_RETURN(req.order_by, f.StringList("order_by"));
  ASSIGN_OR_RETURN(req.page_token, f.StringOr("page_token"));
  ASSIGN_OR_RETURN(store::Page<store::Run> page, s.SearchRuns(r.identity, req));
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteListField(w, "runs", page.items,
                         [](JsonWriter& jw, const store::Run& run) { mlflow::WriteRun(jw, run); });
  return FinishWithToken(w, page.next_page_token);
}

StatusOr<std::string> LogInputs(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  ASSIGN_OR_RETURN(std::vector<store::DatasetInput> datasets,
                   mlflow::ReadDatasetInputs(f, "datasets"));
  ASSIGN_OR_RETURN(std::vector<FieldReader> model_items, f.ObjectList("models"));
  std::vector<store::ModelInput> models;
  for (const FieldReader& item : model_items) {
    ASSIGN_OR_RETURN(std::string model_id, item.RequiredString("model_id"));
    models.push_back({std::move(model_id)});
  }
  RETURN_IF_ERROR(s.LogInputs(r.identity, run_id, datasets, models));
  return std::string(kEmptyObject);
}

StatusOr<std::string> LogOutputs(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  if (!f.Has("models")) {
    return InvalidArgumentError(tracking::MissingValueMessage("models") +
                                " See the API docs for more information about request "
                                "parameters.");
  }
  ASSIGN_OR_RETURN(std::vector<FieldReader> items, f.ObjectList("models"));
  std::vector<store::ModelOutput> models;
  for (const FieldReader& item : items) {
    store::ModelOutput out;
    ASSIGN_OR_RETURN(out.model_id, item.RequiredString("model_id"));
    ASSIGN_OR_RETURN(out.step, item.RequiredInt64("step"));
    models.push_back(std::move(out));
  }
  RETURN_IF_ERROR(s.LogOutputs(r.identity, run_id, models));
  return std::string(kEmptyObject);
}

StatusOr<std::string> LogModel(TrackingService& s, const http::Request& r, const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  ASSIGN_OR_RETURN(std::string model_json, f.RequiredString("model_json"));
  RETURN_IF_ERROR(s.RecordLoggedModel(r.identity, run_id, model_json));
  return std::string(kEmptyObject);
}

void WriteMetricsList(JsonWriter& w, const std::vector<store::Metric>& metrics) {
  if (metrics.empty()) return;  // proto3 omits an empty repeated field
  // A history can hold millions of points: one allocation for the whole body instead of a
  // doubling series of large ones. The estimate errs high (a point's fixed text, its numbers
  // at their longest and the field names of the optional strings take at most 160 bytes):
  // reserved pages that are never written cost no memory.
  const store::Metric& m = metrics.front();
  w.Reserve(metrics.size() * (160 + m.key.size() + m.run_id.size() + m.model_id.size() +
                              m.dataset_name.size() + m.dataset_digest.size()));
  mlflow::WriteMetricArray(w.Key("metrics"), metrics);
}

StatusOr<std::string> GetMetricHistory(TrackingService& s, const http::Request& r,
                                       const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string run_id, RunIdOf(f));
  ASSIGN_OR_RETURN(std::string key, f.RequiredString("metric_key"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_results, f.OptionalInt64("max_results"));
  ASSIGN_OR_RETURN(std::string token, f.StringOr("page_token"));
  ASSIGN_OR_RETURN(store::Page<store::Metric> page,
                   s.GetMetricHistory(r.identity, run_id, key, max_results, token));
  JsonWriter w;
  w.BeginObject();
  WriteMetricsList(w, page.items);
  return FinishWithToken(w, page.next_page_token);
}

StatusOr<std::string> GetMetricHistoryBulkInterval(TrackingService& s, const http::Request& r,
                                                   const FieldReader& f) {
  ASSIGN_OR_RETURN(std::vector<std::string> run_ids, f.StringList("run_ids"));
  if (run_ids.empty()) {
    return InvalidArgumentError(tracking::MissingValueMessage("run_ids") +
                                " See the API docs for more information about request "
                                "parameters.");
  }
  ASSIGN_OR_RETURN(std::string key, f.RequiredString("metric_key"));
  ASSIGN_OR_RETURN(std::optional<int64_t> start_step, f.OptionalInt64("start_step"));
  ASSIGN_OR_RETURN(std::optional<int64_t> end_step, f.OptionalInt64("end_step"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_results, f.OptionalInt64("max_results"));
  ASSIGN_OR_RETURN(
      std::vector<store::Metric> metrics,
      s.GetMetricHistoryBulkInterval(r.identity, run_ids, key, start_step, end_step, max_results));
  JsonWriter w;
  w.BeginObject();
  WriteMetricsList(w, metrics);
  w.EndObject();
  return w.Take();
}

// Ajax-only (not a proto endpoint): run_id repeated, metric_key, max_results.
StatusOr<std::string> GetMetricHistoryBulk(TrackingService& s, const http::Request& r,
                                           const FieldReader& f) {
  ASSIGN_OR_RETURN(std::vector<std::string> run_ids, f.StringList("run_id"));
  ASSIGN_OR_RETURN(std::optional<std::string> key, f.OptionalString("metric_key"));
  if (!key) return InvalidArgumentError("GetMetricHistoryBulk request must specify a metric_key.");
  ASSIGN_OR_RETURN(std::optional<int64_t> max_results, f.OptionalInt64("max_results"));
  ASSIGN_OR_RETURN(std::vector<store::Metric> metrics,
                   s.GetMetricHistoryBulk(r.identity, std::move(run_ids), *key, max_results));
  JsonWriter w;
  w.BeginObject().Key("metrics").BeginArray();
  for (const store::Metric& m : metrics) {
    w.BeginObject().Field("key", m.key);
    w.Key("value").Double(m.value);
    w.Field("timestamp", m.timestamp).Field("step", m.step).Field("run_id", m.run_id);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

StatusOr<std::string> SearchDatasets(TrackingService& s, const http::Request& r,
                                     const FieldReader& f) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, f.StringList("experiment_ids", true));
  ASSIGN_OR_RETURN(std::vector<tracking::DatasetSummary> summaries,
                   s.SearchDatasets(r.identity, ids));
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteListField(w, "dataset_summaries", summaries,
                         [](JsonWriter& jw, const tracking::DatasetSummary& d) {
                           jw.BeginObject()
                               .Field("experiment_id", d.experiment_id)
                               .Field("name", d.name)
                               .Field("digest", d.digest)
                               .FieldIfSet("context", d.context)
                               .EndObject();
                         });
  w.EndObject();
  return w.Take();
}

// --- Logged models ---------------------------------------------------------------------------

std::string ModelResponse(const store::LoggedModel& model) {
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteLoggedModel(w.Key("model"), model);
  w.EndObject();
  return w.Take();
}

StatusOr<std::string> CreateLoggedModel(TrackingService& s, const http::Request& r,
                                        const FieldReader& f) {
  tracking::CreateLoggedModelRequest req;
  ASSIGN_OR_RETURN(req.experiment_id, f.RequiredString("experiment_id", true));
  ASSIGN_OR_RETURN(req.name, f.StringOr("name"));
  ASSIGN_OR_RETURN(req.model_type, f.StringOr("model_type"));
  ASSIGN_OR_RETURN(req.source_run_id, f.StringOr("source_run_id"));
  ASSIGN_OR_RETURN(req.params, mlflow::ReadTags(f, "params"));
  ASSIGN_OR_RETURN(req.tags, mlflow::ReadTags(f, "tags"));
  ASSIGN_OR_RETURN(store::LoggedModel model, s.CreateLoggedModel(r.identity, std::move(req)));
  return ModelResponse(model);
}

StatusOr<std::string> GetLoggedModel(TrackingService& s, const http::Request& r,
                                     const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string model_id, PathParam(r, "model_id"));
  ASSIGN_OR_RETURN(std::optional<bool> allow_deleted, f.OptionalBool("allow_deleted"));
  ASSIGN_OR_RETURN(store::LoggedModel model,
                   s.GetLoggedModel(r.identity, model_id, allow_deleted.value_or(false)));
  return ModelResponse(model);
}

StatusOr<std::string> FinalizeLoggedModel(TrackingService& s, const http::Request& r,
                                          const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string model_id, PathParam(r, "model_id"));
  ASSIGN_OR_RETURN(std::optional<size_t> status,
                   f.OptionalEnum("status", mlflow::LoggedModelStatusNames(), 1));
  if (!status) {
    return InvalidArgumentError(tracking::MissingValueMessage("status") +
                                " See the API docs for more information about request "
                                "parameters.");
  }
  ASSIGN_OR_RETURN(
      store::LoggedModel model,
      s.FinalizeLoggedModel(r.identity, model_id, static_cast<store::LoggedModelStatus>(*status)));
  return ModelResponse(model);
}

StatusOr<std::string> DeleteLoggedModel(TrackingService& s, const http::Request& r,
                                        const FieldReader&) {
  ASSIGN_OR_RETURN(std::string model_id, PathParam(r, "model_id"));
  RETURN_IF_ERROR(s.DeleteLoggedModel(r.identity, model_id));
  return std::string(kEmptyObject);
}

StatusOr<std::string> SetLoggedModelTags(TrackingService& s, const http::Request& r,
                                         const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string model_id, PathParam(r, "model_id"));
  ASSIGN_OR_RETURN(std::vector<store::Tag> tags, mlflow::ReadTags(f, "tags"));
  RETURN_IF_ERROR(s.SetLoggedModelTags(r.identity, model_id, std::move(tags)));
  return std::string(kEmptyObject);
}

StatusOr<std::string> DeleteLoggedModelTag(TrackingService& s, const http::Request& r,
                                           const FieldReader&) {
  ASSIGN_OR_RETURN(std::string model_id, PathParam(r, "model_id"));
  ASSIGN_OR_RETURN(std::string key, PathParam(r, "tag_key"));
  RETURN_IF_ERROR(s.DeleteLoggedModelTag(r.identity, model_id, key));
  return std::string(kEmptyObject);
}

StatusOr<std::string> LogLoggedModelParams(TrackingService& s, const http::Request& r,
                                           const FieldReader& f) {
  ASSIGN_OR_RETURN(std::string model_id, PathParam(r, "model_id"));
  ASSIGN_OR_RETURN(std::vector<store::Param> params, mlflow::ReadTags(f, "params"));
  RETURN_IF_ERROR(s.LogLoggedModelParams(r.identity, model_id, std::move(params)));
  return std::string(kEmptyObject);
}

StatusOr<std::string> SearchLoggedModels(TrackingService& s, const http::Request& r,
                                         const FieldReader& f) {
  tracking::SearchLoggedModelsRequest req;
  ASSIGN_OR_RETURN(req.experiment_ids, f.StringList("experiment_ids", true));
  ASSIGN_OR_RETURN(req.filter, f.StringOr("filter"));
  ASSIGN_OR_RETURN(std::vector<FieldReader> datasets, f.ObjectList("datasets"));
  for (const FieldReader& d : datasets) {
    ASSIGN_OR_RETURN(std::string name, d.RequiredString("dataset_name"));
    ASSIGN_OR_RETURN(std::string digest, d.StringOr("dataset_digest"));
    req.datasets.emplace_back(std::move(name), std::move(digest));
  }
  ASSIGN_OR_RETURN(req.max_results, f.OptionalInt64("max_results"));
  ASSIGN_OR_RETURN(std::vector<FieldReader> orders, f.ObjectList("order_by"));
  for (const FieldReader& o : orders) {
    store::LoggedModelOrder order;
    ASSIGN_OR_RETURN(order.field_name, o.RequiredString("field_name"));
    ASSIGN_OR_RETURN(std::optional<bool> ascending, o.OptionalBool("ascending"));
    order.ascending = ascending.value_or(true);
    ASSIGN_OR_RETURN(order.dataset_name, o.StringOr("dataset_name"));
    ASSIGN_OR_RETURN(order.dataset_digest, o.StringOr("dataset_digest"));
    req.order_by.push_back(std::move(order));
  }
  ASSIGN_OR_RETURN(req.page_token, f.StringOr("page_token"));
  ASSIGN_OR_RETURN(store::Page<store::LoggedModel> page, s.SearchLoggedModels(r.identity, req));
  JsonWriter w;
  w.BeginObject();
  mlflow::WriteListField(w, "models", page.items, [](JsonWriter& jw, const store::LoggedModel& m) {
    mlflow::WriteLoggedModel(jw, m);
  });
  return FinishWithToken(w, page.next_page_token);
}

}  // namespace

void RegisterMlflowTrackingRoutes(http::Router& router, TrackingService& service,
                                  const Authorizer& authorizer) {
  using http::Method;
  constexpr Access kRead = Access::kRead;
  constexpr Access kWrite = Access::kWrite;
  // Every route authorizes scoped tokens through its rule.
  const http::RouteOptions options{.scoped_tokens = true};
  auto add = [&](Method method, std::string_view path, Rule rule, JsonHandler handler) {
    AddMlflowRoute(router, method, path,
                   Wrap(service, authorizer, std::move(rule), std::move(handler)), options);
  };
  // What the mlflow client asks before it sends a workspace (MLFLOW_WORKSPACE): public, as on
  // mlflow server, and free of anything about tenants. Teams are workspaces, always on.
  const http::RouteOptions public_route{.public_route = true};
  for (std::string_view prefix : {"/api", "/ajax-api"}) {
    router.Add(
        Method::kGet, std::string(prefix) + "/3.0/mlflow/server-info",
        [](http::Request&) {
          return http::Response::Json(
              R"({"store_type":"SqlStore","workspaces_enabled":true,)"
              R"("trace_archival_enabled":false,"multipart_uploads_enabled":false,)"
              R"("multipart_downloads_enabled":false,"presigned_upload_run_id_supported":false,)"
              R"("presigned_upload_model_id_supported":false,"features_enabled":{"gateway":false}})");
        },
        public_route);
  }
  const Rule change_experiments = UsersOnly("changing experiments");
  add(Method::kPost, "/mlflow/experiments/create", UsersOnly("creating experiments"),
      CreateExperiment);
  add(Method::kGet, "/mlflow/experiments/get", OnExperiment, GetExperiment);
  add(Method::kGet, "/mlflow/experiments/get-by-name", OnExperimentNamed, GetExperimentByName);
  add(Method::kPost, "/mlflow/experiments/search", UsersOnly("searching experiments"),
      SearchExperiments);
  add(Method::kGet, "/mlflow/experiments/search", UsersOnly("searching experiments"),
      SearchExperiments);
  add(Method::kPost, "/mlflow/experiments/delete", change_experiments, DeleteExperiment);
  add(Method::kPost, "/mlflow/experiments/restore", change_experiments, RestoreExperiment);
  add(Method::kPost, "/mlflow/experiments/update", change_experiments, UpdateExperiment);
  add(Method::kPost, "/mlflow/experiments/set-experiment-tag", change_experiments,
      SetExperimentTag);
  add(Method::kPost, "/mlflow/experiments/delete-experiment-tag", change_experiments,
      DeleteExperimentTag);

  add(Method::kPost, "/mlflow/runs/create",
      UsersOnly("creating runs (the job's own run is in MLFLOW_RUN_ID)"), CreateRun);
  add(Method::kPost, "/mlflow/runs/update", OnRun(kWrite), UpdateRun);
  add(Method::kPost, "/mlflow/runs/delete", UsersOnly("deleting runs"), DeleteRun);
  add(Method::kPost, "/mlflow/runs/restore", UsersOnly("restoring runs"), RestoreRun);
  add(Method::kGet, "/mlflow/runs/get", OnRun(kRead), GetRun);
  add(Method::kPost, "/mlflow/runs/log-metric", OnRun(kWrite), LogMetric);
  add(Method::kPost, "/mlflow/runs/log-parameter", OnRun(kWrite), LogParam);
  add(Method::kPost, "/mlflow/runs/set-tag", OnRun(kWrite), SetTag);
  add(Method::kPost, "/mlflow/runs/delete-tag", OnRun(kWrite), DeleteTag);
  add(Method::kPost, "/mlflow/runs/log-batch", OnRun(kWrite), LogBatch);
  add(Method::kPost, "/mlflow/runs/search", UsersOnly("searching runs"), SearchRuns);
  add(Method::kPost, "/mlflow/runs/log-inputs", OnRun(kWrite), LogInputs);
  add(Method::kPost, "/mlflow/runs/outputs", OnRun(kWrite), LogOutputs);
  add(Method::kPost, "/mlflow/runs/log-model", OnRun(kWrite), LogModel);
  add(Method::kGet, "/mlflow/metrics/get-history", OnRun(kRead), GetMetricHistory);
  add(Method::kGet, "/mlflow/metrics/get-history-bulk-interval", OnRuns("run_ids"),
      GetMetricHistoryBulkInterval);

  // UI-only routes that MLflow serves under /ajax-api alone.
  router.Add(Method::kGet, "/ajax-api/2.0/mlflow/metrics/get-history-bulk",
             Wrap(service, authorizer, OnRuns("run_id"), GetMetricHistoryBulk), options);
  router.Add(Method::kPost, "/ajax-api/2.0/mlflow/experiments/search-datasets",
             Wrap(service, authorizer, UsersOnly("searching datasets"), SearchDatasets), options);

  add(Method::kPost, "/mlflow/logged-models", OnNewModel, CreateLoggedModel);
  add(Method::kPost, "/mlflow/logged-models/search", OnExperiments, SearchLoggedModels);
  add(Method::kGet, "/mlflow/logged-models/{model_id}", OnModel(kRead), GetLoggedModel);
  add(Method::kPatch, "/mlflow/logged-models/{model_id}", OnModel(kWrite), FinalizeLoggedModel);
  add(Method::kDelete, "/mlflow/logged-models/{model_id}", OnModel(kWrite), DeleteLoggedModel);
  add(Method::kPatch, "/mlflow/logged-models/{model_id}/tags", OnModel(kWrite), SetLoggedModelTags);
  add(Method::kDelete, "/mlflow/logged-models/{model_id}/tags/{tag_key}", OnModel(kWrite),
      DeleteLoggedModelTag);
  add(Method::kPost, "/mlflow/logged-models/{model_id}/params", OnModel(kWrite),
      LogLoggedModelParams);
}

}  // namespace inet::api
