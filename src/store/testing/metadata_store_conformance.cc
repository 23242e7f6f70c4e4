#include "store/testing/metadata_store_conformance.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/ids.h"
#include "search/search.h"

namespace inet::store::testing {

using search::Comparator;
using search::Comparison;
using search::Entity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string ConformanceTargetName(const ::testing::TestParamInfo<ConformanceTarget>& info) {
  return info.param.name;
}

void MetadataStoreConformanceTest::SetUp() {
  StatusOr<StoreUnderTest> opened = GetParam().open(kArtifactRoot);
  // `open` may skip the test (e.g. no database server configured); the body then never runs.
  if (IsSkipped()) return;
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  under_test_ = std::move(*opened);
  ASSERT_NE(under_test_.store, nullptr);
}

void MetadataStoreConformanceTest::TearDown() {
  under_test_.store.reset();
  if (under_test_.cleanup) under_test_.cleanup();
}

std::string MetadataStoreConformanceTest::MakeExperiment(const std::string& name) {
  Experiment e;
  e.name = name;
  StatusOr<std::string> id = store().CreateExperiment(e);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return id.ok() ? *id : "";
}

std::string MetadataStoreConformanceTest::MakeRun(const std::string& experiment_id,
                                                  int64_t start_time, const std::string& run_name) {
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = experiment_id;
  info.run_name = run_name.empty() ? "run-" + info.run_id.substr(0, 6) : run_name;
  info.user_id = "alice";
  info.start_time = start_time;
  info.artifact_uri = std::string(kArtifactRoot) + "/" + experiment_id + "/" + info.run_id;
  Status s = store().CreateRun(info, {});
  EXPECT_TRUE(s.ok()) << s.ToString();
  return info.run_id;
}

namespace {

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    ::inet::Status s_ = (expr);                             \
    ASSERT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                     \
  do {                                                      \
    ::inet::Status s_ = (expr);                             \
    EXPECT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)

template <typename T>
T ValueOrDie(StatusOr<T> v) {
  if (!v.ok()) {
    ADD_FAILURE() << v.status().ToString();
    return T{};
  }
  return std::move(v).value();
}

Metric M(std::string key, double value, int64_t timestamp, int64_t step) {
  Metric m;
  m.key = std::move(key);
  m.value = value;
  m.timestamp = timestamp;
  m.step = step;
  return m;
}

Comparison Clause(Entity entity, std::string key, Comparator op, search::Value value) {
  return Comparison{entity, std::move(key), op, std::move(value)};
}

search::Filter Where(std::vector<Comparison> clauses) { return search::Filter{std::move(clauses)}; }

std::vector<std::string> RunIds(const Page<store::Run>& page) {
  std::vector<std::string> ids;
  for (const store::Run& r : page.items) ids.push_back(r.info.run_id);
  return ids;
}

const Metric* FindMetric(const std::vector<Metric>& metrics, const std::string& key) {
  for (const Metric& m : metrics) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

std::map<std::string, std::string> AsMap(const std::vector<Tag>& tags) {
  std::map<std::string, std::string> out;
  for (const Tag& t : tags) out[t.key] = t.value;
  return out;
}

}  // namespace

// --- Experiments ----------------------------------------------------------------------------

TEST_P(MetadataStoreConformanceTest, DefaultExperimentExists) {
  Experiment e = ValueOrDie(store().GetExperiment("0"));
  EXPECT_EQ(e.experiment_id, "0");
  EXPECT_EQ(e.name, "Default");
  EXPECT_EQ(e.artifact_location, std::string(kArtifactRoot) + "/0");
  EXPECT_EQ(e.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(ValueOrDie(store().GetExperimentByName("Default")).experiment_id, "0");
}

TEST_P(MetadataStoreConformanceTest, CreateExperimentAssignsIntegerIdsAndLocation) {
  Experiment e;
  e.name = "first";
  e.tags = {{"team", "vision"}, {"empty", ""}};
  std::string id1 = ValueOrDie(store().CreateExperiment(e));
  std::string id2 = MakeExperiment("second");
  ASSERT_FALSE(id1.empty());
  EXPECT_TRUE(std::all_of(id1.begin(), id1.end(), ::isdigit)) << id1;
  EXPECT_NE(id1, "0");
  EXPECT_GT(std::stoll(id2), std::stoll(id1));

  Experiment got = ValueOrDie(store().GetExperiment(id1));
  EXPECT_EQ(got.name, "first");
  EXPECT_EQ(got.artifact_location, std::string(kArtifactRoot) + "/" + id1);
  EXPECT_GT(got.creation_time, 0);
  EXPECT_EQ(AsMap(got.tags),
            (std::map<std::string, std::string>{{"empty", ""}, {"team", "vision"}}));

  Experiment explicit_location;
  explicit_location.name = "elsewhere";
  explicit_location.artifact_location = "s3://bucket/path";
  std::string id3 = ValueOrDie(store().CreateExperiment(explicit_location));
  EXPECT_EQ(ValueOrDie(store().GetExperiment(id3)).artifact_location, "s3://bucket/path");
}

TEST_P(MetadataStoreConformanceTest, CreateExperimentRejectsDuplicateNamesEvenWhenDeleted) {
  std::string id = MakeExperiment("dup");
  Experiment e;
  e.name = "dup";
  StatusOr<std::string> again = store().CreateExperiment(e);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr("Experiment 'dup' already exists."));
  ASSERT_OK(store().SetExperimentLifecycle(id, LifecycleStage::kDeleted));
  EXPECT_EQ(store().CreateExperiment(e).status().code(), StatusCode::kAlreadyExists);
}

TEST_P(MetadataStoreConformanceTest, MissingExperimentErrors) {
  StatusOr<Experiment> missing = store().GetExperiment("12345");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("No Experiment with id=12345 exists"));
  EXPECT_EQ(store().GetExperiment("not-a-number").status().code(), StatusCode::kNotFound);
  StatusOr<Experiment> by_name = store().GetExperimentByName("nope");
  EXPECT_EQ(by_name.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(by_name.status().message(), HasSubstr("Experiment 'nope' does not exist."));
  EXPECT_EQ(store().RenameExperiment("999", "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(store().SetExperimentLifecycle("999", LifecycleStage::kDeleted).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store().SetExperimentTag("999", {"k", "v"}).code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreConformanceTest, RenameExperiment) {
  std::string a = MakeExperiment("a");
  MakeExperiment("b");
  ASSERT_OK(store().RenameExperiment(a, "a2"));
  EXPECT_EQ(ValueOrDie(store().GetExperiment(a)).name, "a2");
  EXPECT_EQ(ValueOrDie(store().GetExperimentByName("a2")).experiment_id, a);
  EXPECT_EQ(store().GetExperimentByName("a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().RenameExperiment(a, "b").code(), StatusCode::kAlreadyExists);
}

TEST_P(MetadataStoreConformanceTest, DeletingExperimentDeletesAndRestoresItsRuns) {
  std::string exp = MakeExperiment("lifecycle");
  std::string r1 = MakeRun(exp);
  std::string r2 = MakeRun(exp);
  ASSERT_OK(store().SetExperimentLifecycle(exp, LifecycleStage::kDeleted));
  EXPECT_EQ(ValueOrDie(store().GetExperiment(exp)).lifecycle_stage, LifecycleStage::kDeleted);
  EXPECT_EQ(ValueOrDie(store().GetRun(r1)).info.lifecycle_stage, LifecycleStage::kDeleted);
  EXPECT_EQ(ValueOrDie(store().GetRun(r2)).info.lifecycle_stage, LifecycleStage::kDeleted);
  // Deleted experiments still resolve by name (MLflow's get_experiment_by_name).
  EXPECT_EQ(ValueOrDie(store().GetExperimentByName("lifecycle")).experiment_id, exp);

  Status again = store().SetExperimentLifecycle(exp, LifecycleStage::kDeleted);
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = exp;
  info.run_name = "x";
  EXPECT_EQ(store().CreateRun(info, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().SetExperimentTag(exp, {"k", "v"}).code(), StatusCode::kInvalidArgument);

  ASSERT_OK(store().SetExperimentLifecycle(exp, LifecycleStage::kActive));
  EXPECT_EQ(ValueOrDie(store().GetExperiment(exp)).lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(ValueOrDie(store().GetRun(r1)).info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(ValueOrDie(store().GetRun(r2)).info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(store().SetExperimentLifecycle(exp, LifecycleStage::kActive).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(MetadataStoreConformanceTest, DefaultExperimentCannotBeDeleted) {
  Status s = store().SetExperimentLifecycle("0", LifecycleStage::kDeleted);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValueOrDie(store().GetExperiment("0")).lifecycle_stage, LifecycleStage::kActive);
}

TEST_P(MetadataStoreConformanceTest, ExperimentTags) {
  std::string exp = MakeExperiment("tags");
  ASSERT_OK(store().SetExperimentTag(exp, {"k", "v1"}));
  ASSERT_OK(store().SetExperimentTag(exp, {"k", "v2"}));
  ASSERT_OK(store().SetExperimentTag(exp, {"other", ""}));
  EXPECT_EQ(AsMap(ValueOrDie(store().GetExperiment(exp)).tags),
            (std::map<std::string, std::string>{{"k", "v2"}, {"other", ""}}));
  ASSERT_OK(store().DeleteExperimentTag(exp, "k"));
  EXPECT_EQ(AsMap(ValueOrDie(store().GetExperiment(exp)).tags),
            (std::map<std::string, std::string>{{"other", ""}}));
  Status missing = store().DeleteExperimentTag(exp, "k");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreConformanceTest, SearchExperimentsFiltersOrdersAndPages) {
  std::string a = MakeExperiment("a");
  std::string ab = MakeExperiment("ab");
  std::string abc = MakeExperiment("Abc");
  std::string del = MakeExperiment("deleted-one");
  ASSERT_OK(store().SetExperimentTag(ab, {"key", "value"}));
  ASSERT_OK(store().SetExperimentLifecycle(del, LifecycleStage::kDeleted));

  auto names = [&](ExperimentQuery q) {
    std::vector<std::string> out;
    for (const Experiment& e : ValueOrDie(store().SearchExperiments(q)).items)
      out.push_back(e.name);
    return out;
  };
  ExperimentQuery q;
  q.order_by = {{Entity::kAttribute, "name", false}};
  // Byte-wise: "ab" > "a" > "Default" > "Abc".
  EXPECT_THAT(names(q), ElementsAre("ab", "a", "Default", "Abc"));
  q.view_type = ViewType::kDeletedOnly;
  EXPECT_THAT(names(q), ElementsAre("deleted-one"));
  q.view_type = ViewType::kAll;
  EXPECT_EQ(names(q).size(), 5u);

  ExperimentQuery f;
  f.order_by = {{Entity::kAttribute, "name", true}};
  f.filter = Where({Clause(Entity::kAttribute, "name", Comparator::kEq, std::string("a"))});
  EXPECT_THAT(names(f), ElementsAre("a"));
  f.filter = Where({Clause(Entity::kAttribute, "name", Comparator::kLike, std::string("a%"))});
  EXPECT_THAT(names(f), ElementsAre("a", "ab"));
  f.filter = Where({Clause(Entity::kAttribute, "name", Comparator::kILike, std::string("a%"))});
  EXPECT_THAT(names(f), ElementsAre("Abc", "a", "ab"));
  f.filter = Where({Clause(Entity::kTag, "key", Comparator::kILike, std::string("%ALU%"))});
  EXPECT_THAT(names(f), ElementsAre("ab"));
  f.filter = Where({Clause(Entity::kAttribute, "name", Comparator::kNe, std::string("a"))});
  EXPECT_THAT(names(f), ElementsAre("Abc", "Default", "ab"));
  int64_t ab_created = ValueOrDie(store().GetExperiment(ab)).creation_time;
  f.filter = Where({Clause(Entity::kAttribute, "creation_time", Comparator::kGe,
                           static_cast<double>(ab_created)),
                    Clause(Entity::kAttribute, "name", Comparator::kEq, std::string("ab"))});
  EXPECT_THAT(names(f), ElementsAre("ab"));
  f.filter = Where({Clause(Entity::kAttribute, "creation_time", Comparator::kLt, 0.0)});
  EXPECT_THAT(names(f), IsEmpty());

  // Default order: creation_time DESC, then experiment_id ASC; pages of 2.
  ExperimentQuery paged;
  paged.max_results = 2;
  std::vector<std::string> all;
  for (int guard = 0; guard < 10; ++guard) {
    Page<Experiment> page = ValueOrDie(store().SearchExperiments(paged));
    for (const Experiment& e : page.items) all.push_back(e.experiment_id);
    if (page.next_page_token.empty()) break;
    paged.offset = ValueOrDie(search::DecodePageToken(page.next_page_token));
  }
  EXPECT_EQ(all.size(), 4u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()),
            (std::set<std::string>{"0", a, ab, abc}));
}

// --- Runs -----------------------------------------------------------------------------------

TEST_P(MetadataStoreConformanceTest, CreateAndGetRun) {
  std::string exp = MakeExperiment("runs");
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = exp;
  info.run_name = "my-run";
  info.user_id = "bob";
  info.start_time = 1234;
  info.artifact_uri = "file:///a/b";
  ASSERT_OK(store().CreateRun(info, {{"source", "nb"}}));
  store::Run run = ValueOrDie(store().GetRun(info.run_id));
  EXPECT_EQ(run.info.run_id, info.run_id);
  EXPECT_EQ(run.info.experiment_id, exp);
  EXPECT_EQ(run.info.run_name, "my-run");
  EXPECT_EQ(run.info.user_id, "bob");
  EXPECT_EQ(run.info.status, RunStatus::kRunning);
  EXPECT_EQ(run.info.start_time, 1234);
  EXPECT_FALSE(run.info.end_time.has_value());
  EXPECT_EQ(run.info.artifact_uri, "file:///a/b");
  EXPECT_EQ(run.info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(AsMap(run.tags),
            (std::map<std::string, std::string>{{"mlflow.runName", "my-run"}, {"source", "nb"}}));
  EXPECT_THAT(run.params, IsEmpty());
  EXPECT_THAT(run.latest_metrics, IsEmpty());
}

TEST_P(MetadataStoreConformanceTest, CreateRunTakesNameFromTag) {
  std::string exp = MakeExperiment("named-by-tag");
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = exp;
  ASSERT_OK(store().CreateRun(info, {{"mlflow.runName", "from-tag"}}));
  EXPECT_EQ(ValueOrDie(store().GetRun(info.run_id)).info.run_name, "from-tag");
}

TEST_P(MetadataStoreConformanceTest, CreateRunErrors) {
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = "4242";
  Status s = store().CreateRun(info, {});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("No Experiment with id=4242 exists"));
  StatusOr<store::Run> missing = store().GetRun("deadbeef");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("Run with id=deadbeef not found"));
  EXPECT_EQ(store().LogBatch("deadbeef", {M("m", 1, 1, 0)}, {}, {}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().SetRunLifecycle("deadbeef", LifecycleStage::kDeleted).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store().UpdateRun("deadbeef", RunStatus::kFinished, 5, std::nullopt).status().code(),
            StatusCode::kNotFound);
}

TEST_P(MetadataStoreConformanceTest, UpdateRun) {
  std::string run = MakeRun("0", 1000, "before");
  RunInfo updated =
      ValueOrDie(store().UpdateRun(run, RunStatus::kFinished, int64_t{5000}, std::nullopt));
  EXPECT_EQ(updated.status, RunStatus::kFinished);
  EXPECT_EQ(updated.end_time, 5000);
  EXPECT_EQ(updated.run_name, "before");
  updated = ValueOrDie(store().UpdateRun(run, std::nullopt, std::nullopt, "after"));
  EXPECT_EQ(updated.status, RunStatus::kFinished);
  EXPECT_EQ(updated.run_name, "after");
  store::Run got = ValueOrDie(store().GetRun(run));
  EXPECT_EQ(got.info.status, RunStatus::kFinished);
  EXPECT_EQ(got.info.end_time, 5000);
  EXPECT_EQ(got.info.run_name, "after");
  EXPECT_EQ(AsMap(got.tags)["mlflow.runName"], "after");
}

TEST_P(MetadataStoreConformanceTest, DeletedRunRejectsWritesAndRestoreWorks) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().SetRunLifecycle(run, LifecycleStage::kDeleted));
  EXPECT_EQ(ValueOrDie(store().GetRun(run)).info.lifecycle_stage, LifecycleStage::kDeleted);
  Status s = store().LogBatch(run, {M("m", 1, 1, 0)}, {}, {});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("must be in the 'active' state"));
  EXPECT_EQ(store().LogInputs(run, {}, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().DeleteRunTag(run, "mlflow.runName").code(), StatusCode::kInvalidArgument);
  ASSERT_OK(store().SetRunLifecycle(run, LifecycleStage::kActive));
  EXPECT_OK(store().LogBatch(run, {M("m", 1, 1, 0)}, {}, {}));
}

TEST_P(MetadataStoreConformanceTest, ParamsAreImmutable) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().LogBatch(run, {}, {{"lr", "0.1"}}, {}));
  EXPECT_OK(store().LogBatch(run, {}, {{"lr", "0.1"}}, {}));
  Status s = store().LogBatch(run, {}, {{"lr", "0.2"}}, {});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("lr"));
  EXPECT_THAT(s.message(), HasSubstr("0.1"));
  EXPECT_THAT(s.message(), HasSubstr("0.2"));
  EXPECT_EQ(AsMap(ValueOrDie(store().GetRun(run)).params)["lr"], "0.1");
}

TEST_P(MetadataStoreConformanceTest, BatchIsAtomic) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().LogBatch(run, {}, {{"p", "a"}}, {}));
  Status s = store().LogBatch(run, {M("loss", 1.0, 10, 0), M("loss", 0.5, 11, 1)},
                              {{"q", "new"}, {"p", "b"}}, {{"t", "v"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  store::Run got = ValueOrDie(store().GetRun(run));
  EXPECT_THAT(got.latest_metrics, IsEmpty());
  EXPECT_EQ(AsMap(got.params), (std::map<std::string, std::string>{{"p", "a"}}));
  EXPECT_EQ(AsMap(got.tags).count("t"), 0u);
  EXPECT_THAT(ValueOrDie(store().GetMetricHistory(run, "loss", 0, 0)).items, IsEmpty());
  // Conflicting values inside one batch are a conflict too.
  EXPECT_EQ(store().LogBatch(run, {}, {{"x", "1"}, {"x", "2"}}, {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AsMap(ValueOrDie(store().GetRun(run)).params).count("x"), 0u);
}

TEST_P(MetadataStoreConformanceTest, TagsUpsertAndRunNameSync) {
  std::string run = MakeRun("0", 1000, "original");
  ASSERT_OK(store().LogBatch(run, {}, {}, {{"k", "1"}}));
  ASSERT_OK(store().LogBatch(run, {}, {}, {{"k", "2"}}));
  ASSERT_OK(store().LogBatch(run, {}, {}, {{"mlflow.runName", "renamed"}}));
  store::Run got = ValueOrDie(store().GetRun(run));
  EXPECT_EQ(AsMap(got.tags)["k"], "2");
  EXPECT_EQ(got.info.run_name, "renamed");
  ASSERT_OK(store().DeleteRunTag(run, "k"));
  EXPECT_EQ(AsMap(ValueOrDie(store().GetRun(run)).tags).count("k"), 0u);
  Status missing = store().DeleteRunTag(run, "k");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("No tag with name: k in run with id " + run));
}

TEST_P(MetadataStoreConformanceTest, DuplicateMetricPointsAreIgnored) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().LogBatch(run, {M("m", 1.5, 100, 3)}, {}, {}));
  ASSERT_OK(store().LogBatch(run, {M("m", 1.5, 100, 3), M("m", 1.5, 100, 3)}, {}, {}));
  ASSERT_OK(store().LogBatch(run, {M("m", 1.5, 101, 3)}, {}, {}));
  EXPECT_EQ(ValueOrDie(store().GetMetricHistory(run, "m", 0, 0)).items.size(), 2u);
}

TEST_P(MetadataStoreConformanceTest, LatestMetricIsMaxByStepTimestampValue) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().LogBatch(run, {M("m", 5, 100, 2), M("m", 9, 200, 1)}, {}, {}));
  const double kInf = std::numeric_limits<double>::infinity();
  store::Run got = ValueOrDie(store().GetRun(run));
  ASSERT_NE(FindMetric(got.latest_metrics, "m"), nullptr);
  EXPECT_EQ(FindMetric(got.latest_metrics, "m")->value, 5);       // higher step wins
  ASSERT_OK(store().LogBatch(run, {M("m", 1, 150, 2)}, {}, {}));  // same step, later time
  got = ValueOrDie(store().GetRun(run));
  EXPECT_EQ(FindMetric(got.latest_metrics, "m")->value, 1);
  EXPECT_EQ(FindMetric(got.latest_metrics, "m")->timestamp, 150);
  ASSERT_OK(store().LogBatch(run, {M("m", 0.5, 150, 2)}, {}, {}));  // same step+time, lower
  EXPECT_EQ(FindMetric(ValueOrDie(store().GetRun(run)).latest_metrics, "m")->value, 1);
  ASSERT_OK(store().LogBatch(run, {M("m", 3, 150, 2)}, {}, {}));  // same step+time, higher
  EXPECT_EQ(FindMetric(ValueOrDie(store().GetRun(run)).latest_metrics, "m")->value, 3);
  ASSERT_OK(store().LogBatch(run, {M("m", 100, 1, 0)}, {}, {}));  // older step: history only
  EXPECT_EQ(FindMetric(ValueOrDie(store().GetRun(run)).latest_metrics, "m")->value, 3);

  ASSERT_OK(store().LogBatch(
      run, {M("nan", std::nan(""), 1, 0), M("pinf", kInf, 1, 0), M("ninf", -kInf, 1, 0)}, {}, {}));
  got = ValueOrDie(store().GetRun(run));
  EXPECT_TRUE(std::isnan(FindMetric(got.latest_metrics, "nan")->value));
  EXPECT_GE(FindMetric(got.latest_metrics, "pinf")->value, 1.7976931348623157e308);
  EXPECT_LE(FindMetric(got.latest_metrics, "ninf")->value, -1.7976931348623157e308);
  std::vector<Metric> history = ValueOrDie(store().GetMetricHistory(run, "pinf", 0, 0)).items;
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].value, std::numeric_limits<double>::max());
  EXPECT_TRUE(std::isnan(ValueOrDie(store().GetMetricHistory(run, "nan", 0, 0)).items[0].value));
}

TEST_P(MetadataStoreConformanceTest, MetricHistoryOrderAndPaging) {
  std::string run = MakeRun("0");
  std::vector<Metric> batch;
  for (int i = 9; i >= 0; --i) batch.push_back(M("loss", 10.0 - i, 1000 + i, i));
  batch.push_back(M("loss", 0.25, 1000, 0));  // same timestamp+step, smaller value
  batch.push_back(M("other", 1, 1, 1));
  ASSERT_OK(store().LogBatch(run, batch, {}, {}));
  std::vector<Metric> all = ValueOrDie(store().GetMetricHistory(run, "loss", 0, 0)).items;
  ASSERT_EQ(all.size(), 11u);
  EXPECT_EQ(all[0].value, 0.25);
  EXPECT_EQ(all[1].value, 10.0);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(std::tie(all[i - 1].timestamp, all[i - 1].step),
              std::tie(all[i].timestamp, all[i].step));
    EXPECT_EQ(all[i].key, "loss");
  }
  std::vector<Metric> paged;
  int64_t offset = 0;
  int pages = 0;
  while (true) {
    Page<Metric> page = ValueOrDie(store().GetMetricHistory(run, "loss", 4, offset));
    ++pages;
    paged.insert(paged.end(), page.items.begin(), page.items.end());
    if (page.next_page_token.empty()) break;
    offset = ValueOrDie(search::DecodePageToken(page.next_page_token));
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(paged.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(paged[i].value, all[i].value);
  // Exactly one full page: no token.
  EXPECT_TRUE(ValueOrDie(store().GetMetricHistory(run, "loss", 11, 0)).next_page_token.empty());
  EXPECT_THAT(ValueOrDie(store().GetMetricHistory(run, "absent", 0, 0)).items, IsEmpty());
  EXPECT_EQ(store().GetMetricHistory("nope", "loss", 0, 0).status().code(), StatusCode::kNotFound);
}

// Picks every `stride`-th point of `total` (a stand-in for tracking's sampling rule): the
// adapter must number the points in (step, timestamp, value, is_nan) order.
MetricPointSelector EveryNth(size_t stride, std::vector<size_t>* totals) {
  return [stride, totals](size_t total) {
    totals->push_back(total);
    std::vector<size_t> out;
    for (size_t i = 0; i < total; i += stride) out.push_back(i);
    return out;
  };
}

TEST_P(MetadataStoreConformanceTest, BulkIntervalFetchesTheSelectedPointsInOrder) {
  std::string a = MakeRun("0");
  std::string b = MakeRun("0");
  std::vector<Metric> batch;
  // Logged out of order, each step twice (timestamps 2 then 1), one NaN and one negative step.
  for (int step = 9; step >= 0; --step) {
    batch.push_back(M("acc", step, 2, step));
    batch.push_back(M("acc", step, 1, step));
  }
  batch.push_back(M("acc", std::numeric_limits<double>::quiet_NaN(), 3, 9));
  batch.push_back(M("acc", 5, 1, -1));
  ASSERT_OK(store().LogBatch(a, batch, {}, {}));
  ASSERT_OK(
      store().LogBatch(b, {M("acc", 1, 1, 5), M("acc", 2, 2, 7), M("other", 3, 1, 6)}, {}, {}));

  std::vector<size_t> totals;
  std::vector<Metric> got = ValueOrDie(store().GetMetricHistoryBulkInterval(
      {b, a, "no-such-run"}, "acc", std::nullopt, std::nullopt, EveryNth(4, &totals)));
  EXPECT_THAT(totals, ElementsAre(2, 22, 0));
  std::vector<std::tuple<std::string, int64_t, int64_t>> points;
  for (const Metric& m : got) points.emplace_back(m.run_id, m.step, m.timestamp);
  // a's points in order: (-1,1) (0,1) (0,2) (1,1) (1,2) ... (9,1) (9,2) (9,3 NaN).
  EXPECT_THAT(points, ElementsAre(std::tuple(b, 5, 1), std::tuple(a, -1, 1), std::tuple(a, 1, 2),
                                  std::tuple(a, 3, 2), std::tuple(a, 5, 2), std::tuple(a, 7, 2),
                                  std::tuple(a, 9, 2)));
  EXPECT_EQ(got[1].value, 5);
  EXPECT_EQ(got[1].key, "acc");

  // A range limits the numbered points; the last one here is the NaN at step 9.
  totals.clear();
  std::vector<Metric> last = ValueOrDie(
      store().GetMetricHistoryBulkInterval({a}, "acc", int64_t{8}, int64_t{9}, [&](size_t total) {
        totals.push_back(total);
        return std::vector<size_t>{0, total - 1};
      }));
  EXPECT_THAT(totals, ElementsAre(5));
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].step, 8);
  EXPECT_EQ(last[0].timestamp, 1);
  EXPECT_EQ(last[1].timestamp, 3);
  EXPECT_TRUE(std::isnan(last[1].value));
}

