#include "tracking/tracking_service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <set>
#include <system_error>
#include <tuple>
#include <utility>

#include "common/ids.h"
#include "search/search.h"
#include "tracking/lifecycle.h"
#include "tracking/messages.h"
#include "tracking/metric_sampling.h"
#include "tracking/validation.h"

namespace inet::tracking {
namespace {

constexpr std::string_view kRunNameTag = "mlflow.runName";
constexpr std::string_view kDatasetContextTag = "mlflow.data.context";
constexpr std::string_view kLoggedModelsTag = "mlflow.log-model.history";
constexpr int64_t kDefaultSearchMaxResults = 1000;
constexpr int64_t kDefaultLoggedModelMaxResults = 50;

StatusOr<int64_t> DecodeToken(std::string_view token) {
  if (token.empty()) return int64_t{0};
  return search::DecodePageToken(token);
}

// MLflow's SQL store bound check for search_experiments (and similar).
Status ValidatePositiveMaxResults(int64_t max_results, int64_t limit) {
  if (max_results < 1) {
    return InvalidArgumentError("Invalid value " + std::to_string(max_results) +
                                " for parameter 'max_results' supplied. It must be a positive "
                                "integer");
  }
  if (max_results > limit) {
    return InvalidArgumentError("Invalid value " + std::to_string(max_results) +
                                " for parameter 'max_results' supplied. It must be at most " +
                                std::to_string(limit));
  }
  return OkStatus();
}

// MLflow's set_tag of mlflow.runName renames the run (the name is written only when
// non-empty). Removes every mlflow.runName tag from `tags` and returns whether there was one and
// the name the last non-empty one gives.
std::pair<bool, std::optional<std::string>> TakeRunNameTags(std::vector<store::Tag>& tags) {
  bool found = false;
  std::optional<std::string> name;
  std::erase_if(tags, [&](store::Tag& tag) {
    if (tag.key != kRunNameTag) return false;
    found = true;
    if (!tag.value.empty()) name = std::move(tag.value);
    return true;
  });
  return {found, std::move(name)};
}

// The update that gives a run `name`, in its name and in its mlflow.runName tag.
store::RunUpdate RenameRun(std::string name) {
  store::RunUpdate update;
  update.tags.push_back({std::string(kRunNameTag), name});
  update.run_name = std::move(name);
  return update;
}

}  // namespace

std::string AppendUriPath(std::string_view base, std::initializer_list<std::string_view> parts) {
  std::string out(base);
  for (std::string_view part : parts) {
    while (part.starts_with("/")) part.remove_prefix(1);
    bool scheme_root = out.size() >= 2 && out.ends_with(":/") && out.find('/') == out.size() - 1;
    if (!scheme_root) {
      while (!out.empty() && out.back() == '/') out.pop_back();
      out.push_back('/');
    }
    out += part;
  }
  return out;
}

TrackingService::TrackingService(store::TrackingStore& store, const Clock& clock,
                                 TrackingOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

// --- Experiments -----------------------------------------------------------------------------

namespace {

// A relative local path ("my_location") becomes absolute against the server's working
// directory, as MLflow's server resolves it; URIs with a scheme stay as given.
std::string ResolveRelativeLocation(std::string location) {
  if (location.empty() || location.front() == '/' || location.find(':') != std::string::npos) {
    return location;
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(location, ec);
  return ec ? location : absolute.lexically_normal().string();
}

}  // namespace

Status TrackingService::EnsureDefaultExperiment() {
  return tracking::EnsureDefaultExperiment(store_, clock_.NowMillis());
}

StatusOr<std::string> TrackingService::CreateExperiment(const Identity& caller, std::string name,
                                                        std::string artifact_location,
                                                        std::vector<store::Tag> tags) {
  ASSIGN_OR_RETURN(std::string team, RequireActingTeam(caller));
  RETURN_IF_ERROR(ValidateExperimentName(name));
  RETURN_IF_ERROR(ValidateExperimentArtifactLocation(artifact_location));
  if (!artifact_location.empty() && team != kDefaultTeam) {
    // The artifact routes confine a team to its own root; a location elsewhere would not work.
    return InvalidArgumentError(
        "artifact_location cannot be specified for an experiment of team '" + team +
        "': a team's experiments keep their artifacts under the " +
        "team's root (leave artifact_location out)");
  }
  for (const auto& tag : tags) RETURN_IF_ERROR(ValidateExperimentTag(tag));
  store::Experiment experiment;
  experiment.team = std::move(team);
  experiment.name = std::move(name);
  experiment.artifact_location = ResolveRelativeLocation(std::move(artifact_location));
  experiment.tags = std::move(tags);
  int64_t now = clock_.NowMillis();
  experiment.creation_time = now;
  experiment.last_update_time = now;
  StatusOr<std::string> id = store_.CreateExperiment(experiment);
  if (id.status().code() == StatusCode::kAlreadyExists) {
    return ExperimentExistsError(experiment.name);
  }
  return id;
}

StatusOr<std::string> TrackingService::ExperimentIdFor(const Identity& caller,
                                                       std::string_view experiment_id) {
  if (!IsDefaultExperiment(experiment_id)) {
    return std::string(experiment_id);
  }
  ASSIGN_OR_RETURN(std::string team, RequireActingTeam(caller));
  if (team == kDefaultTeam) {
    return std::string(experiment_id);
  }
  ASSIGN_OR_RETURN(store::Experiment own,
                   EnsureTeamDefaultExperiment(store_, team, clock_.NowMillis()));
  return own.experiment_id;
}

StatusOr<store::Experiment> TrackingService::GetExperiment(const Identity& caller,
                                                           std::string_view requested_id) {
  ASSIGN_OR_RETURN(std::string experiment_id, ExperimentIdFor(caller, requested_id));
  ASSIGN_OR_RETURN(store::Experiment experiment,
                   ExperimentResult(store_.GetExperiment(experiment_id), experiment_id));
  if (!MayActIn(caller, experiment.team)) return ExperimentNotFoundError(experiment_id);
  return experiment;
}

StatusOr<store::Experiment> TrackingService::GetExperimentByName(const Identity& caller,
                                                                 std::string_view name) {
  ASSIGN_OR_RETURN(std::string team, RequireActingTeam(caller));
  StatusOr<store::Experiment> experiment = store_.GetExperimentByName(team, name);
  if (experiment.status().code() == StatusCode::kNotFound) return ExperimentNameNotFoundError(name);
  return experiment;
}

StatusOr<store::Page<store::Experiment>> TrackingService::SearchExperiments(
    const Identity& caller, const SearchExperimentsRequest& request) {
  store::ExperimentQuery query;
  ASSIGN_OR_RETURN(query.team, RequireActingTeam(caller));
  query.max_results = request.max_results.value_or(kDefaultSearchMaxResults);
  RETURN_IF_ERROR(ValidatePositiveMaxResults(query.max_results, kMaxSearchExperimentsResults));
  ASSIGN_OR_RETURN(query.filter, search::ParseExperimentFilter(request.filter));
  for (const std::string& clause : request.order_by) {
    ASSIGN_OR_RETURN(search::OrderBy order, search::ParseExperimentOrderBy(clause));
    query.order_by.push_back(std::move(order));
  }
  query.view_type = request.view_type;
  ASSIGN_OR_RETURN(query.offset, DecodeToken(request.page_token));
  return store_.SearchExperiments(query);
}

Status TrackingService::DeleteExperiment(const Identity& caller, std::string_view experiment_id) {
  // "0" is a default experiment whatever the team: refused before anything is read or made.
  RETURN_IF_ERROR(CheckExperimentTransition(experiment_id, store::LifecycleStage::kDeleted));
  // One read gives the team rule (another team's answers as missing) and whether this is a
  // team's own default.
  ASSIGN_OR_RETURN(store::Experiment experiment, GetExperiment(caller, experiment_id));
  RETURN_IF_ERROR(CheckExperimentDeletion(experiment));
  return SetExperimentLifecycle(experiment_id, store::LifecycleStage::kDeleted);
}

Status TrackingService::RestoreExperiment(const Identity& caller, std::string_view requested_id) {
  ASSIGN_OR_RETURN(std::string experiment_id, ExperimentIdFor(caller, requested_id));
  RETURN_IF_ERROR(CheckExperimentTeam(caller, experiment_id));
  return SetExperimentLifecycle(experiment_id, store::LifecycleStage::kActive);
}

StatusOr<store::Experiment> TrackingService::ActiveExperiment(const Identity& caller,
                                                              std::string_view experiment_id) {
  ASSIGN_OR_RETURN(store::Experiment experiment, GetExperiment(caller, experiment_id));
  if (experiment.lifecycle_stage != store::LifecycleStage::kActive) {
    return ExperimentNotActiveError(experiment.experiment_id);
  }
  return experiment;
}

Status TrackingService::SetExperimentLifecycle(std::string_view experiment_id,
                                               store::LifecycleStage to) {
  RETURN_IF_ERROR(CheckExperimentTransition(experiment_id, to));
  Status stored =
      store_.SetExperimentLifecycle(experiment_id, ExperimentTransition(to, clock_.NowMillis()));
  return ExperimentTransitionResult(std::move(stored), experiment_id, to);
}

Status TrackingService::RenameExperiment(const Identity& caller, std::string_view requested_id,
                                         std::string_view new_name) {
  RETURN_IF_ERROR(ValidateExperimentName(new_name));
  ASSIGN_OR_RETURN(std::string experiment_id, ExperimentIdFor(caller, requested_id));
  RETURN_IF_ERROR(CheckExperimentTeam(caller, experiment_id));
  Status renamed = store_.RenameExperiment(experiment_id, new_name);
  switch (renamed.code()) {
    case StatusCode::kFailedPrecondition:
      return InvalidArgumentError("Cannot rename a non-active experiment.");
    case StatusCode::kAlreadyExists:
      return ExperimentExistsError(new_name);
    default:
      return ExperimentResult(std::move(renamed), experiment_id);
  }
}

Status TrackingService::SetExperimentTag(const Identity& caller, std::string_view requested_id,
                                         const store::Tag& tag) {
  RETURN_IF_ERROR(ValidateExperimentTag(tag));
  ASSIGN_OR_RETURN(std::string experiment_id, ExperimentIdFor(caller, requested_id));
  RETURN_IF_ERROR(CheckExperimentTeam(caller, experiment_id));
  return ExperimentResult(store_.SetExperimentTag(experiment_id, tag), experiment_id);
}

Status TrackingService::DeleteExperimentTag(const Identity& caller, std::string_view requested_id,
                                            std::string_view key) {
  ASSIGN_OR_RETURN(std::string experiment_id, ExperimentIdFor(caller, requested_id));
  RETURN_IF_ERROR(CheckExperimentTeam(caller, experiment_id));
  ASSIGN_OR_RETURN(bool deleted,
                   ExperimentResult(store_.DeleteExperimentTag(experiment_id, key), experiment_id));
  if (!deleted) return ExperimentTagNotFoundError(experiment_id, key);
  return OkStatus();
}

// --- Runs ------------------------------------------------------------------------------------

StatusOr<store::Run> TrackingService::CreateRun(const Identity& caller, CreateRunRequest request) {
  if (request.experiment_id.empty()) request.experiment_id = "0";
  for (size_t i = 0; i < request.tags.size(); ++i) {
    RETURN_IF_ERROR(ValidateRunTag(request.tags[i], "tags[" + std::to_string(i) + "]",
                                   options_.truncate_long_values));
  }
  auto name_tag = std::find_if(request.tags.begin(), request.tags.end(),
                               [](const store::Tag& t) { return t.key == kRunNameTag; });
  RETURN_IF_ERROR(ValidateNoNul(request.run_name, "run_name"));
  RETURN_IF_ERROR(ValidateNoNul(request.user_id, "user_id"));
  std::string run_name = std::move(request.run_name);
  if (name_tag != request.tags.end()) {
    if (!run_name.empty() && !name_tag->value.empty() && run_name != name_tag->value) {
      return InvalidArgumentError(
          "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different "
          "values (run_name='" +
          run_name + "', mlflow.runName='" + name_tag->value + "').");
    }
    if (run_name.empty()) run_name = name_tag->value;
  }
  if (run_name.empty()) run_name = RandomRunName();
  if (name_tag == request.tags.end()) {
    request.tags.push_back({std::string(kRunNameTag), run_name});
  } else {
    // One mlflow.runName tag, equal to the name, in the first one's place.
    name_tag->value = run_name;
    request.tags.erase(std::remove_if(std::next(name_tag), request.tags.end(),
                                      [](const store::Tag& t) { return t.key == kRunNameTag; }),
                       request.tags.end());
  }

  ASSIGN_OR_RETURN(store::Experiment experiment, ActiveExperiment(caller, request.experiment_id));

  store::Run run;
  store::RunInfo& info = run.info;
  info.run_id = NewRunId();
  info.experiment_id = experiment.experiment_id;
  info.run_name = run_name;
  info.user_id = !request.user_id.empty() ? std::move(request.user_id) : caller.user;
  if (info.user_id.empty()) info.user_id = "unknown";
  info.status = store::RunStatus::kRunning;
  info.start_time = request.start_time.value_or(clock_.NowMillis());
  info.artifact_uri = AppendUriPath(experiment.artifact_location, {info.run_id, "artifacts"});
  info.lifecycle_stage = store::LifecycleStage::kActive;
  Status created = store_.CreateRun(info, request.tags);
  if (created.code() == StatusCode::kAlreadyExists) return RunExistsError(info.run_id);
  RETURN_IF_ERROR(ExperimentResult(std::move(created), info.experiment_id));
  run.tags = std::move(request.tags);
  return run;
}

StatusOr<store::Run> TrackingService::GetRun(const Identity& caller, std::string_view run_id) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  return RunResult(store_.GetRun(run_id), run_id);
}

StatusOr<store::RunInfo> TrackingService::UpdateRun(const Identity& caller, std::string_view run_id,
                                                    std::optional<store::RunStatus> status,
                                                    std::optional<int64_t> end_time,
                                                    std::optional<std::string> run_name) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  if (run_name && run_name->empty()) run_name.reset();
  if (run_name) RETURN_IF_ERROR(ValidateNoNul(*run_name, "run_name"));
  store::RunUpdate update = run_name ? RenameRun(std::move(*run_name)) : store::RunUpdate{};
  update.status = status;
  update.end_time = end_time;
  return RunResult(store_.UpdateRun(run_id, update), run_id);
}

Status TrackingService::DeleteRun(const Identity& caller, std::string_view run_id) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  return RunResult(store_.SetRunLifecycle(
                       run_id, RunTransition(store::LifecycleStage::kDeleted, clock_.NowMillis())),
                   run_id);
}

