#include "tracking/tracking_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "search/search.h"
#include "store/sqlite/sqlite_metadata_store.h"
#include "tracking/lifecycle.h"
#include "tracking/testing/mock_tracking_store.h"
#include "tracking/validation.h"

namespace inet::tracking {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::StrictMock;

store::Experiment MakeExperiment(std::string id, std::string location,
                                 store::LifecycleStage stage = store::LifecycleStage::kActive) {
  store::Experiment e;
  e.experiment_id = std::move(id);
  e.name = "exp";
  e.artifact_location = std::move(location);
  e.lifecycle_stage = stage;
  return e;
}

class TrackingServiceTest : public ::testing::Test {
 protected:
  StrictMock<testing::MockTrackingStore> store_;
  FakeClock clock_{1'700'000'000'000};
  TrackingService service_{store_, clock_, TrackingOptions{"mlflow-artifacts:/"}};
  Identity alice_ = Member("alice", "default");

  // The team checks' reads find every id in team default unless a test says otherwise, so the
  // tests of MLflow's rules see only the calls they are about.
  void SetUp() override {
    auto all_default = [](const std::vector<std::string>& ids) {
      std::map<std::string, std::string> teams;
      for (const std::string& id : ids) teams[id] = "default";
      return StatusOr<std::map<std::string, std::string>>(std::move(teams));
    };
    EXPECT_CALL(store_, RunTeams(_)).WillRepeatedly(all_default);
    EXPECT_CALL(store_, ExperimentTeams(_)).WillRepeatedly(all_default);
  }

  static Identity Member(std::string user, std::string team) {
    Identity identity{std::move(user), "t1", false};
    identity.team = std::move(team);
    return identity;
  }
};

TEST(AppendUriPathTest, JoinsWithSingleSlashes) {
  EXPECT_EQ(AppendUriPath("mlflow-artifacts:/", {"1"}), "mlflow-artifacts:/1");
  EXPECT_EQ(AppendUriPath("mlflow-artifacts:/1", {"abc", "artifacts"}),
            "mlflow-artifacts:/1/abc/artifacts");
  EXPECT_EQ(AppendUriPath("file:///tmp/x/", {"r", "artifacts"}), "file:///tmp/x/r/artifacts");
  EXPECT_EQ(AppendUriPath("s3://b/p", {"/m"}), "s3://b/p/m");
}

TEST_F(TrackingServiceTest, CreateRunFillsDefaults) {
  EXPECT_CALL(store_, GetExperiment(std::string_view("1")))
      .WillOnce(Return(MakeExperiment("1", "mlflow-artifacts:/1")));
  store::RunInfo stored;
  std::vector<store::Tag> stored_tags;
  EXPECT_CALL(store_, CreateRun(_, _))
      .WillOnce(DoAll(SaveArg<0>(&stored), SaveArg<1>(&stored_tags), Return(OkStatus())));
  CreateRunRequest req;
  req.experiment_id = "1";
  auto run = service_.CreateRun(alice_, req);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(stored.run_id.size(), 32u);
  EXPECT_EQ(stored.user_id, "alice");
  EXPECT_EQ(stored.start_time, 1'700'000'000'000);
  EXPECT_EQ(stored.status, store::RunStatus::kRunning);
  EXPECT_EQ(stored.artifact_uri, "mlflow-artifacts:/1/" + stored.run_id + "/artifacts");
  EXPECT_FALSE(stored.run_name.empty());
  EXPECT_THAT(stored_tags, Contains(store::Tag{"mlflow.runName", stored.run_name}));
  EXPECT_EQ(run->info.run_id, stored.run_id);
  EXPECT_EQ(run->tags, stored_tags);
}

TEST_F(TrackingServiceTest, CreateRunTakesNameFromTagAndDefaultsExperimentZero) {
  EXPECT_CALL(store_, GetExperiment(std::string_view("0")))
      .WillOnce(Return(MakeExperiment("0", "file:///tmp/a/0")));
  store::RunInfo stored;
  EXPECT_CALL(store_, CreateRun(_, _)).WillOnce(DoAll(SaveArg<0>(&stored), Return(OkStatus())));
  CreateRunRequest req;
  req.user_id = "bob";
  req.start_time = 5;
  req.tags = {{"mlflow.runName", "from-tag"}};
  ASSERT_TRUE(service_.CreateRun(alice_, req).ok());
  EXPECT_EQ(stored.run_name, "from-tag");
  EXPECT_EQ(stored.user_id, "bob");
  EXPECT_EQ(stored.start_time, 5);
}

TEST_F(TrackingServiceTest, CreateRunRejectsConflictingNames) {
  CreateRunRequest req;
  req.run_name = "a";
  req.tags = {{"mlflow.runName", "b"}};
  auto run = service_.CreateRun(alice_, req);
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(run.status().message(), HasSubstr("(run_name='a', mlflow.runName='b')"));
}

TEST_F(TrackingServiceTest, CreateRunInDeletedExperimentFails) {
  EXPECT_CALL(store_, GetExperiment(_))
      .WillOnce(Return(MakeExperiment("3", "x", store::LifecycleStage::kDeleted)));
  CreateRunRequest req;
  req.experiment_id = "3";
  auto run = service_.CreateRun(alice_, req);
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(run.status().message(), HasSubstr("must be in the 'active' state"));
}

TEST_F(TrackingServiceTest, DeleteExperimentDeletesEveryRunAtNow) {
  EXPECT_CALL(store_, GetExperiment(std::string_view("7")))
      .WillOnce(Return(MakeExperiment("7", "x")));
  store::ExperimentLifecycleChange change;
  EXPECT_CALL(store_, SetExperimentLifecycle(std::string_view("7"), _))
      .WillOnce(DoAll(SaveArg<1>(&change), Return(OkStatus())));
  ASSERT_TRUE(service_.DeleteExperiment(alice_, "7").ok());
  EXPECT_EQ(change.from, store::LifecycleStage::kActive);
  EXPECT_EQ(change.to, store::LifecycleStage::kDeleted);
  EXPECT_EQ(change.last_update_time, 1'700'000'000'000);
  ASSERT_TRUE(change.runs.has_value());
  EXPECT_EQ(change.runs->stage, store::LifecycleStage::kDeleted);
  EXPECT_EQ(change.runs->deleted_time, 1'700'000'000'000);
}

// MLflow's restore_experiment makes every run of the experiment active again, including runs
// deleted on their own before the experiment was.
TEST_F(TrackingServiceTest, RestoreExperimentRestoresEveryRun) {
  store::ExperimentLifecycleChange change;
  EXPECT_CALL(store_, SetExperimentLifecycle(std::string_view("7"), _))
      .WillOnce(DoAll(SaveArg<1>(&change), Return(OkStatus())));
  ASSERT_TRUE(service_.RestoreExperiment(alice_, "7").ok());
  EXPECT_EQ(change.from, store::LifecycleStage::kDeleted);
  EXPECT_EQ(change.to, store::LifecycleStage::kActive);
  ASSERT_TRUE(change.runs.has_value());
  EXPECT_EQ(change.runs->stage, store::LifecycleStage::kActive);
  EXPECT_EQ(change.runs->deleted_time, std::nullopt);
}

TEST_F(TrackingServiceTest, DefaultExperimentCannotBeDeleted) {
  for (std::string_view id : {"0", "00"}) {
    Status s = service_.DeleteExperiment(alice_, id);  // the StrictMock store is never asked
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(),
              "Cannot delete the default experiment '0'. This is a reserved experiment.");
  }
}

