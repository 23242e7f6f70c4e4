// TrackingStore: the durable state of MLflow tracking (experiments, runs, metrics, params, tags,
// datasets, logged models), one of the narrow interfaces a MetadataStore (store/metadata_store.h)
// opens on one database. Adapters: store/sqlite/sqlite_tracking_store.cc and
// store/postgres/postgres_tracking_store.cc; the contract is pinned by
// store/testing/tracking_store_conformance.h.
//
// Contract shared by every adapter:
// - Every method is thread-safe. A write that returned OK is durable (committed) before the
//   call returns.
// - Multi-row writes (LogBatch, LogInputs, ...) are atomic: all rows or none.
// - Adapters store and fetch; MLflow's rules and messages live in tracking/ (validation.h,
//   lifecycle.h, messages.h). Errors report facts without MLflow's wording, by code:
//   kNotFound (the experiment, run or logged model the call names does not exist),
//   kAlreadyExists (a name or id is taken; LogBatch: a param is stored with another value),
//   kFailedPrecondition (the experiment or run written to is not active; a lifecycle change
//   from the wrong stage), kUnavailable / kInternal for database trouble, with context.
//   Nothing is written when a call fails.
// - Search methods take already-parsed, already-validated queries (search/search.h). Values
//   are always bound as SQL parameters, never spliced into SQL text.
// - Adapters store values; MLflow's input validation (lengths, key charset, batch limits)
//   happens above them in tracking/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "search/search.h"
#include "store/types.h"

namespace inet::store {

struct ExperimentQuery {
  std::string team;  // only this team's experiments; "" = every team's
  search::Filter filter;
  std::vector<search::OrderBy> order_by;  // empty = creation_time DESC; experiment_id ASC tiebreak
  ViewType view_type = ViewType::kActiveOnly;
  int64_t max_results = 1000;
  int64_t offset = 0;  // decoded page token
};

struct RunQuery {
  std::vector<std::string> experiment_ids;
  search::Filter filter;
  std::vector<search::OrderBy> order_by;  // empty = start_time DESC; run_id ASC tiebreak
  ViewType view_type = ViewType::kActiveOnly;
  int64_t max_results = 1000;
  int64_t offset = 0;
};

struct LoggedModelOrder {
  std::string
      field_name;  // creation_timestamp, last_updated_timestamp, name, model_id, metrics.<k>
  bool ascending = true;
  std::string dataset_name;
  std::string dataset_digest;
};

struct LoggedModelQuery {
  std::vector<std::string> experiment_ids;
  search::Filter filter;
  std::vector<std::pair<std::string, std::string>> datasets;  // (name, digest) restrict metrics
  std::vector<LoggedModelOrder> order_by;  // empty = creation_timestamp DESC, model_id ASC
  int64_t max_results = 50;
  int64_t offset = 0;
};

// A run's lifecycle stage with the time it was deleted (nullopt when active or unknown).
struct RunLifecycle {
  LifecycleStage stage = LifecycleStage::kActive;
  std::optional<int64_t> deleted_time;
};

// A compare-and-set of an experiment's lifecycle stage (SetExperimentLifecycle).
struct ExperimentLifecycleChange {
  LifecycleStage from = LifecycleStage::kActive;  // the stage the experiment must be in
  LifecycleStage to = LifecycleStage::kDeleted;
  int64_t last_update_time = 0;
  // Set on every run of the experiment when present.
  std::optional<RunLifecycle> runs;
};

// The changes UpdateRun applies to a run in one transaction; unset fields are left alone.
struct RunUpdate {
  std::optional<RunStatus> status = std::nullopt;
  std::optional<int64_t> end_time = std::nullopt;
  std::optional<std::string> run_name = std::nullopt;
  std::vector<Tag> tags = {};  // upserted; the last of a key wins
};

// Chooses which of a run's `total` ordered metric points to fetch (see
// GetMetricHistoryBulkInterval): ascending indexes below `total`.
using MetricPointSelector = std::function<std::vector<size_t>(size_t total)>;

class TrackingStore {
 public:
  virtual ~TrackingStore() = default;

  // --- Experiments -------------------------------------------------------------------------
  // Stores a new experiment and returns its id: `experiment.experiment_id` when set (an integer;
  // kAlreadyExists when taken), else the next integer id (as a string). `artifact_location`
  // empty means internal::DefaultExperimentLocation: "<default_artifact_root>/<id>" for team
  // default, "<default_artifact_root>/workspaces/<team>/<id>" for others (the root was given at
  // construction). kAlreadyExists if an experiment of the team (active or deleted) has the name.
  virtual StatusOr<std::string> CreateExperiment(const Experiment& experiment) = 0;
  // Either stage; kNotFound when missing.
  virtual StatusOr<Experiment> GetExperiment(std::string_view experiment_id) = 0;
  // The team's experiment of that name; kNotFound when it has none.
  virtual StatusOr<Experiment> GetExperimentByName(std::string_view team,
                                                   std::string_view name) = 0;
  // The owning team of each experiment (by id) and of each run (by run id) that exists; ids
  // that name nothing are left out. For the tracking service's team checks: one indexed read.
  virtual StatusOr<std::map<std::string, std::string>> ExperimentTeams(
      const std::vector<std::string>& experiment_ids) = 0;
  virtual StatusOr<std::map<std::string, std::string>> RunTeams(
      const std::vector<std::string>& run_ids) = 0;
  virtual StatusOr<Page<Experiment>> SearchExperiments(const ExperimentQuery& query) = 0;
  // kFailedPrecondition when the experiment is not active, kAlreadyExists when another one of
  // its team has the name.
  virtual Status RenameExperiment(std::string_view experiment_id, std::string_view new_name) = 0;
  // Applies `change` in one transaction: the experiment moves from `change.from` to
  // `change.to` (a compare-and-set on its stage) and, when `change.runs` is set, every run of the
  // experiment, whatever its stage, gets that stage and deleted time. kNotFound when no such
  // experiment; kFailedPrecondition when it is not in `change.from` (nothing written). Which
  // changes to make is MLflow's rule, kept in tracking/lifecycle.h.
  virtual Status SetExperimentLifecycle(std::string_view experiment_id,
                                        const ExperimentLifecycleChange& change) = 0;
  // Tag writes need an active experiment (kFailedPrecondition otherwise). DeleteExperimentTag
  // returns whether the tag existed.
  virtual Status SetExperimentTag(std::string_view experiment_id, const Tag& tag) = 0;
  virtual StatusOr<bool> DeleteExperimentTag(std::string_view experiment_id,
                                             std::string_view key) = 0;

