// TrackingService: MLflow's tracking business rules above the metadata store. The REST
// handlers (api/mlflow) decode requests and call this; it validates input with MLflow's
// messages (tracking/validation.h), fills defaults (run ids and names, artifact URIs, start
// times, user ids), parses search filters and page tokens (search/search.h), and forwards to
// store::TrackingStore, which persists. It owns no state besides its borrowed dependencies.
//
// Every method takes the caller's Identity first: everything is scoped to its acting team
// (Identity::team, an MLflow workspace). Experiments are created in it, searches see only it,
// and the experiments, runs, metrics and logged models of other teams answer as if absent
// (MLflow's not-found errors); platform admins reach every team's by id. Errors: kInvalidArgument
// for bad input, plus whatever the store returns (kNotFound, kAlreadyExists, kUnavailable, ...).
// Thread-safe when the store is (the TrackingStore contract requires it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/identity.h"
#include "common/status.h"
#include "store/tracking_store.h"
#include "store/types.h"

namespace inet::tracking {

struct TrackingOptions {
  // Root under which experiments without an explicit artifact location live:
  // "<root>/<experiment_id>". The store applies it (it assigns ids); kept here for URIs the
  // service builds and for documentation.
  std::string default_artifact_root = "mlflow-artifacts:/";
  // MLflow's MLFLOW_TRUNCATE_LONG_VALUES (server default on): over-long param and tag values
  // are truncated instead of rejected.
  bool truncate_long_values = true;
};

struct CreateRunRequest {
  std::string experiment_id;          // empty = "0" (Default)
  std::string user_id;                // empty = the caller's identity
  std::string run_name;               // empty = tag mlflow.runName, else a random name
  std::optional<int64_t> start_time;  // unset = now
  std::vector<store::Tag> tags;
};

struct SearchExperimentsRequest {
  std::string filter;
  std::vector<std::string> order_by;
  store::ViewType view_type = store::ViewType::kActiveOnly;
  std::optional<int64_t> max_results;  // unset = 1000
  std::string page_token;
};

struct SearchRunsRequest {
  std::vector<std::string> experiment_ids;
  std::string filter;
  std::vector<std::string> order_by;
  store::ViewType view_type = store::ViewType::kActiveOnly;
  std::optional<int64_t> max_results;  // unset = 1000, at most 50000
  std::string page_token;
};

struct CreateLoggedModelRequest {
  std::string experiment_id;
  std::string name;  // empty = a random name
  std::string model_type;
  std::string source_run_id;
  std::vector<store::Param> params;
  std::vector<store::Tag> tags;
};

struct SearchLoggedModelsRequest {
  std::vector<std::string> experiment_ids;
  std::string filter;
  std::vector<std::pair<std::string, std::string>> datasets;  // (name, digest)
  std::vector<store::LoggedModelOrder> order_by;
  std::optional<int64_t> max_results;  // unset = 50
  std::string page_token;
};

// One row of the UI's dataset summary (ajax experiments/search-datasets).
struct DatasetSummary {
  std::string experiment_id;
  std::string name;
  std::string digest;
  std::string context;  // the input tag mlflow.data.context, or empty
  friend bool operator==(const DatasetSummary&, const DatasetSummary&) = default;
};

class TrackingService {
 public:
  // Borrows `store` and `clock`; both must outlive the service.
  TrackingService(store::TrackingStore& store, const Clock& clock, TrackingOptions options = {});

  // Creates the default experiment "0" if missing (tracking/lifecycle.h); the composition root
  // calls it once when the server starts, before serving.
  Status EnsureDefaultExperiment();

  // --- Experiments ---------------------------------------------------------------------------
  // Every method that takes an experiment id (runs and logged models included) reads MLflow's
  // default id "0" (any spelling) as the acting team's default experiment: experiment 0 for team
  // default, the team's own "Default" for any other, made on first use
  // (tracking/lifecycle.h EnsureTeamDefaultExperiment). So mlflow.start_run() with no
  // experiment logs into the team's default. No team's default can be deleted.
  //
  // Returns the new experiment id. Validates the name, artifact location and tags.
  StatusOr<std::string> CreateExperiment(const Identity& caller, std::string name,
                                         std::string artifact_location,
                                         std::vector<store::Tag> tags);
  StatusOr<store::Experiment> GetExperiment(const Identity& caller, std::string_view experiment_id);
  StatusOr<store::Experiment> GetExperimentByName(const Identity& caller, std::string_view name);
  StatusOr<store::Page<store::Experiment>> SearchExperiments(
      const Identity& caller, const SearchExperimentsRequest& request);
  Status DeleteExperiment(const Identity& caller, std::string_view experiment_id);
  Status RestoreExperiment(const Identity& caller, std::string_view experiment_id);
  Status RenameExperiment(const Identity& caller, std::string_view experiment_id,
                          std::string_view new_name);
  Status SetExperimentTag(const Identity& caller, std::string_view experiment_id,
                          const store::Tag& tag);
  Status DeleteExperimentTag(const Identity& caller, std::string_view experiment_id,
                             std::string_view key);