TEST_F(TrackingServiceTest, ExperimentLifecycleFactsBecomeMlflowErrors) {
  EXPECT_CALL(store_, SetExperimentLifecycle(_, _))
      .WillOnce(Return(FailedPreconditionError("experiment 7 is deleted")))
      .WillOnce(Return(FailedPreconditionError("experiment 7 is active")))
      .WillOnce(Return(UnavailableError("database is locked")));
  EXPECT_CALL(store_, GetExperiment(std::string_view("7")))
      .WillOnce(Return(MakeExperiment("7", "x", store::LifecycleStage::kDeleted)));
  EXPECT_CALL(store_, GetExperiment(std::string_view("9")))
      .WillOnce(Return(NotFoundError("no experiment 9")));
  Status deleted = service_.DeleteExperiment(alice_, "7");
  EXPECT_EQ(deleted.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(deleted.message(), "Cannot delete an already deleted experiment.");
  Status active = service_.RestoreExperiment(alice_, "7");
  EXPECT_EQ(active.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(active.message(), "Cannot restore an active experiment.");
  Status missing = service_.DeleteExperiment(alice_, "9");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "No Experiment with id=9 exists");
  EXPECT_EQ(service_.RestoreExperiment(alice_, "7").code(), StatusCode::kUnavailable);
}

TEST_F(TrackingServiceTest, DeleteAndRestoreRun) {
  store::RunLifecycle deleted, restored;
  EXPECT_CALL(store_, SetRunLifecycle(std::string_view("r"), _))
      .WillOnce(DoAll(SaveArg<1>(&deleted), Return(OkStatus())))
      .WillOnce(DoAll(SaveArg<1>(&restored), Return(OkStatus())));
  EXPECT_CALL(store_, SetRunLifecycle(std::string_view("gone"), _))
      .WillOnce(Return(NotFoundError("no run gone")));
  ASSERT_TRUE(service_.DeleteRun(alice_, "r").ok());
  ASSERT_TRUE(service_.RestoreRun(alice_, "r").ok());
  EXPECT_EQ(deleted.stage, store::LifecycleStage::kDeleted);
  EXPECT_EQ(deleted.deleted_time, 1'700'000'000'000);
  EXPECT_EQ(restored.stage, store::LifecycleStage::kActive);
  EXPECT_EQ(restored.deleted_time, std::nullopt);
  Status missing = service_.DeleteRun(alice_, "gone");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "Run with id=gone not found");
}