Status TrackingService::RestoreRun(const Identity& caller, std::string_view run_id) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  return RunResult(store_.SetRunLifecycle(
                       run_id, RunTransition(store::LifecycleStage::kActive, clock_.NowMillis())),
                   run_id);
}

Status TrackingService::LogMetric(const Identity& caller, std::string_view run_id,
                                  store::Metric metric) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  RETURN_IF_ERROR(ValidateMetric(metric, ""));
  return StoreBatch(run_id, {std::move(metric)}, {}, {});
}

Status TrackingService::LogParam(const Identity& caller, std::string_view run_id,
                                 store::Param param) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  RETURN_IF_ERROR(ValidateParam(param, "", options_.truncate_long_values));
  return StoreBatch(run_id, {}, {std::move(param)}, {});
}

Status TrackingService::SetTag(const Identity& caller, std::string_view run_id, store::Tag tag) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  RETURN_IF_ERROR(ValidateRunTag(tag, "", options_.truncate_long_values));
  std::vector<store::Tag> tags;
  tags.push_back(std::move(tag));
  return StoreBatch(run_id, {}, {}, std::move(tags));
}

Status TrackingService::DeleteTag(const Identity& caller, std::string_view run_id,
                                  std::string_view key) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  ASSIGN_OR_RETURN(bool deleted, RunResult(store_.DeleteRunTag(run_id, key), run_id));
  if (!deleted) return RunTagNotFoundError(run_id, key);
  return OkStatus();
}