// --- Inputs, outputs ------------------------------------------------------------------------

TEST_P(MetadataStoreConformanceTest, DatasetAndModelInputsAndOutputs) {
  std::string run = MakeRun("0");
  DatasetInput input;
  input.dataset = Dataset{"iris", "abc123", "local", "/data/iris.csv", "{\"cols\":1}", "{}"};
  input.tags = {{"mlflow.data.context", "training"}};
  ASSERT_OK(store().LogInputs(run, {input}, {ModelInput{"m-1"}}));
  ASSERT_OK(store().LogInputs(run, {input}, {ModelInput{"m-1"}}));  // idempotent
  ASSERT_OK(store().LogOutputs(run, {ModelOutput{"m-2", 7}}));
  store::Run got = ValueOrDie(store().GetRun(run));
  ASSERT_EQ(got.dataset_inputs.size(), 1u);
  EXPECT_EQ(got.dataset_inputs[0].dataset.name, "iris");
  EXPECT_EQ(got.dataset_inputs[0].dataset.digest, "abc123");
  EXPECT_EQ(got.dataset_inputs[0].dataset.source_type, "local");
  EXPECT_EQ(got.dataset_inputs[0].dataset.source, "/data/iris.csv");
  EXPECT_EQ(got.dataset_inputs[0].dataset.schema, "{\"cols\":1}");
  EXPECT_EQ(got.dataset_inputs[0].tags, input.tags);
  ASSERT_EQ(got.model_inputs.size(), 1u);
  EXPECT_EQ(got.model_inputs[0].model_id, "m-1");
  ASSERT_EQ(got.model_outputs.size(), 1u);
  EXPECT_EQ(got.model_outputs[0].model_id, "m-2");
  EXPECT_EQ(got.model_outputs[0].step, 7);
}