// The store reports a param conflict as a bare kAlreadyExists; the service names the key and
// both values from the (immutable) stored params, in MLflow's words.
TEST_F(TrackingServiceTest, ParamConflictBecomesMlflowMessage) {
  EXPECT_CALL(store_, LogBatch(std::string_view("r"), _, _, _))
      .WillOnce(Return(AlreadyExistsError("param 'lr' is stored with another value")));
  store::Run stored;
  stored.params = {{"depth", "3"}, {"lr", "0.1"}};
  EXPECT_CALL(store_, GetRun(std::string_view("r"))).WillOnce(Return(stored));
  Status s = service_.LogBatch(alice_, "r", {}, {{"depth", "3"}, {"lr", "0.2"}}, {});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Changing param values is not allowed. Param with key='lr' was already logged with "
            "value='0.1' for run ID='r'. Attempted logging new value '0.2'.");
}

// Every fact the store reports without wording comes back to the client in MLflow's words.
TEST_F(TrackingServiceTest, StoreFactsBecomeMlflowMessages) {
  EXPECT_CALL(store_, LogBatch(_, _, _, _)).WillOnce(Return(FailedPreconditionError("deleted")));
  EXPECT_CALL(store_, DeleteRunTag(_, _)).WillOnce(Return(false));
  EXPECT_CALL(store_, DeleteExperimentTag(_, _)).WillOnce(Return(false));
  EXPECT_CALL(store_, DeleteLoggedModelTag(_, _)).WillOnce(Return(false));
  EXPECT_CALL(store_, CreateExperiment(_)).WillOnce(Return(AlreadyExistsError("taken")));
  EXPECT_CALL(store_, RenameExperiment(_, _))
      .WillOnce(Return(FailedPreconditionError("deleted")))
      .WillOnce(Return(AlreadyExistsError("taken")));
  EXPECT_CALL(store_, SetExperimentTag(_, _)).WillOnce(Return(FailedPreconditionError("deleted")));
  EXPECT_CALL(store_, GetRun(_)).WillOnce(Return(NotFoundError("no run")));
  EXPECT_CALL(store_, GetExperimentByName("default", _))
      .WillOnce(Return(NotFoundError("no experiment")));
  // Once for the team check, once for the read.
  EXPECT_CALL(store_, GetLoggedModel(_, _)).WillRepeatedly(Return(NotFoundError("no model")));
  EXPECT_CALL(store_, LogOutputs(_, _)).WillOnce(Return(NotFoundError("no run")));
  const std::vector<std::pair<Status, std::string>> cases = {
      {service_.SetTag(alice_, "r", {"k", "v"}),
       "The run r must be in the 'active' state. Current state is deleted."},
      {service_.DeleteTag(alice_, "r", "k"), "No tag with name: k in run with id r"},
      {service_.DeleteExperimentTag(alice_, "4", "k"),
       "No tag with name: k in experiment with id 4"},
      {service_.DeleteLoggedModelTag(alice_, "m-1", "k"),
       "No tag with key 'k' found for model with ID 'm-1'."},
      {service_.CreateExperiment(alice_, "dup", "", {}).status(),
       "Experiment 'dup' already exists."},
      {service_.RenameExperiment(alice_, "4", "new"), "Cannot rename a non-active experiment."},
      {service_.RenameExperiment(alice_, "4", "dup"), "Experiment 'dup' already exists."},
      {service_.SetExperimentTag(alice_, "4", {"k", "v"}),
       "The experiment 4 must be in the 'active' state. Current state is deleted."},
      {service_.GetRun(alice_, "r").status(), "Run with id=r not found"},
      {service_.GetExperimentByName(alice_, "nope").status(), "Experiment 'nope' does not exist."},
      {service_.GetLoggedModel(alice_, "m-1").status(), "Logged model with ID 'm-1' not found."},
      {service_.LogOutputs(alice_, "r", {}), "Run with id=r not found"},
  };
  for (const auto& [status, message] : cases) EXPECT_EQ(status.message(), message);
}

TEST_F(TrackingServiceTest, LogBatchRejectsOverLimitWithoutTouchingStore) {
  std::vector<store::Metric> metrics(1001, store::Metric{"m", 1, 1, 0, "", "", "", ""});
  Status s = service_.LogBatch(alice_, "r", metrics, {}, {});
  EXPECT_THAT(s.message(), HasSubstr("at most 1000 metrics. Got 1001 metrics"));
}