Status TrackingService::LogBatch(const Identity& caller, std::string_view run_id,
                                 std::vector<store::Metric> metrics,
                                 std::vector<store::Param> params, std::vector<store::Tag> tags) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  RETURN_IF_ERROR(ValidateBatchLimits(metrics.size(), params.size(), tags.size()));
  RETURN_IF_ERROR(ValidateMetrics(metrics, "metrics"));
  for (size_t i = 0; i < params.size(); ++i) {
    RETURN_IF_ERROR(ValidateParam(params[i], "params[" + std::to_string(i) + "]",
                                  options_.truncate_long_values));
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    RETURN_IF_ERROR(
        ValidateRunTag(tags[i], "tags[" + std::to_string(i) + "]", options_.truncate_long_values));
  }
  RETURN_IF_ERROR(ValidateParamKeysUnique(params));
  if (metrics.empty() && params.empty() && tags.empty()) {
    // Nothing to write, but an unknown run is still an error, as in MLflow.
    return RunResult(store_.GetRun(run_id).status(), run_id);
  }
  return StoreBatch(run_id, metrics, params, std::move(tags));
}

Status TrackingService::StoreBatch(std::string_view run_id,
                                   const std::vector<store::Metric>& metrics,
                                   const std::vector<store::Param>& params,
                                   std::vector<store::Tag> tags) {
  auto [names_run, run_name] = TakeRunNameTags(tags);
  if (!metrics.empty() || !params.empty() || !tags.empty()) {
    RETURN_IF_ERROR(StoreBatchRows(run_id, metrics, params, tags));
  }
  if (!names_run) return OkStatus();
  // An empty name writes nothing, but the run must still exist and be active.
  store::RunUpdate update = run_name ? RenameRun(std::move(*run_name)) : store::RunUpdate{};
  return RunResult(store_.UpdateRun(run_id, update).status(), run_id);
}