// --- store::Run search
// -----------------------------------------------------------------------------

TEST_P(MetadataStoreConformanceTest, SearchRunsDefaultOrderAndPagination) {
  std::string exp = MakeExperiment("paging");
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(MakeRun(exp, 1));
  std::sort(ids.begin(), ids.end());
  RunQuery q;
  q.experiment_ids = {exp};
  q.max_results = 4;
  std::vector<size_t> sizes;
  std::vector<std::string> seen;
  while (true) {
    Page<store::Run> page = ValueOrDie(store().SearchRuns(q));
    sizes.push_back(page.items.size());
    for (const store::Run& r : page.items) seen.push_back(r.info.run_id);
    if (page.next_page_token.empty()) break;
    q.offset = ValueOrDie(search::DecodePageToken(page.next_page_token));
    ASSERT_LT(sizes.size(), 10u);
  }
  EXPECT_THAT(sizes, ElementsAre(4, 4, 2));
  EXPECT_EQ(seen, ids);

  // Exactly max_results rows: no token. Past the end: empty page, no token.
  q.offset = 0;
  q.max_results = 10;
  EXPECT_TRUE(ValueOrDie(store().SearchRuns(q)).next_page_token.empty());
  q.offset = 20;
  Page<store::Run> past = ValueOrDie(store().SearchRuns(q));
  EXPECT_THAT(past.items, IsEmpty());
  EXPECT_TRUE(past.next_page_token.empty());

  // Newer start_time first.
  std::string newest = MakeRun(exp, 99);
  q.offset = 0;
  q.max_results = 1;
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(newest));
}