  // --- Runs ----------------------------------------------------------------------------------
  // Creates a RUNNING run with a new 32-hex id; artifact_uri is
  // "<experiment artifact_location>/<run_id>/artifacts". The run's name and its mlflow.runName
  // tag are kept in step here, as MLflow does: CreateRun, UpdateRun's run_name and a
  // mlflow.runName tag written by SetTag or LogBatch set both. Returns the run as stored.
  StatusOr<store::Run> CreateRun(const Identity& caller, CreateRunRequest request);
  StatusOr<store::Run> GetRun(const Identity& caller, std::string_view run_id);
  StatusOr<store::RunInfo> UpdateRun(const Identity& caller, std::string_view run_id,
                                     std::optional<store::RunStatus> status,
                                     std::optional<int64_t> end_time,
                                     std::optional<std::string> run_name);
  Status DeleteRun(const Identity& caller, std::string_view run_id);
  Status RestoreRun(const Identity& caller, std::string_view run_id);
  Status LogMetric(const Identity& caller, std::string_view run_id, store::Metric metric);
  Status LogParam(const Identity& caller, std::string_view run_id, store::Param param);
  Status SetTag(const Identity& caller, std::string_view run_id, store::Tag tag);
  Status DeleteTag(const Identity& caller, std::string_view run_id, std::string_view key);
  // Validates limits and every entry (messages name "metrics[i].name" etc.), then logs all
  // atomically.
  Status LogBatch(const Identity& caller, std::string_view run_id,
                  std::vector<store::Metric> metrics, std::vector<store::Param> params,
                  std::vector<store::Tag> tags);
  Status LogInputs(const Identity& caller, std::string_view run_id,
                   const std::vector<store::DatasetInput>& datasets,
                   const std::vector<store::ModelInput>& models);
  Status LogOutputs(const Identity& caller, std::string_view run_id,
                    const std::vector<store::ModelOutput>& models);
  StatusOr<store::Page<store::Run>> SearchRuns(const Identity& caller,
                                               const SearchRunsRequest& request);
  // Legacy (pre-3.0 clients' log_model): appends `model_json`, a JSON object that must have
  // artifact_path, flavors, utc_time_created and run_id, to the JSON list in the run's
  // mlflow.log-model.history tag. kInvalidArgument for malformed JSON or missing fields.
  Status RecordLoggedModel(const Identity& caller, std::string_view run_id,
                           std::string_view model_json);

  // Paged when `max_results` is set (page_token continues), the whole history otherwise.
  StatusOr<store::Page<store::Metric>> GetMetricHistory(const Identity& caller,
                                                        std::string_view run_id,
                                                        std::string_view key,
                                                        std::optional<int64_t> max_results,
                                                        std::string_view page_token);
  // Sampled history of one metric across 1..100 runs (UI charts): at most `max_results` points
  // per run, picked by SampleMetricPoints as mlflow server does. `max_results` 1..2500
  // (default 2500); start_step and end_step both or neither, start <= end.
  StatusOr<std::vector<store::Metric>> GetMetricHistoryBulkInterval(
      const Identity& caller, const std::vector<std::string>& run_ids, std::string_view key,
      std::optional<int64_t> start_step, std::optional<int64_t> end_step,
      std::optional<int64_t> max_results);
  // Full history of one metric across 1..100 runs, runs in id order, each ordered by
  // (timestamp, step, value), at most `max_results` (<= 25000) points in all.
  StatusOr<std::vector<store::Metric>> GetMetricHistoryBulk(const Identity& caller,
                                                            std::vector<std::string> run_ids,
                                                            std::string_view key,
                                                            std::optional<int64_t> max_results);
  // Distinct (experiment, dataset name, digest, context) over active runs of 1..20
  // experiments.
  StatusOr<std::vector<DatasetSummary>> SearchDatasets(
      const Identity& caller, const std::vector<std::string>& experiment_ids);