Status TrackingService::StoreBatchRows(std::string_view run_id,
                                       const std::vector<store::Metric>& metrics,
                                       const std::vector<store::Param>& params,
                                       const std::vector<store::Tag>& tags) {
  Status stored = store_.LogBatch(run_id, metrics, params, tags);
  if (stored.code() != StatusCode::kAlreadyExists) return RunResult(std::move(stored), run_id);
  // A param of the batch is stored with another value and nothing was written. Params never
  // change once stored, so reading them now names exactly the conflict the store found: the
  // first of the batch, in order, whose stored value differs.
  ASSIGN_OR_RETURN(store::Run run, RunResult(store_.GetRun(run_id), run_id));
  for (const store::Param& param : params) {
    for (const store::Param& old : run.params) {
      if (old.key == param.key && old.value != param.value) {
        return ParamChangeError(run_id, param.key, old.value, param.value);
      }
    }
  }
  return stored;
}

Status TrackingService::LogInputs(const Identity& caller, std::string_view run_id,
                                  const std::vector<store::DatasetInput>& datasets,
                                  const std::vector<store::ModelInput>& models) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  for (const auto& input : datasets) RETURN_IF_ERROR(ValidateDatasetInput(input));
  return RunResult(store_.LogInputs(run_id, datasets, models), run_id);
}