TEST_F(TrackingServiceTest, LogBatchNamesTheBadEntry) {
  std::vector<store::Metric> metrics(2, store::Metric{"m", 1, 1, 0, "", "", "", ""});
  metrics[1].key = "bad(key)";
  Status s = service_.LogBatch(alice_, "r", metrics, {}, {});
  EXPECT_THAT(s.message(), HasSubstr("for parameter 'metrics[1].name' supplied"));
  Status dup = service_.LogBatch(alice_, "r", {}, {{"a", "1"}, {"a", "2"}}, {});
  EXPECT_THAT(dup.message(), HasSubstr("Duplicate parameter keys"));
}

TEST_F(TrackingServiceTest, LogParamTruncatesLongValues) {
  std::vector<store::Param> logged;
  EXPECT_CALL(store_, LogBatch(std::string_view("r"), _, _, _))
      .WillOnce(DoAll(SaveArg<2>(&logged), Return(OkStatus())));
  ASSERT_TRUE(service_.LogParam(alice_, "r", {"p", std::string(7000, 'x')}).ok());
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].value.size(), 6000u);
}

TEST_F(TrackingServiceTest, EmptyLogBatchStillChecksRun) {
  EXPECT_CALL(store_, GetRun(std::string_view("nope")))
      .WillOnce(Return(NotFoundError("Run with id=nope not found")));
  EXPECT_EQ(service_.LogBatch(alice_, "nope", {}, {}, {}).code(), StatusCode::kNotFound);
}

TEST_F(TrackingServiceTest, SearchRunsBoundsMaxResults) {
  SearchRunsRequest req;
  req.experiment_ids = {"0"};
  req.max_results = 123456789;
  auto page = service_.SearchRuns(alice_, req);
  EXPECT_THAT(page.status().message(),
              HasSubstr("Invalid value 123456789 for parameter 'max_results' supplied"));
}