TEST_P(MetadataStoreConformanceTest, SearchRunsViewTypesAndExperiments) {
  std::string e1 = MakeExperiment("e1");
  std::string e2 = MakeExperiment("e2");
  std::string a = MakeRun(e1, 3);
  std::string b = MakeRun(e2, 2);
  std::string c = MakeRun(e2, 1);
  ASSERT_OK(store().SetRunLifecycle(c, LifecycleStage::kDeleted));
  RunQuery q;
  q.experiment_ids = {e1, e2};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(a, b));
  q.view_type = ViewType::kDeletedOnly;
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(c));
  q.view_type = ViewType::kAll;
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(a, b, c));
  q.experiment_ids = {e2};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(b, c));
  q.experiment_ids = {"12345"};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), IsEmpty());
}

TEST_P(MetadataStoreConformanceTest, SearchRunsFilters) {
  std::string exp = MakeExperiment("filters");
  std::string r1 = MakeRun(exp, 100, "exp-one");
  std::string r2 = MakeRun(exp, 200, "exp-two");
  std::string r3 = MakeRun(exp, 300, "Other");
  ASSERT_OK(store().LogBatch(r1, {M("rmse", 0.5, 1, 0), M("acc", 0.9, 1, 0)},
                             {{"model", "LogisticRegression"}}, {{"user-name", "Tomas"}}));
  ASSERT_OK(store().LogBatch(r2, {M("rmse", 2.0, 1, 0), M("acc", std::nan(""), 1, 0)},
                             {{"model", "logisticregression"}}, {{"user-name", "tomas"}}));
  ASSERT_OK(store().LogBatch(r3, {}, {}, {}));
  // Latest value is what is compared: r2's rmse history has a small old value.
  ASSERT_OK(store().LogBatch(r2, {M("rmse", 0.1, 0, -1)}, {}, {}));
  ASSERT_TRUE(store().UpdateRun(r1, RunStatus::kFinished, int64_t{500}, std::nullopt).ok());

  auto search = [&](std::vector<Comparison> clauses) {
    RunQuery q;
    q.experiment_ids = {exp};
    q.filter = Where(std::move(clauses));
    q.order_by = {{Entity::kAttribute, "start_time", true}};
    StatusOr<Page<store::Run>> page = store().SearchRuns(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? RunIds(*page) : std::vector<std::string>{};
  };
  using C = Comparator;
  EXPECT_THAT(search({Clause(Entity::kMetric, "rmse", C::kLt, 1.0)}), ElementsAre(r1));
  EXPECT_THAT(search({Clause(Entity::kMetric, "rmse", C::kGe, 0.5)}), ElementsAre(r1, r2));
  EXPECT_THAT(search({Clause(Entity::kMetric, "rmse", C::kEq, 2.0)}), ElementsAre(r2));
  // A run lacking the metric never matches, even for !=.
  EXPECT_THAT(search({Clause(Entity::kMetric, "rmse", C::kNe, 2.0)}), ElementsAre(r1));
  // NaN matches no numeric comparison.
  EXPECT_THAT(search({Clause(Entity::kMetric, "acc", C::kGt, -1e300)}), ElementsAre(r1));
  EXPECT_THAT(search({Clause(Entity::kMetric, "acc", C::kNe, 0.9)}), IsEmpty());
  EXPECT_THAT(search({Clause(Entity::kMetric, "rmse", C::kLt, 1.0),
                      Clause(Entity::kParam, "model", C::kEq, std::string("LogisticRegression"))}),
              ElementsAre(r1));
  EXPECT_THAT(search({Clause(Entity::kParam, "model", C::kNe, std::string("LogisticRegression"))}),
              ElementsAre(r2));
  EXPECT_THAT(search({Clause(Entity::kParam, "model", C::kLike, std::string("Logistic%"))}),
              ElementsAre(r1));
  EXPECT_THAT(search({Clause(Entity::kParam, "model", C::kLike, std::string("%regression"))}),
              ElementsAre(r2));
  EXPECT_THAT(search({Clause(Entity::kParam, "model", C::kILike, std::string("logistic%"))}),
              ElementsAre(r1, r2));
  EXPECT_THAT(search({Clause(Entity::kParam, "model", C::kLike, std::string("_ogistic%"))}),
              ElementsAre(r1, r2));
  EXPECT_THAT(search({Clause(Entity::kTag, "user-name", C::kEq, std::string("Tomas"))}),
              ElementsAre(r1));
  EXPECT_THAT(search({Clause(Entity::kTag, "mlflow.runName", C::kEq, std::string("Other"))}),
              ElementsAre(r3));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "status", C::kEq, std::string("FINISHED"))}),
              ElementsAre(r1));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "status", C::kNe, std::string("FINISHED"))}),
              ElementsAre(r2, r3));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "run_name", C::kLike, std::string("exp-%"))}),
              ElementsAre(r1, r2));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "run_name", C::kILike, std::string("other"))}),
              ElementsAre(r3));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "run_id", C::kIn,
                             std::vector<std::string>{r1, r3, "ffff"})}),
              ElementsAre(r1, r3));
  EXPECT_THAT(
      search({Clause(Entity::kAttribute, "run_id", C::kNotIn, std::vector<std::string>{r1, r3})}),
      ElementsAre(r2));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "start_time", C::kGt, 150.0)}),
              ElementsAre(r2, r3));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "start_time", C::kLe, 200.0)}),
              ElementsAre(r1, r2));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "end_time", C::kGt, 0.0)}), ElementsAre(r1));
  EXPECT_THAT(search({Clause(Entity::kAttribute, "user_id", C::kEq, std::string("alice"))}),
              ElementsAre(r1, r2, r3));
  // Values are bound, never spliced: SQL-looking text is just a string.
  EXPECT_THAT(search({Clause(Entity::kParam, "model", C::kEq, std::string("x' OR '1'='1"))}),
              IsEmpty());
}