Status TrackingService::LogOutputs(const Identity& caller, std::string_view run_id,
                                   const std::vector<store::ModelOutput>& models) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  return RunResult(store_.LogOutputs(run_id, models), run_id);
}

StatusOr<store::Page<store::Run>> TrackingService::SearchRuns(const Identity& caller,
                                                              const SearchRunsRequest& request) {
  store::RunQuery query;
  query.max_results = request.max_results.value_or(kDefaultSearchMaxResults);
  if (query.max_results > kMaxSearchRunsResults) {
    return InvalidArgumentError(
        InvalidValueMessage("max_results", std::to_string(query.max_results),
                            " Hint: Value was of type 'int'. See the API docs for more "
                            "information about request parameters."));
  }
  if (query.max_results < 0) {
    return InvalidArgumentError("Invalid value " + std::to_string(query.max_results) +
                                " for parameter 'max_results' supplied. It must be a positive "
                                "integer");
  }
  RETURN_IF_ERROR(ValidateExperimentIdCount("SearchRuns", request.experiment_ids.size(),
                                            kMaxExperimentIdsPerSearch));
  ASSIGN_OR_RETURN(query.experiment_ids, VisibleExperiments(caller, request.experiment_ids));
  ASSIGN_OR_RETURN(query.filter, search::ParseRunFilter(request.filter));
  for (const std::string& clause : request.order_by) {
    ASSIGN_OR_RETURN(search::OrderBy order, search::ParseRunOrderBy(clause));
    query.order_by.push_back(std::move(order));
  }
  query.view_type = request.view_type;
  ASSIGN_OR_RETURN(query.offset, DecodeToken(request.page_token));
  if (query.experiment_ids.empty() || query.max_results == 0) {
    return store::Page<store::Run>{};
  }
  return store_.SearchRuns(query);
}

Status TrackingService::RecordLoggedModel(const Identity& caller, std::string_view run_id,
                                          std::string_view model_json) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  boost::system::error_code ec;
  boost::json::value model = boost::json::parse(model_json, ec);
  if (ec || !model.is_object()) {
    return InvalidArgumentError("Malformed model info. \n " + std::string(model_json) +
                                " \n is not a valid JSON.");
  }
  std::string missing;
  for (std::string_view field : {"artifact_path", "flavors", "run_id", "utc_time_created"}) {
    if (model.as_object().contains(field)) continue;
    missing += missing.empty() ? "{" : ", ";
    missing += "'" + std::string(field) + "'";
  }
  if (!missing.empty()) {
    return InvalidArgumentError("Model json is missing mandatory fields: " + missing + "}");
  }
  ASSIGN_OR_RETURN(store::Run run, RunResult(store_.GetRun(run_id), run_id));
  boost::json::array history;
  for (const store::Tag& tag : run.tags) {
    if (tag.key != kLoggedModelsTag) continue;
    boost::json::value previous = boost::json::parse(tag.value, ec);
    if (!ec && previous.is_array()) history = std::move(previous.as_array());
  }
  history.push_back(std::move(model));
  // MLflow stores the whole history even past the tag-value limit; so do we.
  return StoreBatch(run_id, {}, {},
                    {{std::string(kLoggedModelsTag), boost::json::serialize(history)}});
}

StatusOr<store::Page<store::Metric>> TrackingService::GetMetricHistory(
    const Identity& caller, std::string_view run_id, std::string_view key,
    std::optional<int64_t> max_results, std::string_view page_token) {
  RETURN_IF_ERROR(CheckRunTeam(caller, run_id));
  ASSIGN_OR_RETURN(int64_t offset, DecodeToken(page_token));
  if (offset < 0) return InvalidArgumentError("Invalid page token: negative offset");
  int64_t limit = 0;
  if (max_results) {
    if (*max_results < 1) {
      return InvalidArgumentError("Invalid value " + std::to_string(*max_results) +
                                  " for parameter 'max_results' supplied. It must be a "
                                  "positive integer");
    }
    limit = *max_results;
  }
  return RunResult(store_.GetMetricHistory(run_id, key, limit, offset), run_id);
}