TEST_F(TrackingServiceTest, SearchRunsPassesQuery) {
  store::RunQuery seen;
  EXPECT_CALL(store_, SearchRuns(_))
      .WillOnce(DoAll(SaveArg<0>(&seen), Return(store::Page<store::Run>{})));
  SearchRunsRequest req;
  req.experiment_ids = {"1", "2"};
  req.max_results = 10;
  req.page_token = search::EncodePageToken(20);
  req.view_type = store::ViewType::kAll;
  ASSERT_TRUE(service_.SearchRuns(alice_, req).ok());
  EXPECT_EQ(seen.experiment_ids, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(seen.max_results, 10);
  EXPECT_EQ(seen.offset, 20);
  EXPECT_EQ(seen.view_type, store::ViewType::kAll);
}

TEST_F(TrackingServiceTest, SearchRunsRejectsBadToken) {
  SearchRunsRequest req;
  req.experiment_ids = {"1"};
  req.page_token = "%%%not-a-token";
  EXPECT_EQ(service_.SearchRuns(alice_, req).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TrackingServiceTest, SearchExperimentsValidatesMaxResults) {
  SearchExperimentsRequest req;
  req.max_results = 0;
  EXPECT_EQ(service_.SearchExperiments(alice_, req).status().message(),
            "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer");
}

// Bounded before the store is asked: each id is a bound SQL parameter.
TEST_F(TrackingServiceTest, SearchesBoundTheExperimentIds) {
  SearchRunsRequest runs;
  runs.experiment_ids.assign(kMaxExperimentIdsPerSearch + 1, "1");
  EXPECT_EQ(service_.SearchRuns(alice_, runs).status().message(),
            "SearchRuns request cannot specify more than 10000 experiment_ids. Received 10001 "
            "experiment_ids.");
  SearchLoggedModelsRequest models;
  models.experiment_ids.assign(kMaxExperimentIdsPerSearch + 1, "1");
  EXPECT_EQ(service_.SearchLoggedModels(alice_, models).status().code(),
            StatusCode::kInvalidArgument);
  // At the bound the store is asked.
  runs.experiment_ids.resize(kMaxExperimentIdsPerSearch);
  EXPECT_CALL(store_, SearchRuns(_)).WillOnce(Return(store::Page<store::Run>{}));
  EXPECT_TRUE(service_.SearchRuns(alice_, runs).ok());
}

TEST_F(TrackingServiceTest, BulkIntervalValidation) {
  EXPECT_THAT(service_.GetMetricHistoryBulkInterval(alice_, {"a"}, "m", 1, std::nullopt, 10)
                  .status()
                  .message(),
              HasSubstr("both must be specified"));
  EXPECT_THAT(
      service_.GetMetricHistoryBulkInterval(alice_, {"a"}, "m", 5, 1, 10).status().message(),
      HasSubstr("end_step must be greater than start_step"));
  EXPECT_EQ(
      service_.GetMetricHistoryBulkInterval(alice_, {"a"}, "m", {}, {}, 2501).status().message(),
      "max_results must be between 1 and 2500.");
  std::vector<std::string> many(101, "r");
  EXPECT_THAT(
      service_.GetMetricHistoryBulkInterval(alice_, many, "m", {}, {}, {}).status().message(),
      HasSubstr("at most 100 run_ids. Received 101 run_ids."));
}

// The store numbers each run's points; the service decides which ones come back.
TEST_F(TrackingServiceTest, BulkIntervalSamplesAsMlflowServer) {
  store::MetricPointSelector select;
  EXPECT_CALL(store_,
              GetMetricHistoryBulkInterval(ElementsAre("a"), std::string_view("m"),
                                           std::optional<int64_t>(), std::optional<int64_t>(), _))
      .WillOnce(DoAll(SaveArg<4>(&select), Return(std::vector<store::Metric>{})));
  ASSERT_TRUE(service_.GetMetricHistoryBulkInterval(alice_, {"a"}, "m", {}, {}, 5).ok());
  ASSERT_TRUE(select);
  // Steps 0-9 at timestamps 1 and 2: (0,1) (2,1) (4,1) (6,1) (9,2).
  EXPECT_THAT(select(20), ElementsAre(0, 4, 8, 12, 19));
  EXPECT_THAT(select(3), ElementsAre(0, 1, 2));
}

TEST_F(TrackingServiceTest, BulkHistorySortsRunsAndPoints) {
  auto point = [](double v, int64_t ts, int64_t step) {
    store::Metric m;
    m.key = "m";
    m.value = v;
    m.timestamp = ts;
    m.step = step;
    return m;
  };
  EXPECT_CALL(store_, GetMetricHistory(std::string_view("a"), std::string_view("m"), 25000, 0))
      .WillOnce(Return(store::Page<store::Metric>{{point(2, 2, 0), point(1, 1, 0)}, ""}));
  EXPECT_CALL(store_, GetMetricHistory(std::string_view("b"), std::string_view("m"), 25000, 0))
      .WillOnce(Return(store::Page<store::Metric>{{point(3, 1, 0)}, ""}));
  auto out = service_.GetMetricHistoryBulk(alice_, {"b", "a"}, "m", std::nullopt);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ((*out)[0].run_id, "a");
  EXPECT_EQ((*out)[0].value, 1);
  EXPECT_EQ((*out)[1].value, 2);
  EXPECT_EQ((*out)[2].run_id, "b");
}

TEST_F(TrackingServiceTest, SearchDatasetsDeduplicates) {
  store::Run run;
  run.info.experiment_id = "1";
  store::DatasetInput in;
  in.dataset = {"ds", "d1", "local", "src", "", ""};
  in.tags = {{"mlflow.data.context", "training"}};
  run.dataset_inputs = {in, in};
  EXPECT_CALL(store_, SearchRuns(_)).WillOnce(Return(store::Page<store::Run>{{run, run}, ""}));
  auto out = service_.SearchDatasets(alice_, {"1"});
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(*out, ElementsAre(DatasetSummary{"1", "ds", "d1", "training"}));
  EXPECT_FALSE(service_.SearchDatasets(alice_, {}).ok());
}

TEST_F(TrackingServiceTest, CreateLoggedModelBuildsArtifactUri) {
  EXPECT_CALL(store_, GetExperiment(std::string_view("4")))
      .WillOnce(Return(MakeExperiment("4", "mlflow-artifacts:/4")));
  store::LoggedModel stored;
  EXPECT_CALL(store_, CreateLoggedModel(_))
      .WillOnce(DoAll(SaveArg<0>(&stored), Return(OkStatus())));
  CreateLoggedModelRequest req;
  req.experiment_id = "4";
  req.name = "model";
  auto model = service_.CreateLoggedModel(alice_, req);
  ASSERT_TRUE(model.ok());
  EXPECT_TRUE(stored.model_id.starts_with("m-"));
  EXPECT_EQ(stored.artifact_uri, "mlflow-artifacts:/4/models/" + stored.model_id + "/artifacts");
  EXPECT_EQ(stored.status, store::LoggedModelStatus::kPending);
  EXPECT_EQ(stored.creator_id, "alice");
  EXPECT_EQ(model->model_id, stored.model_id);
}

TEST_F(TrackingServiceTest, CreateLoggedModelRejectsBadName) {
  CreateLoggedModelRequest req;
  req.experiment_id = "4";
  req.name = "a.b";
  EXPECT_EQ(service_.CreateLoggedModel(alice_, req).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TrackingServiceTest, CreateExperimentValidatesBeforeStore) {
  EXPECT_EQ(service_.CreateExperiment(alice_, "", "", {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_CALL(store_,
              CreateExperiment(AllOf(Field(&store::Experiment::name, "e"),
                                     Field(&store::Experiment::creation_time, 1'700'000'000'000))))
      .WillOnce(Return(std::string("7")));
  auto id = service_.CreateExperiment(alice_, "e", "", {});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "7");
}

TEST_F(TrackingServiceTest, RelativeArtifactLocationIsMadeAbsolute) {
  std::string expected = (std::filesystem::current_path() / "my_location").string();
  EXPECT_CALL(store_, CreateExperiment(Field(&store::Experiment::artifact_location, expected)))
      .WillOnce(Return(std::string("8")));
  EXPECT_CALL(store_,
              CreateExperiment(Field(&store::Experiment::artifact_location, "mlflow-artifacts:/x")))
      .WillOnce(Return(std::string("9")));
  EXPECT_EQ(*service_.CreateExperiment(alice_, "rel", "my_location", {}), "8");
  EXPECT_EQ(*service_.CreateExperiment(alice_, "abs", "mlflow-artifacts:/x", {}), "9");
}

// The value of `s`, or T{} after failing the test.
template <typename T>
T ValueOrDie(StatusOr<T> s) {
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : T{};
}

// The service's MLflow rules over a real store (SQLite; the conformance suite shows that the
// PostgreSQL adapter stores and fetches the same way).
class TrackingServiceOnStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<store::MetadataStore>> opened =
        store::OpenSqliteMetadataStore("sqlite:///:memory:", "file:///art", &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    metadata_ = std::move(*opened);
    service_ = std::make_unique<TrackingService>(metadata_->tracking(), clock_,
                                                 TrackingOptions{"mlflow-artifacts:/"});
    ASSERT_TRUE(service_->EnsureDefaultExperiment().ok());
  }

  std::string NewRun(const std::string& name) {
    CreateRunRequest req;
    req.run_name = name;
    StatusOr<store::Run> run = service_->CreateRun(alice_, req);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? run->info.run_id : "";
  }

  // The run's name and its mlflow.runName tag (empty when absent), as stored.
  std::pair<std::string, std::string> NameAndTag(const std::string& run_id) {
    StatusOr<store::Run> run = metadata_->tracking().GetRun(run_id);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    if (!run.ok()) return {};
    std::string tag;
    for (const store::Tag& t : run->tags) {
      if (t.key == "mlflow.runName") tag = t.value;
    }
    return {run->info.run_name, tag};
  }

  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<store::MetadataStore> metadata_;
  std::unique_ptr<TrackingService> service_;
  Identity alice_{"alice", "t1", false};
};

TEST_F(TrackingServiceOnStoreTest, EnsureDefaultExperimentCreatesItOnce) {
  // SetUp made it; MLflow's SqlAlchemyStore makes the same one when it opens.
  store::Experiment zero = ValueOrDie(service_->GetExperiment(alice_, "0"));
  EXPECT_EQ(zero.name, "Default");
  EXPECT_EQ(zero.artifact_location, "file:///art/0");
  EXPECT_EQ(zero.lifecycle_stage, store::LifecycleStage::kActive);
  EXPECT_EQ(zero.creation_time, 1'700'000'000'000);
  EXPECT_EQ(zero.last_update_time, 1'700'000'000'000);
  // A restart finds it and changes nothing, whatever it became.
  ASSERT_TRUE(service_->RenameExperiment(alice_, "0", "Renamed").ok());
  clock_.Advance(5000);
  ASSERT_TRUE(service_->EnsureDefaultExperiment().ok());
  EXPECT_EQ(ValueOrDie(service_->GetExperiment(alice_, "0")).name, "Renamed");
  StatusOr<store::Page<store::Experiment>> all =
      service_->SearchExperiments(alice_, SearchExperimentsRequest{});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 1u);
  // The first experiment a user creates is not 0.
  EXPECT_NE(ValueOrDie(service_->CreateExperiment(alice_, "mine", "", {})), "0");
}

// MLflow's client sends experiment "0" when no experiment is set (mlflow.start_run()). In a team
// other than default that is the team's own "Default", made on first use, never team default's.
TEST_F(TrackingServiceOnStoreTest, ExperimentZeroOfAnotherTeamIsThatTeamsOwnDefault) {
  Identity nlp{"alice", "t1", false};
  nlp.team = "nlp-team";
  CreateRunRequest req;  // no experiment: "0"
  store::Run first = ValueOrDie(service_->CreateRun(nlp, req));
  const std::string own = first.info.experiment_id;
  EXPECT_NE(own, "0");
  store::Experiment made = ValueOrDie(metadata_->tracking().GetExperiment(own));
  EXPECT_EQ(made.team, "nlp-team");
  EXPECT_EQ(made.name, "Default");
  EXPECT_EQ(made.artifact_location, "file:///art/workspaces/nlp-team/" + own);
  EXPECT_EQ(first.info.artifact_uri,
            "file:///art/workspaces/nlp-team/" + own + "/" + first.info.run_id + "/artifacts");

  // Every later "0" of the team, in any spelling and any call, is the same experiment.
  req.experiment_id = "00";
  EXPECT_EQ(ValueOrDie(service_->CreateRun(nlp, req)).info.experiment_id, own);
  EXPECT_EQ(ValueOrDie(service_->GetExperiment(nlp, "0")).experiment_id, own);
  SearchRunsRequest search;
  search.experiment_ids = {"0"};
  EXPECT_EQ(ValueOrDie(service_->SearchRuns(nlp, search)).items.size(), 2u);
  ASSERT_TRUE(service_->SetExperimentTag(nlp, "0", {"owner", "nlp"}).ok());
  EXPECT_EQ(ValueOrDie(service_->GetExperimentByName(nlp, "Default")).tags,
            (std::vector<store::Tag>{{"owner", "nlp"}}));
  StatusOr<store::Page<store::Experiment>> listed =
      service_->SearchExperiments(nlp, SearchExperimentsRequest{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].experiment_id, own);

  // Team default's experiment 0 got none of it, and its own "0" is still experiment 0.
  EXPECT_TRUE(ValueOrDie(service_->SearchRuns(alice_, search)).items.empty());
  EXPECT_EQ(ValueOrDie(service_->GetExperiment(alice_, "0")).experiment_id, "0");
  EXPECT_TRUE(ValueOrDie(service_->GetExperiment(alice_, "0")).tags.empty());

  // Another team gets another default.
  Identity cv{"bob", "t2", false};
  cv.team = "cv-team";
  req.experiment_id = "";
  std::string cv_own = ValueOrDie(service_->CreateRun(cv, req)).info.experiment_id;
  EXPECT_NE(cv_own, own);
  EXPECT_NE(cv_own, "0");
}

TEST_F(TrackingServiceOnStoreTest, NoTeamsDefaultExperimentCanBeDeleted) {
  Identity nlp{"alice", "t1", false};
  nlp.team = "nlp-team";
  const std::string own = ValueOrDie(service_->GetExperiment(nlp, "0")).experiment_id;
  Status by_id = service_->DeleteExperiment(nlp, own);
  EXPECT_EQ(by_id.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(by_id.message(), "Cannot delete the default experiment '" + own +
                                 "' of team 'nlp-team'. This is a reserved experiment.");
  EXPECT_EQ(service_->DeleteExperiment(nlp, "0").message(),
            "Cannot delete the default experiment '0'. This is a reserved experiment.");
  Identity admin{"root", "t0", true};  // a platform admin acting in default, by id
  EXPECT_EQ(service_->DeleteExperiment(admin, own).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValueOrDie(service_->GetExperiment(nlp, own)).lifecycle_stage,
            store::LifecycleStage::kActive);

  // Renamed, it is an ordinary experiment; the team's next "0" makes a new Default.
  ASSERT_TRUE(service_->RenameExperiment(nlp, own, "old-default").ok());
  EXPECT_TRUE(service_->DeleteExperiment(nlp, own).ok());
  std::string next = ValueOrDie(service_->GetExperiment(nlp, "0")).experiment_id;
  EXPECT_NE(next, own);

  // Other teams' experiments of other names are deleted as before; a missing one is MLflow's
  // not-found.
  std::string other = ValueOrDie(service_->CreateExperiment(nlp, "other", "", {}));
  Identity cv{"bob", "t2", false};
  cv.team = "cv-team";
  EXPECT_EQ(service_->DeleteExperiment(cv, other).message(),
            "No Experiment with id=" + other + " exists");  // another team's: as if absent
  EXPECT_EQ(ValueOrDie(service_->GetExperiment(nlp, other)).lifecycle_stage,
            store::LifecycleStage::kActive);
  EXPECT_TRUE(service_->DeleteExperiment(nlp, other).ok());
  EXPECT_EQ(service_->DeleteExperiment(nlp, "12345").message(),
            "No Experiment with id=12345 exists");
}

TEST_F(TrackingServiceOnStoreTest, EnsureDefaultExperimentOnAStoreOpenedWithoutIt) {
  // The store creates no experiment of its own.
  StatusOr<std::unique_ptr<store::MetadataStore>> bare =
      store::OpenSqliteMetadataStore("sqlite:///:memory:", "file:///bare", &clock_);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ((*bare)->tracking().GetExperiment("0").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(EnsureDefaultExperiment((*bare)->tracking(), 42).ok());
  store::Experiment zero = ValueOrDie((*bare)->tracking().GetExperiment("0"));
  EXPECT_EQ(zero.name, "Default");
  EXPECT_EQ(zero.artifact_location, "file:///bare/0");
  EXPECT_EQ(zero.creation_time, 42);
}

TEST_F(TrackingServiceOnStoreTest, RunNameAndItsTagStayInStep) {
  std::string run = NewRun("first");
  EXPECT_EQ(NameAndTag(run), std::make_pair(std::string("first"), std::string("first")));
  // update_run_info with a name sets both.
  ASSERT_TRUE(service_->UpdateRun(alice_, run, std::nullopt, std::nullopt, "second").ok());
  EXPECT_EQ(NameAndTag(run), std::make_pair(std::string("second"), std::string("second")));
  // set_tag of mlflow.runName renames the run.
  ASSERT_TRUE(service_->SetTag(alice_, run, {"mlflow.runName", "third"}).ok());
  EXPECT_EQ(NameAndTag(run), std::make_pair(std::string("third"), std::string("third")));
  // In a batch, the last non-empty value wins and the other tags are stored as given.
  ASSERT_TRUE(service_
                  ->LogBatch(alice_, run, {}, {{"p", "1"}},
                             {{"mlflow.runName", "fourth"},
                              {"k", "v"},
                              {"mlflow.runName", "fifth"},
                              {"mlflow.runName", ""}})
                  .ok());
  EXPECT_EQ(NameAndTag(run), std::make_pair(std::string("fifth"), std::string("fifth")));
  store::Run got = ValueOrDie(metadata_->tracking().GetRun(run));
  EXPECT_THAT(got.tags, Contains(store::Tag{"k", "v"}));
  EXPECT_THAT(got.params, Contains(store::Param{"p", "1"}));
  // An empty name writes nothing (MLflow's update_run_info ignores it)...
  ASSERT_TRUE(service_->SetTag(alice_, run, {"mlflow.runName", ""}).ok());
  EXPECT_EQ(NameAndTag(run), std::make_pair(std::string("fifth"), std::string("fifth")));
  ASSERT_TRUE(service_->UpdateRun(alice_, run, std::nullopt, std::nullopt, "").ok());
  EXPECT_EQ(NameAndTag(run), std::make_pair(std::string("fifth"), std::string("fifth")));
  // ...but the run must still exist and be active.
  EXPECT_EQ(service_->SetTag(alice_, "deadbeef", {"mlflow.runName", ""}).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(service_->DeleteRun(alice_, run).ok());
  EXPECT_EQ(service_->SetTag(alice_, run, {"mlflow.runName", "sixth"}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(NameAndTag(run), std::make_pair(std::string("fifth"), std::string("fifth")));
}

TEST_F(TrackingServiceOnStoreTest, FailedBatchDoesNotRename) {
  std::string run = NewRun("kept");
  ASSERT_TRUE(service_->LogParam(alice_, run, {"lr", "0.1"}).ok());
  Status s = service_->LogBatch(alice_, run, {}, {{"lr", "0.2"}}, {{"mlflow.runName", "lost"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("Changing param values is not allowed"));
  EXPECT_EQ(NameAndTag(run), std::make_pair(std::string("kept"), std::string("kept")));
}

TEST_F(TrackingServiceOnStoreTest, CreateRunStoresOneNameTag) {
  CreateRunRequest req;
  req.tags = {{"mlflow.runName", "from-tag"}, {"k", "v"}, {"mlflow.runName", "other"}};
  store::Run created = ValueOrDie(service_->CreateRun(alice_, req));
  EXPECT_EQ(created.info.run_name, "from-tag");
  EXPECT_EQ(NameAndTag(created.info.run_id),
            std::make_pair(std::string("from-tag"), std::string("from-tag")));
  EXPECT_THAT(created.tags,
              ElementsAre(store::Tag{"mlflow.runName", "from-tag"}, store::Tag{"k", "v"}));
  // A run created with neither gets a random name, stored in both places.
  store::Run random = ValueOrDie(service_->CreateRun(alice_, CreateRunRequest{}));
  EXPECT_FALSE(random.info.run_name.empty());
  EXPECT_EQ(NameAndTag(random.info.run_id),
            std::make_pair(random.info.run_name, random.info.run_name));
}

TEST_F(TrackingServiceOnStoreTest, NegativePageTokenOffsetIsRefusedAboveTheStore) {
  std::string run = NewRun("r");
  StatusOr<store::Page<store::Metric>> page =
      service_->GetMetricHistory(alice_, run, "m", 10, search::EncodePageToken(-3));
  EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(page.status().message(), HasSubstr("Invalid page token"));
}

}  // namespace
}  // namespace inet::tracking