  // --- Runs --------------------------------------------------------------------------------
  // Tags are stored as given, whatever their keys: keeping the run's name and its
  // mlflow.runName tag in step is MLflow's rule, applied by tracking::TrackingService.
  // Stores a new run (id, name and artifact_uri already chosen by the caller) with its tags.
  // kNotFound for a missing experiment, kFailedPrecondition for a deleted one, kAlreadyExists
  // for a taken run id.
  virtual Status CreateRun(const RunInfo& info, const std::vector<Tag>& tags) = 0;
  virtual StatusOr<Run> GetRun(std::string_view run_id) = 0;
  // In one transaction, sets whichever of status / end_time / run_name `update` sets and upserts
  // its tags (an update with nothing set only checks that the run is active). Returns the
  // updated info. Every write to a run below needs it active (kFailedPrecondition otherwise).
  virtual StatusOr<RunInfo> UpdateRun(std::string_view run_id, const RunUpdate& update) = 0;
  // Sets the run's stage and deleted time (nullopt: none). kNotFound when no such run.
  virtual Status SetRunLifecycle(std::string_view run_id, const RunLifecycle& lifecycle) = 0;
  // Atomically appends metrics (exact duplicates of stored points are ignored), adds params
  // (same value again is fine; a different value is kAlreadyExists and nothing is written)
  // and upserts tags. Updates the latest-metric summary.
  virtual Status LogBatch(std::string_view run_id, const std::vector<Metric>& metrics,
                          const std::vector<Param>& params, const std::vector<Tag>& tags) = 0;
  // Returns whether the tag existed.
  virtual StatusOr<bool> DeleteRunTag(std::string_view run_id, std::string_view key) = 0;
  virtual Status LogInputs(std::string_view run_id, const std::vector<DatasetInput>& datasets,
                           const std::vector<ModelInput>& models) = 0;
  virtual Status LogOutputs(std::string_view run_id, const std::vector<ModelOutput>& models) = 0;
  virtual StatusOr<Page<Run>> SearchRuns(const RunQuery& query) = 0;

  // Full history of one metric of one run, ordered by (timestamp, step, value); paged by
  // offset (>= 0, checked by the caller) when max_results > 0, all points otherwise.
  virtual StatusOr<Page<Metric>> GetMetricHistory(std::string_view run_id, std::string_view key,
                                                  int64_t max_results, int64_t offset) = 0;
  // Points of metric `key` of each run, runs in the given order, each run's points ordered by
  // (step, timestamp, value, is_nan) and limited to steps in [start_step, end_step] when both
  // are set. `select(total)` is called once per run with its number of such points and returns
  // which of them to fetch: ascending indexes below `total` (the sampling rule is the caller's:
  // tracking::SampleMetricPoints). Each Metric has run_id set; an unknown run has no points.
  virtual StatusOr<std::vector<Metric>> GetMetricHistoryBulkInterval(
      const std::vector<std::string>& run_ids, std::string_view key,
      std::optional<int64_t> start_step, std::optional<int64_t> end_step,
      const MetricPointSelector& select) = 0;

  // --- Logged models (MLflow 3) --------------------------------------------------------------
  // Stores a new model (id and artifact_uri chosen by the caller), status PENDING. kNotFound /
  // kFailedPrecondition for a missing / deleted experiment, kAlreadyExists for a taken id.
  virtual Status CreateLoggedModel(const LoggedModel& model) = 0;
  // kNotFound unless active (or `allow_deleted`); so for every write below.
  virtual StatusOr<LoggedModel> GetLoggedModel(std::string_view model_id,
                                               bool allow_deleted = false) = 0;
  virtual StatusOr<LoggedModel> FinalizeLoggedModel(std::string_view model_id,
                                                    LoggedModelStatus status) = 0;
  virtual Status DeleteLoggedModel(std::string_view model_id) = 0;
  virtual Status SetLoggedModelTags(std::string_view model_id, const std::vector<Tag>& tags) = 0;
  // Returns whether the tag existed.
  virtual StatusOr<bool> DeleteLoggedModelTag(std::string_view model_id, std::string_view key) = 0;
  virtual Status LogLoggedModelParams(std::string_view model_id,
                                      const std::vector<Param>& params) = 0;
  virtual StatusOr<Page<LoggedModel>> SearchLoggedModels(const LoggedModelQuery& query) = 0;
};

}  // namespace inet::store