StatusOr<std::vector<store::Metric>> TrackingService::GetMetricHistoryBulkInterval(
    const Identity& caller, const std::vector<std::string>& run_ids, std::string_view key,
    std::optional<int64_t> start_step, std::optional<int64_t> end_step,
    std::optional<int64_t> max_results) {
  if (run_ids.empty()) return InvalidArgumentError(MissingValueMessage("run_ids"));
  if (run_ids.size() > kMaxRunsPerBulkHistory) {
    return InvalidArgumentError("GetMetricHistoryBulkInterval request must specify at most " +
                                std::to_string(kMaxRunsPerBulkHistory) + " run_ids. Received " +
                                std::to_string(run_ids.size()) + " run_ids.");
  }
  if (key.empty()) return InvalidArgumentError(MissingValueMessage("metric_key"));
  int64_t limit = max_results.value_or(kMaxResultsPerRunBulkInterval);
  if (limit < 1 || limit > kMaxResultsPerRunBulkInterval) {
    return InvalidArgumentError("max_results must be between 1 and " +
                                std::to_string(kMaxResultsPerRunBulkInterval) + ".");
  }
  if (start_step.has_value() != end_step.has_value()) {
    return InvalidArgumentError(
        "If either start step or end step are specified, both must be specified.");
  }
  if (start_step && *start_step > *end_step) {
    return InvalidArgumentError("end_step must be greater than start_step. Found start_step=" +
                                std::to_string(*start_step) +
                                " and end_step=" + std::to_string(*end_step) + ".");
  }
  RETURN_IF_ERROR(CheckRunTeams(caller, run_ids));
  return store_.GetMetricHistoryBulkInterval(
      run_ids, key, start_step, end_step,
      [limit](size_t total) { return SampleMetricPoints(total, limit); });
}

StatusOr<std::vector<store::Metric>> TrackingService::GetMetricHistoryBulk(
    const Identity& caller, std::vector<std::string> run_ids, std::string_view key,
    std::optional<int64_t> max_results) {
  if (run_ids.empty()) {
    return InvalidArgumentError("GetMetricHistoryBulk request must specify at least one run_id.");
  }
  if (run_ids.size() > kMaxRunsPerBulkHistory) {
    return InvalidArgumentError("GetMetricHistoryBulk request cannot specify more than " +
                                std::to_string(kMaxRunsPerBulkHistory) + " run_ids. Received " +
                                std::to_string(run_ids.size()) + " run_ids.");
  }
  int64_t limit = std::min(max_results.value_or(kMaxBulkHistoryResults), kMaxBulkHistoryResults);
  std::vector<store::Metric> out;
  if (limit <= 0) return out;
  RETURN_IF_ERROR(CheckRunTeams(caller, run_ids));
  std::sort(run_ids.begin(), run_ids.end());
  for (const std::string& run_id : run_ids) {
    if (static_cast<int64_t>(out.size()) >= limit) break;
    // The store has no multi-run full-history read; 100 runs at most keeps this bounded.
    ASSIGN_OR_RETURN(store::Page<store::Metric> page,
                     RunResult(store_.GetMetricHistory(run_id, key, limit, 0), run_id));
    std::sort(page.items.begin(), page.items.end(), [](const auto& a, const auto& b) {
      return std::tie(a.timestamp, a.step, a.value) < std::tie(b.timestamp, b.step, b.value);
    });
    for (auto& m : page.items) {
      if (static_cast<int64_t>(out.size()) >= limit) break;
      m.run_id = run_id;
      out.push_back(std::move(m));
    }
  }
  return out;
}

StatusOr<std::vector<DatasetSummary>> TrackingService::SearchDatasets(
    const Identity& caller, const std::vector<std::string>& experiment_ids) {
  if (experiment_ids.empty()) {
    return InvalidArgumentError("SearchDatasets request must specify at least one experiment_id.");
  }
  RETURN_IF_ERROR(ValidateExperimentIdCount("SearchDatasets", experiment_ids.size(),
                                            kMaxExperimentIdsPerDatasetSearch));
  // Runs carry their inputs, so one paged search over the experiments collects every dataset.
  std::vector<DatasetSummary> out;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  store::RunQuery query;
  ASSIGN_OR_RETURN(query.experiment_ids, VisibleExperiments(caller, experiment_ids));
  if (query.experiment_ids.empty()) return out;
  query.max_results = kMaxSearchRunsResults;
  while (true) {
    ASSIGN_OR_RETURN(store::Page<store::Run> page, store_.SearchRuns(query));
    for (const store::Run& run : page.items) {
      for (const store::DatasetInput& input : run.dataset_inputs) {
        std::string context;
        for (const auto& tag : input.tags) {
          if (tag.key == kDatasetContextTag) context = tag.value;
        }
        auto key = std::make_tuple(run.info.experiment_id, input.dataset.name, input.dataset.digest,
                                   context);
        if (seen.insert(key).second) {
          out.push_back({run.info.experiment_id, input.dataset.name, input.dataset.digest,
                         std::move(context)});
        }
      }
    }
    if (page.next_page_token.empty()) break;
    ASSIGN_OR_RETURN(query.offset, search::DecodePageToken(page.next_page_token));
  }
  return out;
}