  // --- Logged models -------------------------------------------------------------------------
  // Creates a PENDING model with id "m-<32 hex>" and artifact_uri
  // "<experiment artifact_location>/models/<model_id>/artifacts".
  StatusOr<store::LoggedModel> CreateLoggedModel(const Identity& caller,
                                                 CreateLoggedModelRequest request);
  StatusOr<store::LoggedModel> GetLoggedModel(const Identity& caller, std::string_view model_id,
                                              bool allow_deleted = false);
  StatusOr<store::LoggedModel> FinalizeLoggedModel(const Identity& caller,
                                                   std::string_view model_id,
                                                   store::LoggedModelStatus status);
  Status DeleteLoggedModel(const Identity& caller, std::string_view model_id);
  Status SetLoggedModelTags(const Identity& caller, std::string_view model_id,
                            std::vector<store::Tag> tags);
  Status DeleteLoggedModelTag(const Identity& caller, std::string_view model_id,
                              std::string_view key);
  Status LogLoggedModelParams(const Identity& caller, std::string_view model_id,
                              std::vector<store::Param> params);
  StatusOr<store::Page<store::LoggedModel>> SearchLoggedModels(
      const Identity& caller, const SearchLoggedModelsRequest& request);

  const TrackingOptions& options() const { return options_; }

 private:
  // The id a request's `experiment_id` names: itself, except "0" from a team other than
  // default, which names that team's default experiment (created when missing).
  StatusOr<std::string> ExperimentIdFor(const Identity& caller, std::string_view experiment_id);
  // Deletes (to = kDeleted) or restores an experiment by tracking/lifecycle.h's rules.
  Status SetExperimentLifecycle(std::string_view experiment_id, store::LifecycleStage to);
  // The experiment, or MLflow's error when it is missing (or another team's) or not active.
  StatusOr<store::Experiment> ActiveExperiment(const Identity& caller,
                                               std::string_view experiment_id);
  // The team rule (common/identity.h MayActIn) for the objects a request names: another team's
  // answer as if absent, with MLflow's not-found message. Ids that name nothing pass (the store
  // then reports them missing as before). Platform admins pass without a read.
  Status CheckExperimentTeam(const Identity& caller, std::string_view experiment_id);
  Status CheckRunTeams(const Identity& caller, const std::vector<std::string>& run_ids);
  Status CheckRunTeam(const Identity& caller, std::string_view run_id);
  Status CheckLoggedModelTeam(const Identity& caller, std::string_view model_id);
  Status CheckModelTeam(const Identity& caller, const store::LoggedModel& model);
  // The ids among `requested_ids` (through ExperimentIdFor) whose experiments the caller may
  // see: searches over other teams' experiments find nothing (as MLflow's workspaces filter
  // them).
  StatusOr<std::vector<std::string>> VisibleExperiments(
      const Identity& caller, const std::vector<std::string>& requested_ids);
  // store::TrackingStore::LogBatch with the store's facts turned into MLflow's errors. An
  // mlflow.runName tag renames the run instead, after the rest of the batch is stored, as
  // MLflow's set_tag does (update_run_info); an empty one writes nothing.
  Status StoreBatch(std::string_view run_id, const std::vector<store::Metric>& metrics,
                    const std::vector<store::Param>& params, std::vector<store::Tag> tags);
  // The store's LogBatch alone, its kAlreadyExists worded as MLflow's param-change error.
  Status StoreBatchRows(std::string_view run_id, const std::vector<store::Metric>& metrics,
                        const std::vector<store::Param>& params,
                        const std::vector<store::Tag>& tags);

  store::TrackingStore& store_;
  const Clock& clock_;
  TrackingOptions options_;
};

// "<base>/<a>/<b>..." with exactly one '/' between parts (a trailing '/' on base is dropped,
// except that "scheme:/" keeps its single slash: "mlflow-artifacts:/" + "1" =
// "mlflow-artifacts:/1").
std::string AppendUriPath(std::string_view base, std::initializer_list<std::string_view> parts);

}  // namespace inet::tracking