TEST_P(MetadataStoreConformanceTest, SearchRunsDatasetFilters) {
  std::string exp = MakeExperiment("datasets");
  std::string r1 = MakeRun(exp, 1);
  std::string r2 = MakeRun(exp, 2);
  MakeRun(exp, 3);
  DatasetInput train;
  train.dataset = Dataset{"iris", "d1", "local", "/a", "", ""};
  train.tags = {{"mlflow.data.context", "training"}};
  DatasetInput eval;
  eval.dataset = Dataset{"wine", "d2", "local", "/b", "", ""};
  eval.tags = {{"mlflow.data.context", "eval"}};
  ASSERT_OK(store().LogInputs(r1, {train}, {}));
  ASSERT_OK(store().LogInputs(r2, {eval, train}, {}));
  auto search = [&](Comparison c) {
    RunQuery q;
    q.experiment_ids = {exp};
    q.filter = Where({std::move(c)});
    q.order_by = {{Entity::kAttribute, "start_time", true}};
    return RunIds(ValueOrDie(store().SearchRuns(q)));
  };
  EXPECT_THAT(search(Clause(Entity::kDataset, "name", Comparator::kEq, std::string("iris"))),
              ElementsAre(r1, r2));
  EXPECT_THAT(search(Clause(Entity::kDataset, "name", Comparator::kEq, std::string("wine"))),
              ElementsAre(r2));
  EXPECT_THAT(
      search(Clause(Entity::kDataset, "digest", Comparator::kIn, std::vector<std::string>{"d2"})),
      ElementsAre(r2));
  EXPECT_THAT(search(Clause(Entity::kDataset, "context", Comparator::kEq, std::string("eval"))),
              ElementsAre(r2));
  EXPECT_THAT(search(Clause(Entity::kDataset, "context", Comparator::kLike, std::string("train%"))),
              ElementsAre(r1, r2));
}

TEST_P(MetadataStoreConformanceTest, SearchRunsOrderBy) {
  std::string exp = MakeExperiment("order");
  std::string a = MakeRun(exp, 1, "a");
  std::string b = MakeRun(exp, 2, "b");
  std::string c = MakeRun(exp, 3, "c");
  std::string d = MakeRun(exp, 4, "d");
  ASSERT_OK(store().LogBatch(a, {M("m", 2, 1, 0)}, {{"p", "x"}}, {{"t", "2"}}));
  ASSERT_OK(store().LogBatch(b, {M("m", 1, 1, 0)}, {{"p", "y"}}, {}));
  ASSERT_OK(store().LogBatch(c, {M("m", std::nan(""), 1, 0)}, {}, {{"t", "1"}}));
  // d has no metric, param or tag.
  auto order = [&](search::OrderBy o) {
    RunQuery q;
    q.experiment_ids = {exp};
    q.order_by = {o};
    return RunIds(ValueOrDie(store().SearchRuns(q)));
  };
  EXPECT_THAT(order({Entity::kMetric, "m", true}), ElementsAre(b, a, c, d));
  EXPECT_THAT(order({Entity::kMetric, "m", false}), ElementsAre(a, b, c, d));
  EXPECT_THAT(order({Entity::kParam, "p", true}), ElementsAre(a, b, d, c));
  EXPECT_THAT(order({Entity::kParam, "p", false}), ElementsAre(b, a, d, c));
  EXPECT_THAT(order({Entity::kTag, "t", true}), ElementsAre(c, a, d, b));
  EXPECT_THAT(order({Entity::kAttribute, "run_name", false}), ElementsAre(d, c, b, a));
  EXPECT_THAT(order({Entity::kAttribute, "start_time", true}), ElementsAre(a, b, c, d));
  ASSERT_TRUE(store().UpdateRun(b, RunStatus::kFinished, int64_t{10}, std::nullopt).ok());
  ASSERT_TRUE(store().UpdateRun(a, RunStatus::kFinished, int64_t{20}, std::nullopt).ok());
  // Missing end_time last in both directions; ties by start_time DESC.
  EXPECT_THAT(order({Entity::kAttribute, "end_time", true}), ElementsAre(b, a, d, c));
  EXPECT_THAT(order({Entity::kAttribute, "end_time", false}), ElementsAre(a, b, d, c));

  // Several keys apply in order.
  ASSERT_OK(store().LogBatch(c, {}, {{"p", "x"}}, {}));
  RunQuery q;
  q.experiment_ids = {exp};
  q.order_by = {{Entity::kParam, "p", true}, {Entity::kAttribute, "start_time", true}};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(a, c, b, d));
}

TEST_P(MetadataStoreConformanceTest, SearchRunsReturnsFullRuns) {
  std::string exp = MakeExperiment("full");
  std::string r = MakeRun(exp, 1);
  ASSERT_OK(store().LogBatch(r, {M("m", 1, 1, 0), M("m", 2, 2, 1)}, {{"p", "v"}}, {{"t", "w"}}));
  RunQuery q;
  q.experiment_ids = {exp};
  Page<store::Run> page = ValueOrDie(store().SearchRuns(q));
  ASSERT_EQ(page.items.size(), 1u);
  const store::Run& got = page.items[0];
  ASSERT_EQ(got.latest_metrics.size(), 1u);
  EXPECT_EQ(got.latest_metrics[0].value, 2);
  EXPECT_EQ(got.latest_metrics[0].step, 1);
  EXPECT_EQ(AsMap(got.params)["p"], "v");
  EXPECT_EQ(AsMap(got.tags)["t"], "w");
}

// --- Logged models --------------------------------------------------------------------------

namespace {
LoggedModel NewModel(const std::string& experiment_id, const std::string& name, int64_t created) {
  LoggedModel m;
  m.model_id = NewLoggedModelId();
  m.experiment_id = experiment_id;
  m.name = name;
  m.creation_timestamp_ms = created;
  m.last_updated_timestamp_ms = created;
  m.artifact_uri = "file:///models/" + m.model_id;
  m.model_type = "sklearn";
  return m;
}
}  // namespace