// --- Logged models ---------------------------------------------------------------------------

StatusOr<store::LoggedModel> TrackingService::CreateLoggedModel(const Identity& caller,
                                                                CreateLoggedModelRequest request) {
  if (!request.name.empty()) RETURN_IF_ERROR(ValidateLoggedModelName(request.name));
  for (size_t i = 0; i < request.params.size(); ++i) {
    RETURN_IF_ERROR(ValidateParam(request.params[i], "params[" + std::to_string(i) + "]",
                                  options_.truncate_long_values));
  }
  for (size_t i = 0; i < request.tags.size(); ++i) {
    RETURN_IF_ERROR(ValidateRunTag(request.tags[i], "tags[" + std::to_string(i) + "]",
                                   options_.truncate_long_values));
  }
  ASSIGN_OR_RETURN(store::Experiment experiment, ActiveExperiment(caller, request.experiment_id));
  store::LoggedModel model;
  model.model_id = NewLoggedModelId();
  model.experiment_id = experiment.experiment_id;
  model.name = request.name.empty() ? RandomRunName() : std::move(request.name);
  int64_t now = clock_.NowMillis();
  model.creation_timestamp_ms = now;
  model.last_updated_timestamp_ms = now;
  model.artifact_uri =
      AppendUriPath(experiment.artifact_location, {"models", model.model_id, "artifacts"});
  model.status = store::LoggedModelStatus::kPending;
  model.creator_id = caller.user;
  model.model_type = std::move(request.model_type);
  model.source_run_id = std::move(request.source_run_id);
  model.tags = std::move(request.tags);
  model.params = std::move(request.params);
  Status created = store_.CreateLoggedModel(model);
  if (created.code() == StatusCode::kAlreadyExists) return LoggedModelExistsError(model.model_id);
  RETURN_IF_ERROR(ExperimentResult(std::move(created), model.experiment_id));
  return model;
}

StatusOr<store::LoggedModel> TrackingService::GetLoggedModel(const Identity& caller,
                                                             std::string_view model_id,
                                                             bool allow_deleted) {
  ASSIGN_OR_RETURN(store::LoggedModel model,
                   LoggedModelResult(store_.GetLoggedModel(model_id, allow_deleted), model_id));
  RETURN_IF_ERROR(CheckModelTeam(caller, model));
  return model;
}

StatusOr<store::LoggedModel> TrackingService::FinalizeLoggedModel(const Identity& caller,
                                                                  std::string_view model_id,
                                                                  store::LoggedModelStatus status) {
  RETURN_IF_ERROR(CheckLoggedModelTeam(caller, model_id));
  if (status == store::LoggedModelStatus::kPending) {
    return InvalidArgumentError(
        "Invalid model status: LOGGED_MODEL_PENDING. A logged model can only be finalized as "
        "LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.");
  }
  return LoggedModelResult(store_.FinalizeLoggedModel(model_id, status), model_id);
}

Status TrackingService::DeleteLoggedModel(const Identity& caller, std::string_view model_id) {
  RETURN_IF_ERROR(CheckLoggedModelTeam(caller, model_id));
  return LoggedModelResult(store_.DeleteLoggedModel(model_id), model_id);
}

Status TrackingService::SetLoggedModelTags(const Identity& caller, std::string_view model_id,
                                           std::vector<store::Tag> tags) {
  RETURN_IF_ERROR(CheckLoggedModelTeam(caller, model_id));
  for (size_t i = 0; i < tags.size(); ++i) {
    RETURN_IF_ERROR(
        ValidateRunTag(tags[i], "tags[" + std::to_string(i) + "]", options_.truncate_long_values));
  }
  return LoggedModelResult(store_.SetLoggedModelTags(model_id, tags), model_id);
}

Status TrackingService::DeleteLoggedModelTag(const Identity& caller, std::string_view model_id,
                                             std::string_view key) {
  RETURN_IF_ERROR(CheckLoggedModelTeam(caller, model_id));
  ASSIGN_OR_RETURN(bool deleted,
                   LoggedModelResult(store_.DeleteLoggedModelTag(model_id, key), model_id));
  if (!deleted) return LoggedModelTagNotFoundError(model_id, key);
  return OkStatus();
}

