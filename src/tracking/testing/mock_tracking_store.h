// MockTrackingStore: a gmock of store::TrackingStore for tracking-service unit tests that check
// what the service asks of the store (validation short-circuits, defaults, argument shapes)
// without a database.
#pragma once

#include <gmock/gmock.h>

#include "store/tracking_store.h"

namespace inet::tracking::testing {

class MockTrackingStore : public store::TrackingStore {
 public:
  MOCK_METHOD(StatusOr<std::string>, CreateExperiment, (const store::Experiment&), (override));
  MOCK_METHOD(StatusOr<store::Experiment>, GetExperiment, (std::string_view), (override));
  MOCK_METHOD(StatusOr<store::Experiment>, GetExperimentByName,
              (std::string_view, std::string_view), (override));
  MOCK_METHOD((StatusOr<std::map<std::string, std::string>>), ExperimentTeams,
              (const std::vector<std::string>&), (override));
  MOCK_METHOD((StatusOr<std::map<std::string, std::string>>), RunTeams,
              (const std::vector<std::string>&), (override));
  MOCK_METHOD(StatusOr<store::Page<store::Experiment>>, SearchExperiments,
              (const store::ExperimentQuery&), (override));
  MOCK_METHOD(Status, RenameExperiment, (std::string_view, std::string_view), (override));
  MOCK_METHOD(Status, SetExperimentLifecycle,
              (std::string_view, const store::ExperimentLifecycleChange&), (override));
  MOCK_METHOD(Status, SetExperimentTag, (std::string_view, const store::Tag&), (override));
  MOCK_METHOD(StatusOr<bool>, DeleteExperimentTag, (std::string_view, std::string_view),
              (override));
  MOCK_METHOD(Status, CreateRun, (const store::RunInfo&, const std::vector<store::Tag>&),
              (override));
  MOCK_METHOD(StatusOr<store::Run>, GetRun, (std::string_view), (override));
  MOCK_METHOD(StatusOr<store::RunInfo>, UpdateRun, (std::string_view, const store::RunUpdate&),
              (override));
  MOCK_METHOD(Status, SetRunLifecycle, (std::string_view, const store::RunLifecycle&), (override));
  MOCK_METHOD(Status, LogBatch,
              (std::string_view, const std::vector<store::Metric>&,
               const std::vector<store::Param>&, const std::vector<store::Tag>&),
              (override));
  MOCK_METHOD(StatusOr<bool>, DeleteRunTag, (std::string_view, std::string_view), (override));
  MOCK_METHOD(Status, LogInputs,
              (std::string_view, const std::vector<store::DatasetInput>&,
               const std::vector<store::ModelInput>&),
              (override));
  MOCK_METHOD(Status, LogOutputs, (std::string_view, const std::vector<store::ModelOutput>&),
              (override));
  MOCK_METHOD(StatusOr<store::Page<store::Run>>, SearchRuns, (const store::RunQuery&), (override));
  MOCK_METHOD(StatusOr<store::Page<store::Metric>>, GetMetricHistory,
              (std::string_view, std::string_view, int64_t, int64_t), (override));
  MOCK_METHOD(StatusOr<std::vector<store::Metric>>, GetMetricHistoryBulkInterval,
              (const std::vector<std::string>&, std::string_view, std::optional<int64_t>,
               std::optional<int64_t>, const store::MetricPointSelector&),
              (override));
  MOCK_METHOD(Status, CreateLoggedModel, (const store::LoggedModel&), (override));
  MOCK_METHOD(StatusOr<store::LoggedModel>, GetLoggedModel, (std::string_view, bool), (override));
  MOCK_METHOD(StatusOr<store::LoggedModel>, FinalizeLoggedModel,
              (std::string_view, store::LoggedModelStatus), (override));
  MOCK_METHOD(Status, DeleteLoggedModel, (std::string_view), (override));
  MOCK_METHOD(Status, SetLoggedModelTags, (std::string_view, const std::vector<store::Tag>&),
              (override));
  MOCK_METHOD(StatusOr<bool>, DeleteLoggedModelTag, (std::string_view, std::string_view),
              (override));
  MOCK_METHOD(Status, LogLoggedModelParams, (std::string_view, const std::vector<store::Param>&),
              (override));
  MOCK_METHOD(StatusOr<store::Page<store::LoggedModel>>, SearchLoggedModels,
              (const store::LoggedModelQuery&), (override));
};

}  // namespace inet::tracking::testing