TEST_P(MetadataStoreConformanceTest, LoggedModelLifecycle) {
  std::string exp = MakeExperiment("models");
  std::string run = MakeRun(exp);
  LoggedModel m = NewModel(exp, "model", 1000);
  m.source_run_id = run;
  m.tags = {{"a", "1"}};
  m.params = {{"alpha", "0.5"}};
  ASSERT_OK(store().CreateLoggedModel(m));
  LoggedModel got = ValueOrDie(store().GetLoggedModel(m.model_id));
  EXPECT_EQ(got.name, "model");
  EXPECT_EQ(got.experiment_id, exp);
  EXPECT_EQ(got.status, LoggedModelStatus::kPending);
  EXPECT_EQ(got.source_run_id, run);
  EXPECT_EQ(got.artifact_uri, m.artifact_uri);
  EXPECT_EQ(got.creation_timestamp_ms, 1000);
  EXPECT_EQ(AsMap(got.tags)["a"], "1");
  EXPECT_EQ(AsMap(got.params)["alpha"], "0.5");

  LoggedModel ready =
      ValueOrDie(store().FinalizeLoggedModel(m.model_id, LoggedModelStatus::kReady));
  EXPECT_EQ(ready.status, LoggedModelStatus::kReady);
  ASSERT_OK(store().SetLoggedModelTags(m.model_id, {{"a", "2"}, {"b", "3"}}));
  ASSERT_OK(store().DeleteLoggedModelTag(m.model_id, "b"));
  EXPECT_EQ(store().DeleteLoggedModelTag(m.model_id, "b").code(), StatusCode::kNotFound);
  ASSERT_OK(store().LogLoggedModelParams(m.model_id, {{"beta", "1"}}));
  got = ValueOrDie(store().GetLoggedModel(m.model_id));
  EXPECT_EQ(AsMap(got.tags), (std::map<std::string, std::string>{{"a", "2"}}));
  EXPECT_EQ(AsMap(got.params),
            (std::map<std::string, std::string>{{"alpha", "0.5"}, {"beta", "1"}}));

  // store::Run metrics logged with the model id are the model's metrics.
  Metric with_model = M("acc", 0.75, 5, 1);
  with_model.model_id = m.model_id;
  with_model.dataset_name = "iris";
  with_model.dataset_digest = "d1";
  ASSERT_OK(store().LogBatch(run, {with_model, M("loss", 1, 5, 1)}, {}, {}));
  got = ValueOrDie(store().GetLoggedModel(m.model_id));
  ASSERT_EQ(got.metrics.size(), 1u);
  EXPECT_EQ(got.metrics[0].key, "acc");
  EXPECT_EQ(got.metrics[0].value, 0.75);
  EXPECT_EQ(got.metrics[0].run_id, run);
  EXPECT_EQ(got.metrics[0].model_id, m.model_id);
  EXPECT_EQ(got.metrics[0].dataset_name, "iris");

  ASSERT_OK(store().DeleteLoggedModel(m.model_id));
  EXPECT_EQ(store().GetLoggedModel(m.model_id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ValueOrDie(store().GetLoggedModel(m.model_id, true)).lifecycle_stage,
            LifecycleStage::kDeleted);
  EXPECT_EQ(store().GetLoggedModel("m-missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().FinalizeLoggedModel("m-missing", LoggedModelStatus::kReady).status().code(),
            StatusCode::kNotFound);
  LoggedModel orphan = NewModel("777", "x", 1);
  EXPECT_EQ(store().CreateLoggedModel(orphan).code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreConformanceTest, SearchLoggedModels) {
  std::string exp = MakeExperiment("model-search");
  std::string run = MakeRun(exp);
  LoggedModel a = NewModel(exp, "alpha", 100);
  LoggedModel b = NewModel(exp, "beta", 200);
  LoggedModel c = NewModel(exp, "gamma", 300);
  a.params = {{"k", "1"}};
  b.tags = {{"stage", "prod"}};
  for (const LoggedModel& m : {a, b, c}) ASSERT_OK(store().CreateLoggedModel(m));
  Metric ma = M("acc", 0.9, 1, 0);
  ma.model_id = a.model_id;
  ma.dataset_name = "ds";
  ma.dataset_digest = "x";
  Metric mb = M("acc", 0.8, 1, 0);
  mb.model_id = b.model_id;
  ASSERT_OK(store().LogBatch(run, {ma, mb}, {}, {}));

  auto ids = [](const Page<LoggedModel>& p) {
    std::vector<std::string> out;
    for (const LoggedModel& m : p.items) out.push_back(m.model_id);
    return out;
  };
  LoggedModelQuery q;
  q.experiment_ids = {exp};
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))),
              ElementsAre(c.model_id, b.model_id, a.model_id));
  q.filter = Where({Clause(Entity::kAttribute, "name", Comparator::kEq, std::string("beta"))});
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(b.model_id));
  q.filter = Where({Clause(Entity::kMetric, "acc", Comparator::kGt, 0.85)});
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(a.model_id));
  q.filter = Where({Clause(Entity::kParam, "k", Comparator::kEq, std::string("1"))});
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(a.model_id));
  q.filter = Where({Clause(Entity::kTag, "stage", Comparator::kEq, std::string("prod"))});
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(b.model_id));
  q.filter = Where({Clause(Entity::kAttribute, "creation_timestamp", Comparator::kGe, 200.0)});
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(c.model_id, b.model_id));
  // Dataset restriction for metric filters.
  q.filter = Where({Clause(Entity::kMetric, "acc", Comparator::kGt, 0.0)});
  q.datasets = {{"ds", "x"}};
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(a.model_id));
  // Datasets alone keep the models with some metric on one of them.
  q.filter = {};
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(a.model_id));
  q.datasets = {{"ds", ""}, {"other", ""}};
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(a.model_id));
  q.datasets.clear();

  q.filter = {};
  q.order_by = {LoggedModelOrder{"metrics.acc", true, "", ""}};
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))),
              ElementsAre(b.model_id, a.model_id, c.model_id));
  q.order_by = {LoggedModelOrder{"name", true, "", ""}};
  q.max_results = 2;
  Page<LoggedModel> first = ValueOrDie(store().SearchLoggedModels(q));
  EXPECT_THAT(ids(first), ElementsAre(a.model_id, b.model_id));
  ASSERT_FALSE(first.next_page_token.empty());
  q.offset = ValueOrDie(search::DecodePageToken(first.next_page_token));
  Page<LoggedModel> second = ValueOrDie(store().SearchLoggedModels(q));
  EXPECT_THAT(ids(second), ElementsAre(c.model_id));
  EXPECT_TRUE(second.next_page_token.empty());

  ASSERT_OK(store().DeleteLoggedModel(c.model_id));
  q.offset = 0;
  q.max_results = 50;
  EXPECT_THAT(ids(ValueOrDie(store().SearchLoggedModels(q))), ElementsAre(a.model_id, b.model_id));
}

// --- Tokens ---------------------------------------------------------------------------------

TEST_P(MetadataStoreConformanceTest, Tokens) {
  Token t;
  t.token_id = "tok1";
  t.token_hash = Sha256Hex("secret");
  t.user = "alice";
  t.is_admin = true;
  t.created_at = 10;
  ASSERT_OK(store().CreateToken(t));
  EXPECT_EQ(store().CreateToken(t).code(), StatusCode::kAlreadyExists);
  Token got = ValueOrDie(store().GetTokenByHash(t.token_hash));
  EXPECT_EQ(got.token_id, "tok1");
  EXPECT_EQ(got.user, "alice");
  EXPECT_TRUE(got.is_admin);
  EXPECT_EQ(got.created_at, 10);
  EXPECT_FALSE(got.revoked_at.has_value());
  EXPECT_EQ(store().GetTokenByHash("nope").status().code(), StatusCode::kNotFound);
  ASSERT_EQ(ValueOrDie(store().ListTokens()).size(), 1u);
  ASSERT_OK(store().RevokeToken("tok1"));
  EXPECT_EQ(store().GetTokenByHash(t.token_hash).status().code(), StatusCode::kNotFound);
  std::vector<Token> listed = ValueOrDie(store().ListTokens());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].revoked_at.has_value());
  EXPECT_EQ(store().RevokeToken("unknown").code(), StatusCode::kNotFound);
}

// --- Concurrency ----------------------------------------------------------------------------

TEST_P(MetadataStoreConformanceTest, ConcurrentWritersLoseNothing) {
  std::string exp = MakeExperiment("concurrent");
  constexpr int kThreads = 6;
  constexpr int kBatches = 20;
  constexpr int kPerBatch = 25;
  std::vector<std::string> runs;
  for (int i = 0; i < kThreads; ++i) runs.push_back(MakeRun(exp, i));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Metric> batch;
        for (int i = 0; i < kPerBatch; ++i) {
          int step = b * kPerBatch + i;
          batch.push_back(M("loss", step, step, step));
        }
        // Every thread also writes to a shared run and reads concurrently.
        if (!store().LogBatch(runs[t], batch, {{"p" + std::to_string(b), "v"}}, {}).ok())
          ++failures;
        if (!store().LogBatch(runs[0], {M("shared" + std::to_string(t), b, b, b)}, {}, {}).ok()) {
          ++failures;
        }
        if (!store().GetRun(runs[(t + 1) % kThreads]).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(ValueOrDie(store().GetMetricHistory(runs[t], "loss", 0, 0)).items.size(),
              static_cast<size_t>(kBatches * kPerBatch));
    store::Run r = ValueOrDie(store().GetRun(runs[t]));
    EXPECT_EQ(r.params.size(), static_cast<size_t>(kBatches));
    EXPECT_EQ(FindMetric(r.latest_metrics, "loss")->step, kBatches * kPerBatch - 1);
    EXPECT_EQ(ValueOrDie(store().GetMetricHistory(runs[0], "shared" + std::to_string(t), 0, 0))
                  .items.size(),
              static_cast<size_t>(kBatches));
  }
}