Status TrackingService::LogLoggedModelParams(const Identity& caller, std::string_view model_id,
                                             std::vector<store::Param> params) {
  RETURN_IF_ERROR(CheckLoggedModelTeam(caller, model_id));
  for (size_t i = 0; i < params.size(); ++i) {
    RETURN_IF_ERROR(ValidateParam(params[i], "params[" + std::to_string(i) + "]",
                                  options_.truncate_long_values));
  }
  return LoggedModelResult(store_.LogLoggedModelParams(model_id, params), model_id);
}

StatusOr<store::Page<store::LoggedModel>> TrackingService::SearchLoggedModels(
    const Identity& caller, const SearchLoggedModelsRequest& request) {
  store::LoggedModelQuery query;
  query.max_results = request.max_results.value_or(kDefaultLoggedModelMaxResults);
  RETURN_IF_ERROR(ValidatePositiveMaxResults(query.max_results, kMaxSearchRunsResults));
  RETURN_IF_ERROR(ValidateExperimentIdCount("SearchLoggedModels", request.experiment_ids.size(),
                                            kMaxExperimentIdsPerSearch));
  ASSIGN_OR_RETURN(query.experiment_ids, VisibleExperiments(caller, request.experiment_ids));
  if (query.experiment_ids.empty()) return store::Page<store::LoggedModel>{};
  ASSIGN_OR_RETURN(query.filter, search::ParseLoggedModelFilter(request.filter));
  query.datasets = request.datasets;
  for (const auto& order : request.order_by) {
    if (order.field_name.empty()) {
      return InvalidArgumentError(MissingValueMessage("order_by.field_name"));
    }
  }
  query.order_by = request.order_by;
  ASSIGN_OR_RETURN(query.offset, DecodeToken(request.page_token));
  return store_.SearchLoggedModels(query);
}

// --- Teams -----------------------------------------------------------------------------------

Status TrackingService::CheckExperimentTeam(const Identity& caller,
                                            std::string_view experiment_id) {
  if (caller.is_admin && !caller.scoped()) return OkStatus();  // every team's
  ASSIGN_OR_RETURN(auto teams, store_.ExperimentTeams({std::string(experiment_id)}));
  auto it = teams.find(std::string(experiment_id));
  if (it != teams.end() && !MayActIn(caller, it->second)) {
    return ExperimentNotFoundError(experiment_id);
  }
  return OkStatus();
}

Status TrackingService::CheckRunTeams(const Identity& caller,
                                      const std::vector<std::string>& run_ids) {
  if (caller.is_admin && !caller.scoped()) return OkStatus();
  ASSIGN_OR_RETURN(auto teams, store_.RunTeams(run_ids));
  for (const auto& [run_id, team] : teams) {
    if (!MayActIn(caller, team)) return RunNotFoundError(run_id);
  }
  return OkStatus();
}

Status TrackingService::CheckRunTeam(const Identity& caller, std::string_view run_id) {
  return CheckRunTeams(caller, {std::string(run_id)});
}

Status TrackingService::CheckLoggedModelTeam(const Identity& caller, std::string_view model_id) {
  if (caller.is_admin && !caller.scoped()) return OkStatus();
  StatusOr<store::LoggedModel> model = store_.GetLoggedModel(model_id, /*allow_deleted=*/true);
  if (!model.ok()) return OkStatus();  // the operation itself reports what is wrong
  return CheckModelTeam(caller, *model);
}

Status TrackingService::CheckModelTeam(const Identity& caller, const store::LoggedModel& model) {
  Status allowed = CheckExperimentTeam(caller, model.experiment_id);
  if (allowed.code() == StatusCode::kNotFound) return LoggedModelNotFoundError(model.model_id);
  return allowed;
}

StatusOr<std::vector<std::string>> TrackingService::VisibleExperiments(
    const Identity& caller, const std::vector<std::string>& requested_ids) {
  std::vector<std::string> experiment_ids = requested_ids;
  for (std::string& id : experiment_ids) {
    ASSIGN_OR_RETURN(id, ExperimentIdFor(caller, id));
  }
  if (caller.is_admin && !caller.scoped()) return experiment_ids;
  ASSIGN_OR_RETURN(auto teams, store_.ExperimentTeams(experiment_ids));
  std::vector<std::string> visible;
  for (const std::string& id : experiment_ids) {
    auto it = teams.find(id);
    if (it != teams.end() && MayActIn(caller, it->second)) visible.push_back(id);
  }
  return visible;
}

}  // namespace inet::tracking