TEST_P(MetadataStoreConformanceTest, LargeBatchIsStoredWhole) {
  std::string run = MakeRun("0");
  std::vector<Metric> batch;
  for (int i = 0; i < 1000; ++i) batch.push_back(M("k" + std::to_string(i % 10), i, i, i));
  ASSERT_OK(store().LogBatch(run, batch, {}, {}));
  store::Run got = ValueOrDie(store().GetRun(run));
  EXPECT_EQ(got.latest_metrics.size(), 10u);
  EXPECT_EQ(FindMetric(got.latest_metrics, "k9")->value, 999);
  EXPECT_EQ(ValueOrDie(store().GetMetricHistory(run, "k0", 0, 0)).items.size(), 100u);
}

// --- Platform jobs --------------------------------------------------------------------------

namespace {

JobRecord MakeJobRecord(const std::string& job_id, int64_t created_at,
                        const std::string& team = "default", const std::string& user = "alice",
                        const std::string& name = "train") {
  JobRecord j;
  j.job_id = job_id;
  j.name = name;
  j.team = team;
  j.user = user;
  j.priority_class = "batch";
  j.spec_json = R"({"name":")" + name + R"(","command":["python","train.py"]})";
  j.state = JobState::kPending;
  j.reason = "preparing";
  j.created_at = created_at;
  j.updated_at = created_at;
  return j;
}

JobEvent MakeJobEvent(JobState state, int64_t timestamp, const std::string& reason,
                      int attempt = 0) {
  JobEvent e;
  e.state = state;
  e.timestamp = timestamp;
  e.reason = reason;
  e.attempt = attempt;
  return e;
}

std::vector<std::string> JobIds(const Page<JobRecord>& page) {
  std::vector<std::string> ids;
  for (const JobRecord& j : page.items) ids.push_back(j.job_id);
  return ids;
}

}  // namespace

TEST_P(MetadataStoreConformanceTest, JobCreateGetAndDuplicate) {
  JobRecord job = MakeJobRecord("train-abc123", 1000);
  job.experiment_id = "0";
  job.run_id = "r1";
  job.version = 42;  // ignored: a new job starts at version 1
  ASSERT_OK(store().CreateJob(job, MakeJobEvent(JobState::kPending, 1000, "submitted")));
  JobRecord got = ValueOrDie(store().GetJob("train-abc123"));
  EXPECT_EQ(got.job_id, "train-abc123");
  EXPECT_EQ(got.name, "train");
  EXPECT_EQ(got.team, "default");
  EXPECT_EQ(got.user, "alice");
  EXPECT_EQ(got.priority_class, "batch");
  EXPECT_EQ(got.spec_json, job.spec_json);
  EXPECT_EQ(got.state, JobState::kPending);
  EXPECT_EQ(got.reason, "preparing");
  EXPECT_EQ(got.attempt, 0);
  EXPECT_EQ(got.created_at, 1000);
  EXPECT_EQ(got.updated_at, 1000);
  EXPECT_EQ(got.started_at, 0);
  EXPECT_EQ(got.finished_at, 0);
  EXPECT_EQ(got.next_attempt_at, 0);
  EXPECT_FALSE(got.cancel_requested);
  EXPECT_EQ(got.experiment_id, "0");
  EXPECT_EQ(got.run_id, "r1");
  EXPECT_EQ(got.executor_state, "");
  EXPECT_EQ(got.result_json, "");
  EXPECT_EQ(got.version, 1);

  // A duplicate id is rejected and leaves the stored job and its events untouched.
  JobRecord dup = MakeJobRecord("train-abc123", 2000, "other", "bob");
  Status s = store().CreateJob(dup, MakeJobEvent(JobState::kPending, 2000, "again"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(s.message(), HasSubstr("Job 'train-abc123' already exists"));
  EXPECT_EQ(ValueOrDie(store().GetJob("train-abc123")).team, "default");
  EXPECT_EQ(ValueOrDie(store().ListJobEvents("train-abc123")).size(), 1u);

  Status missing = store().GetJob("nope-000000").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("Job 'nope-000000' not found"));
}

TEST_P(MetadataStoreConformanceTest, JobUpdateChecksVersion) {
  JobRecord job = MakeJobRecord("train-upd001", 1000);
  ASSERT_OK(store().CreateJob(job, MakeJobEvent(JobState::kPending, 1000, "submitted")));
  JobRecord cur = ValueOrDie(store().GetJob(job.job_id));
  ASSERT_EQ(cur.version, 1);

  // Every mutable field is replaced; the immutable ones are kept even when the caller differs.
  JobRecord next = cur;
  next.state = JobState::kRunning;
  next.reason = "attempt 1 running";
  next.attempt = 1;
  next.updated_at = 2000;
  next.started_at = 1900;
  next.next_attempt_at = 1800;
  next.cancel_requested = true;
  next.experiment_id = "7";
  next.run_id = "run-7";
  next.executor_state = R"({"pid":123})";
  next.result_json = R"({"exit_code":null})";
  next.name = "renamed";
  next.team = "other";
  next.user = "mallory";
  next.priority_class = "interactive";
  next.spec_json = "{}";
  next.created_at = 5;
  EXPECT_EQ(ValueOrDie(store().UpdateJob(next, std::nullopt)), 2);
  JobRecord got = ValueOrDie(store().GetJob(job.job_id));
  EXPECT_EQ(got.version, 2);
  EXPECT_EQ(got.state, JobState::kRunning);
  EXPECT_EQ(got.reason, "attempt 1 running");
  EXPECT_EQ(got.attempt, 1);
  EXPECT_EQ(got.updated_at, 2000);
  EXPECT_EQ(got.started_at, 1900);
  EXPECT_EQ(got.finished_at, 0);
  EXPECT_EQ(got.next_attempt_at, 1800);
  EXPECT_TRUE(got.cancel_requested);
  EXPECT_EQ(got.experiment_id, "7");
  EXPECT_EQ(got.run_id, "run-7");
  EXPECT_EQ(got.executor_state, R"({"pid":123})");
  EXPECT_EQ(got.result_json, R"({"exit_code":null})");
  EXPECT_EQ(got.name, "train");
  EXPECT_EQ(got.team, "default");
  EXPECT_EQ(got.user, "alice");
  EXPECT_EQ(got.priority_class, "batch");
  EXPECT_EQ(got.spec_json, job.spec_json);
  EXPECT_EQ(got.created_at, 1000);

  // A stale version is kAborted and changes nothing (no event either).
  JobRecord stale = cur;  // version 1
  stale.state = JobState::kFailed;
  Status s =
      store().UpdateJob(stale, MakeJobEvent(JobState::kFailed, 3000, "stale writer")).status();
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s.ToString();
  EXPECT_EQ(ValueOrDie(store().GetJob(job.job_id)).state, JobState::kRunning);
  EXPECT_EQ(ValueOrDie(store().ListJobEvents(job.job_id)).size(), 1u);

  JobRecord missing = MakeJobRecord("ghost-000000", 1000);
  missing.version = 1;
  Status m = store().UpdateJob(missing, std::nullopt).status();
  EXPECT_EQ(m.code(), StatusCode::kNotFound);
  EXPECT_THAT(m.message(), HasSubstr("Job 'ghost-000000' not found"));
}

TEST_P(MetadataStoreConformanceTest, JobEventsAreAppendedInSeqOrder) {
  JobRecord job = MakeJobRecord("train-evt001", 1000);
  ASSERT_OK(store().CreateJob(job, MakeJobEvent(JobState::kPending, 1000, "submitted")));
  JobRecord cur = ValueOrDie(store().GetJob(job.job_id));
  const std::vector<JobState> path = {JobState::kQueued, JobState::kRunning, JobState::kRunning,
                                      JobState::kSucceeded};
  for (size_t i = 0; i < path.size(); ++i) {
    cur.state = path[i];
    cur.attempt = i >= 1 ? 1 : 0;
    int64_t ts = 2000 + static_cast<int64_t>(i);
    // The third update carries no event: the event list only records state changes given.
    std::optional<JobEvent> event;
    if (i != 2) event = MakeJobEvent(path[i], ts, "step " + std::to_string(i), cur.attempt);
    cur.version = ValueOrDie(store().UpdateJob(cur, event));
  }
  EXPECT_EQ(cur.version, 5);
  std::vector<JobEvent> events = ValueOrDie(store().ListJobEvents(job.job_id));
  ASSERT_EQ(events.size(), 4u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(events[i].job_id, job.job_id);
  }
  EXPECT_EQ(events[0].state, JobState::kPending);
  EXPECT_EQ(events[0].reason, "submitted");
  EXPECT_EQ(events[0].timestamp, 1000);
  EXPECT_EQ(events[1].state, JobState::kQueued);
  EXPECT_EQ(events[1].attempt, 0);
  EXPECT_EQ(events[2].state, JobState::kRunning);
  EXPECT_EQ(events[2].attempt, 1);
  EXPECT_EQ(events[2].reason, "step 1");
  EXPECT_EQ(events[3].state, JobState::kSucceeded);
  EXPECT_EQ(events[3].timestamp, 2003);

  // Events of different jobs are numbered independently.
  ASSERT_OK(store().CreateJob(MakeJobRecord("train-evt002", 1000),
                              MakeJobEvent(JobState::kPending, 1000, "submitted")));
  std::vector<JobEvent> other = ValueOrDie(store().ListJobEvents("train-evt002"));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].seq, 1);

  EXPECT_EQ(store().ListJobEvents("ghost-000000").status().code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreConformanceTest, JobAllStatesRoundTrip) {
  const std::vector<JobState> states = {
      JobState::kPending, JobState::kQueued,    JobState::kRunning, JobState::kSucceeded,
      JobState::kFailed,  JobState::kCancelled, JobState::kTimedOut};
  for (size_t i = 0; i < states.size(); ++i) {
    JobRecord job = MakeJobRecord("state-" + std::to_string(i), 1000 + static_cast<int64_t>(i));
    job.state = states[i];
    ASSERT_OK(store().CreateJob(job, MakeJobEvent(states[i], 1000, "")));
    EXPECT_EQ(ValueOrDie(store().GetJob(job.job_id)).state, states[i]);
    std::vector<JobEvent> events = ValueOrDie(store().ListJobEvents(job.job_id));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].state, states[i]);
    JobQuery q;
    q.states = {states[i]};
    EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(q))), ElementsAre(job.job_id))
        << JobStateName(states[i]);
  }
  // Updating through every state also round-trips.
  JobRecord cur = ValueOrDie(store().GetJob("state-0"));
  for (JobState s : states) {
    cur.state = s;
    cur.version = ValueOrDie(store().UpdateJob(cur, MakeJobEvent(s, 5000, "")));
    EXPECT_EQ(ValueOrDie(store().GetJob("state-0")).state, s);
  }
}

TEST_P(MetadataStoreConformanceTest, ListJobsFiltersOrderAndPaging) {
  // created_at ties are broken by job_id ascending.
  ASSERT_OK(store().CreateJob(MakeJobRecord("a-1", 100, "red", "alice", "a"),
                              MakeJobEvent(JobState::kPending, 100, "")));
  ASSERT_OK(store().CreateJob(MakeJobRecord("b-1", 300, "red", "bob", "b"),
                              MakeJobEvent(JobState::kPending, 300, "")));
  ASSERT_OK(store().CreateJob(MakeJobRecord("a-3", 200, "blue", "alice", "a"),
                              MakeJobEvent(JobState::kPending, 200, "")));
  ASSERT_OK(store().CreateJob(MakeJobRecord("a-2", 200, "red", "carol", "a"),
                              MakeJobEvent(JobState::kPending, 200, "")));
  JobRecord running = ValueOrDie(store().GetJob("a-3"));
  running.state = JobState::kRunning;
  ASSERT_TRUE(store().UpdateJob(running, std::nullopt).ok());
  JobRecord failed = ValueOrDie(store().GetJob("a-1"));
  failed.state = JobState::kFailed;
  ASSERT_TRUE(store().UpdateJob(failed, std::nullopt).ok());

  JobQuery all;
  EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(all))), ElementsAre("b-1", "a-2", "a-3", "a-1"));
  EXPECT_EQ(ValueOrDie(store().ListJobs(all)).next_page_token, "");

  JobQuery by_team;
  by_team.team = "red";
  EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(by_team))), ElementsAre("b-1", "a-2", "a-1"));
  JobQuery by_user;
  by_user.user = "alice";
  EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(by_user))), ElementsAre("a-3", "a-1"));
  JobQuery by_name;
  by_name.name = "a";
  EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(by_name))), ElementsAre("a-2", "a-3", "a-1"));
  JobQuery by_states;
  by_states.states = {JobState::kRunning, JobState::kFailed};
  EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(by_states))), ElementsAre("a-3", "a-1"));
  JobQuery combined;
  combined.team = "red";
  combined.name = "a";
  combined.states = {JobState::kPending, JobState::kFailed};
  EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(combined))), ElementsAre("a-2", "a-1"));
  JobQuery none;
  none.user = "nobody";
  EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(none))), IsEmpty());
  // Values that look like SQL are just values.
  JobQuery injection;
  injection.team = "red' OR '1'='1";
  EXPECT_THAT(JobIds(ValueOrDie(store().ListJobs(injection))), IsEmpty());

  // Paging: tokens decode to offsets, pages join up to the full order.
  JobQuery paged;
  paged.max_results = 3;
  std::vector<std::string> seen;
  int pages = 0;
  while (true) {
    Page<JobRecord> page = ValueOrDie(store().ListJobs(paged));
    ++pages;
    for (const JobRecord& j : page.items) seen.push_back(j.job_id);
    if (page.next_page_token.empty()) break;
    EXPECT_EQ(page.next_page_token, search::EncodePageToken(paged.offset + 3));
    paged.offset = ValueOrDie(search::DecodePageToken(page.next_page_token));
    ASSERT_LT(pages, 5);
  }
  EXPECT_EQ(pages, 2);
  EXPECT_THAT(seen, ElementsAre("b-1", "a-2", "a-3", "a-1"));
  // An exactly full last page has no next token.
  JobQuery exact;
  exact.max_results = 4;
  EXPECT_EQ(ValueOrDie(store().ListJobs(exact)).next_page_token, "");
  EXPECT_EQ(ValueOrDie(store().ListJobs(exact)).items.size(), 4u);
}

TEST_P(MetadataStoreConformanceTest, ConcurrentJobUpdatesHaveOneWinnerPerVersion) {
  ASSERT_OK(store().CreateJob(MakeJobRecord("race-000001", 1000),
                              MakeJobEvent(JobState::kPending, 1000, "submitted")));
  constexpr int kThreads = 4;
  constexpr int kRounds = 10;
  // In every round all threads try to move the same version on; exactly one may succeed.
  std::atomic<int> unexpected{0};
  std::vector<int> winners(kRounds, 0);
  for (int round = 0; round < kRounds; ++round) {
    JobRecord base = ValueOrDie(store().GetJob("race-000001"));
    ASSERT_EQ(base.version, round + 1);
    std::atomic<int> wins{0};
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        JobRecord mine = base;
        mine.reason = "thread " + std::to_string(t);
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();
        StatusOr<int64_t> v =
            store().UpdateJob(mine, MakeJobEvent(JobState::kRunning, 2000, mine.reason));
        if (v.ok()) {
          ++wins;
          if (*v != base.version + 1) ++unexpected;
        } else if (v.status().code() != StatusCode::kAborted) {
          ++unexpected;
        }
      });
    }
    for (auto& th : threads) th.join();
    winners[round] = wins.load();
  }
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_THAT(winners, ::testing::Each(1));
  JobRecord final_job = ValueOrDie(store().GetJob("race-000001"));
  EXPECT_EQ(final_job.version, kRounds + 1);
  std::vector<JobEvent> events = ValueOrDie(store().ListJobEvents("race-000001"));
  ASSERT_EQ(events.size(), static_cast<size_t>(kRounds + 1));
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
  // The last event was written by the winner of the last round.
  EXPECT_EQ(events.back().reason, final_job.reason);
}

TEST_P(MetadataStoreConformanceTest, ConcurrentJobCreatesOfOneIdHaveOneWinner) {
  constexpr int kThreads = 4;
  std::atomic<int> created{0};
  std::atomic<int> duplicates{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      JobRecord job = MakeJobRecord("same-000001", 1000, "team" + std::to_string(t));
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      Status s = store().CreateJob(job, MakeJobEvent(JobState::kPending, 1000, "submitted"));
      if (s.ok()) {
        ++created;
      } else if (s.code() == StatusCode::kAlreadyExists) {
        ++duplicates;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicates.load(), kThreads - 1);
  EXPECT_EQ(ValueOrDie(store().ListJobEvents("same-000001")).size(), 1u);
}

}  // namespace inet::store::testing
