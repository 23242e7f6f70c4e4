#include "store/testing/tracking_store_conformance.h"

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
#include "store/testing/conformance_helpers.h"

namespace inet::store::testing {

using search::Comparator;
using search::Comparison;
using search::Entity;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

void TrackingStoreConformanceTest::SetUp() {
  MetadataStoreTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  Experiment default_experiment;
  default_experiment.experiment_id = "0";
  default_experiment.name = "Default";
  StatusOr<std::string> id = store().CreateExperiment(default_experiment);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_EQ(*id, "0");
}

std::string TrackingStoreConformanceTest::MakeExperiment(const std::string& name) {
  Experiment e;
  e.name = name;
  StatusOr<std::string> id = store().CreateExperiment(e);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return id.ok() ? *id : "";
}

std::string TrackingStoreConformanceTest::MakeRun(const std::string& experiment_id,
                                                  int64_t start_time, const std::string& run_name) {
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = experiment_id;
  info.run_name = run_name.empty() ? "run-" + info.run_id.substr(0, 6) : run_name;
  info.user_id = "alice";
  info.start_time = start_time;
  info.artifact_uri = std::string(kArtifactRoot) + "/" + experiment_id + "/" + info.run_id;
  Status s = store().CreateRun(info, {{"mlflow.runName", info.run_name}});
  EXPECT_TRUE(s.ok()) << s.ToString();
  return info.run_id;
}

namespace {

Metric M(std::string key, double value, int64_t timestamp, int64_t step) {
  Metric m;
  m.key = std::move(key);
  m.value = value;
  m.timestamp = timestamp;
  m.step = step;
  return m;
}

// An experiment's move to `to` at `now`; `with_runs` also sets every run of it to `to`.
ExperimentLifecycleChange Move(LifecycleStage to, int64_t now = 1000, bool with_runs = true) {
  ExperimentLifecycleChange change;
  change.from = to == LifecycleStage::kDeleted ? LifecycleStage::kActive : LifecycleStage::kDeleted;
  change.to = to;
  change.last_update_time = now;
  if (with_runs) {
    change.runs = RunLifecycle{
        to, to == LifecycleStage::kDeleted ? std::optional<int64_t>(now) : std::nullopt};
  }
  return change;
}

RunLifecycle Deleted(int64_t when = 1000) { return RunLifecycle{LifecycleStage::kDeleted, when}; }
RunLifecycle Active() { return RunLifecycle{LifecycleStage::kActive, std::nullopt}; }

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

TEST_P(TrackingStoreConformanceTest, CreateExperimentKeepsAGivenId) {
  // The fixture created "0" with that id, as the tracking service creates the default one.
  Experiment e = ValueOrDie(store().GetExperiment("0"));
  EXPECT_EQ(e.experiment_id, "0");
  EXPECT_EQ(e.name, "Default");
  EXPECT_EQ(e.artifact_location, std::string(kArtifactRoot) + "/0");
  EXPECT_EQ(e.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(ValueOrDie(store().GetExperimentByName("default", "Default")).experiment_id, "0");
  // A taken id is refused and nothing is written; the next assigned id skips it.
  Experiment again;
  again.experiment_id = "0";
  again.name = "another";
  EXPECT_EQ(store().CreateExperiment(again).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store().GetExperimentByName("default", "another").status().code(),
            StatusCode::kNotFound);
  Experiment given;
  given.experiment_id = "77";
  given.name = "seventy-seven";
  EXPECT_EQ(ValueOrDie(store().CreateExperiment(given)), "77");
  EXPECT_EQ(ValueOrDie(store().GetExperiment("77")).artifact_location,
            std::string(kArtifactRoot) + "/77");
  std::string next = MakeExperiment("next");
  EXPECT_NE(next, "0");
  EXPECT_NE(next, "77");
}

// Experiments belong to a team: names are unique per team, a team's default location is under
// workspaces/<team>/, searches can keep to one team, and the owning team of experiments and
// runs is one read away.
TEST_P(TrackingStoreConformanceTest, ExperimentsBelongToTeams) {
  Experiment ours;
  ours.name = "bert-experiments";
  const std::string default_id = ValueOrDie(store().CreateExperiment(ours));
  ours.team = "nlp-team";
  const std::string nlp_id = ValueOrDie(store().CreateExperiment(ours));
  EXPECT_NE(default_id, nlp_id);
  EXPECT_EQ(store().CreateExperiment(ours).status().code(), StatusCode::kAlreadyExists);

  Experiment nlp = ValueOrDie(store().GetExperiment(nlp_id));
  EXPECT_EQ(nlp.team, "nlp-team");
  EXPECT_EQ(nlp.artifact_location, std::string(kArtifactRoot) + "/workspaces/nlp-team/" + nlp_id);
  EXPECT_EQ(ValueOrDie(store().GetExperiment(default_id)).team, "default");
  EXPECT_EQ(ValueOrDie(store().GetExperimentByName("nlp-team", "bert-experiments")).experiment_id,
            nlp_id);
  EXPECT_EQ(ValueOrDie(store().GetExperimentByName("default", "bert-experiments")).experiment_id,
            default_id);
  EXPECT_EQ(store().GetExperimentByName("vision", "bert-experiments").status().code(),
            StatusCode::kNotFound);

  // Renaming checks the name within the team only.
  Experiment other;
  other.name = "other";
  other.team = "nlp-team";
  const std::string other_id = ValueOrDie(store().CreateExperiment(other));
  EXPECT_EQ(store().RenameExperiment(other_id, "bert-experiments").code(),
            StatusCode::kAlreadyExists);
  Experiment vision;
  vision.name = "other";
  vision.team = "vision";
  const std::string vision_id = ValueOrDie(store().CreateExperiment(vision));
  EXPECT_TRUE(store().RenameExperiment(vision_id, "bert-experiments").ok());

  ExperimentQuery query;
  query.team = "nlp-team";
  std::vector<std::string> found;
  for (const Experiment& e : ValueOrDie(store().SearchExperiments(query)).items) {
    found.push_back(e.experiment_id);
  }
  EXPECT_THAT(found, ::testing::UnorderedElementsAre(nlp_id, other_id));

  const std::string run = MakeRun(nlp_id);
  const std::string default_run = MakeRun(default_id);
  EXPECT_EQ(ValueOrDie(store().ExperimentTeams({nlp_id, default_id, "12345", "not-an-id"})),
            (std::map<std::string, std::string>{{nlp_id, "nlp-team"}, {default_id, "default"}}));
  EXPECT_EQ(ValueOrDie(store().RunTeams({run, default_run, "no-such-run"})),
            (std::map<std::string, std::string>{{run, "nlp-team"}, {default_run, "default"}}));
}

TEST_P(TrackingStoreConformanceTest, CreateExperimentAssignsIntegerIdsAndLocation) {
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

TEST_P(TrackingStoreConformanceTest, CreateExperimentRejectsDuplicateNamesEvenWhenDeleted) {
  std::string id = MakeExperiment("dup");
  Experiment e;
  e.name = "dup";
  StatusOr<std::string> again = store().CreateExperiment(e);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  ASSERT_OK(store().SetExperimentLifecycle(id, Move(LifecycleStage::kDeleted)));
  EXPECT_EQ(store().CreateExperiment(e).status().code(), StatusCode::kAlreadyExists);
}

TEST_P(TrackingStoreConformanceTest, MissingExperimentErrors) {
  StatusOr<Experiment> missing = store().GetExperiment("12345");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetExperiment("not-a-number").status().code(), StatusCode::kNotFound);
  StatusOr<Experiment> by_name = store().GetExperimentByName("default", "nope");
  EXPECT_EQ(by_name.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().RenameExperiment("999", "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(store().SetExperimentLifecycle("999", Move(LifecycleStage::kDeleted)).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store().SetExperimentTag("999", {"k", "v"}).code(), StatusCode::kNotFound);
}

TEST_P(TrackingStoreConformanceTest, RenameExperiment) {
  std::string a = MakeExperiment("a");
  MakeExperiment("b");
  ASSERT_OK(store().RenameExperiment(a, "a2"));
  EXPECT_EQ(ValueOrDie(store().GetExperiment(a)).name, "a2");
  EXPECT_EQ(ValueOrDie(store().GetExperimentByName("default", "a2")).experiment_id, a);
  EXPECT_EQ(store().GetExperimentByName("default", "a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().RenameExperiment(a, "b").code(), StatusCode::kAlreadyExists);
}

TEST_P(TrackingStoreConformanceTest, ExperimentLifecycleIsACompareAndSet) {
  std::string exp = MakeExperiment("lifecycle");
  std::string r1 = MakeRun(exp);
  std::string r2 = MakeRun(exp);
  ASSERT_OK(store().SetExperimentLifecycle(exp, Move(LifecycleStage::kDeleted, 2000)));
  Experiment deleted = ValueOrDie(store().GetExperiment(exp));
  EXPECT_EQ(deleted.lifecycle_stage, LifecycleStage::kDeleted);
  EXPECT_EQ(deleted.last_update_time, 2000);
  EXPECT_EQ(ValueOrDie(store().GetRun(r1)).info.lifecycle_stage, LifecycleStage::kDeleted);
  EXPECT_EQ(ValueOrDie(store().GetRun(r2)).info.lifecycle_stage, LifecycleStage::kDeleted);
  // Deleted experiments still resolve by name (MLflow's get_experiment_by_name).
  EXPECT_EQ(ValueOrDie(store().GetExperimentByName("default", "lifecycle")).experiment_id, exp);

  // Not in `from` any more: refused, nothing written.
  Status again = store().SetExperimentLifecycle(exp, Move(LifecycleStage::kDeleted, 3000));
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ValueOrDie(store().GetExperiment(exp)).last_update_time, 2000);
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = exp;
  info.run_name = "x";
  EXPECT_EQ(store().CreateRun(info, {}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().SetExperimentTag(exp, {"k", "v"}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().DeleteExperimentTag(exp, "k").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().RenameExperiment(exp, "renamed").code(), StatusCode::kFailedPrecondition);
  LoggedModel model;
  model.model_id = NewLoggedModelId();
  model.experiment_id = exp;
  EXPECT_EQ(store().CreateLoggedModel(model).code(), StatusCode::kFailedPrecondition);

  ASSERT_OK(store().SetExperimentLifecycle(exp, Move(LifecycleStage::kActive, 4000)));
  EXPECT_EQ(ValueOrDie(store().GetExperiment(exp)).lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(ValueOrDie(store().GetRun(r1)).info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(ValueOrDie(store().GetRun(r2)).info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(store().SetExperimentLifecycle(exp, Move(LifecycleStage::kActive)).code(),
            StatusCode::kFailedPrecondition);
}

// The change reaches every run of the experiment, whatever its stage or deleted time: a run
// deleted on its own before the experiment comes back with it (the adapters once matched only
// runs deleted at the experiment's own deletion time).
TEST_P(TrackingStoreConformanceTest, ExperimentLifecycleChangeReachesEveryRun) {
  std::string exp = MakeExperiment("every-run");
  std::string other_exp = MakeExperiment("bystander");
  std::string early = MakeRun(exp);
  std::string later = MakeRun(exp);
  std::string bystander = MakeRun(other_exp);
  ASSERT_OK(store().SetRunLifecycle(early, Deleted(1000)));
  ASSERT_OK(store().SetRunLifecycle(bystander, Deleted(1000)));
  ASSERT_OK(store().SetExperimentLifecycle(exp, Move(LifecycleStage::kDeleted, 5000)));
  ASSERT_OK(store().SetExperimentLifecycle(exp, Move(LifecycleStage::kActive, 9000)));
  EXPECT_EQ(ValueOrDie(store().GetRun(early)).info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(ValueOrDie(store().GetRun(later)).info.lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(ValueOrDie(store().GetRun(bystander)).info.lifecycle_stage, LifecycleStage::kDeleted);

  // Without `runs` only the experiment moves.
  ASSERT_OK(store().SetExperimentLifecycle(exp, Move(LifecycleStage::kDeleted, 9500, false)));
  EXPECT_EQ(ValueOrDie(store().GetRun(later)).info.lifecycle_stage, LifecycleStage::kActive);
}

TEST_P(TrackingStoreConformanceTest, ExperimentTags) {
  std::string exp = MakeExperiment("tags");
  ASSERT_OK(store().SetExperimentTag(exp, {"k", "v1"}));
  ASSERT_OK(store().SetExperimentTag(exp, {"k", "v2"}));
  ASSERT_OK(store().SetExperimentTag(exp, {"other", ""}));
  EXPECT_EQ(AsMap(ValueOrDie(store().GetExperiment(exp)).tags),
            (std::map<std::string, std::string>{{"k", "v2"}, {"other", ""}}));
  EXPECT_TRUE(ValueOrDie(store().DeleteExperimentTag(exp, "k")));
  EXPECT_EQ(AsMap(ValueOrDie(store().GetExperiment(exp)).tags),
            (std::map<std::string, std::string>{{"other", ""}}));
  EXPECT_FALSE(ValueOrDie(store().DeleteExperimentTag(exp, "k")));
  EXPECT_EQ(store().DeleteExperimentTag("999", "k").status().code(), StatusCode::kNotFound);
}

TEST_P(TrackingStoreConformanceTest, SearchExperimentsFiltersOrdersAndPages) {
  std::string a = MakeExperiment("a");
  std::string ab = MakeExperiment("ab");
  std::string abc = MakeExperiment("Abc");
  std::string del = MakeExperiment("deleted-one");
  ASSERT_OK(store().SetExperimentTag(ab, {"key", "value"}));
  ASSERT_OK(store().SetExperimentLifecycle(del, Move(LifecycleStage::kDeleted)));

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

TEST_P(TrackingStoreConformanceTest, CreateAndGetRun) {
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
  EXPECT_EQ(AsMap(run.tags), (std::map<std::string, std::string>{{"source", "nb"}}));
  EXPECT_THAT(run.params, IsEmpty());
  EXPECT_THAT(run.latest_metrics, IsEmpty());
}

TEST_P(TrackingStoreConformanceTest, CreateRunStoresNameAndTagsAsGiven) {
  std::string exp = MakeExperiment("named");
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = exp;
  info.run_name = "given";
  // The store keeps no rule between the name and the mlflow.runName tag (the service does).
  ASSERT_OK(store().CreateRun(info, {{"mlflow.runName", "as-given"}, {"k", "v"}}));
  store::Run got = ValueOrDie(store().GetRun(info.run_id));
  EXPECT_EQ(got.info.run_name, "given");
  EXPECT_EQ(AsMap(got.tags),
            (std::map<std::string, std::string>{{"k", "v"}, {"mlflow.runName", "as-given"}}));
  EXPECT_EQ(store().CreateRun(info, {}).code(), StatusCode::kAlreadyExists);
}

TEST_P(TrackingStoreConformanceTest, CreateRunErrors) {
  RunInfo info;
  info.run_id = NewRunId();
  info.experiment_id = "4242";
  Status s = store().CreateRun(info, {});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  StatusOr<store::Run> missing = store().GetRun("deadbeef");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().LogBatch("deadbeef", {M("m", 1, 1, 0)}, {}, {}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().SetRunLifecycle("deadbeef", Deleted()).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().UpdateRun("deadbeef", {.status = RunStatus::kFinished}).status().code(),
            StatusCode::kNotFound);
}

TEST_P(TrackingStoreConformanceTest, UpdateRun) {
  std::string run = MakeRun("0", 1000, "before");
  RunInfo updated =
      ValueOrDie(store().UpdateRun(run, {.status = RunStatus::kFinished, .end_time = 5000}));
  EXPECT_EQ(updated.status, RunStatus::kFinished);
  EXPECT_EQ(updated.end_time, 5000);
  EXPECT_EQ(updated.run_name, "before");
  // The name alone: the tags stay as they are (keeping them in step is the service's rule).
  updated = ValueOrDie(store().UpdateRun(run, {.run_name = "after"}));
  EXPECT_EQ(updated.status, RunStatus::kFinished);
  EXPECT_EQ(updated.run_name, "after");
  store::Run got = ValueOrDie(store().GetRun(run));
  EXPECT_EQ(got.info.status, RunStatus::kFinished);
  EXPECT_EQ(got.info.end_time, 5000);
  EXPECT_EQ(got.info.run_name, "after");
  EXPECT_EQ(AsMap(got.tags)["mlflow.runName"], "before");
  // Name and tags in one update; the last of a key wins.
  updated = ValueOrDie(store().UpdateRun(
      run, {.run_name = "third", .tags = {{"mlflow.runName", "x"}, {"mlflow.runName", "third"}}}));
  EXPECT_EQ(updated.run_name, "third");
  got = ValueOrDie(store().GetRun(run));
  EXPECT_EQ(got.info.run_name, "third");
  EXPECT_EQ(AsMap(got.tags)["mlflow.runName"], "third");
  // Nothing set: only checks the run.
  EXPECT_EQ(ValueOrDie(store().UpdateRun(run, {})).run_name, "third");
}

TEST_P(TrackingStoreConformanceTest, DeletedRunRejectsWritesAndRestoreWorks) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().SetRunLifecycle(run, Deleted()));
  EXPECT_EQ(ValueOrDie(store().GetRun(run)).info.lifecycle_stage, LifecycleStage::kDeleted);
  Status s = store().LogBatch(run, {M("m", 1, 1, 0)}, {}, {});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().LogInputs(run, {}, {}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().LogOutputs(run, {}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().DeleteRunTag(run, "mlflow.runName").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().UpdateRun(run, {.status = RunStatus::kFinished}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().UpdateRun(run, {}).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_OK(store().SetRunLifecycle(run, Active()));
  EXPECT_OK(store().LogBatch(run, {M("m", 1, 1, 0)}, {}, {}));
}

TEST_P(TrackingStoreConformanceTest, ParamsAreImmutable) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().LogBatch(run, {}, {{"lr", "0.1"}}, {}));
  EXPECT_OK(store().LogBatch(run, {}, {{"lr", "0.1"}}, {}));
  Status s = store().LogBatch(run, {}, {{"lr", "0.2"}}, {});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(AsMap(ValueOrDie(store().GetRun(run)).params)["lr"], "0.1");
}

TEST_P(TrackingStoreConformanceTest, BatchIsAtomic) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().LogBatch(run, {}, {{"p", "a"}}, {}));
  Status s = store().LogBatch(run, {M("loss", 1.0, 10, 0), M("loss", 0.5, 11, 1)},
                              {{"q", "new"}, {"p", "b"}}, {{"t", "v"}});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  store::Run got = ValueOrDie(store().GetRun(run));
  EXPECT_THAT(got.latest_metrics, IsEmpty());
  EXPECT_EQ(AsMap(got.params), (std::map<std::string, std::string>{{"p", "a"}}));
  EXPECT_EQ(AsMap(got.tags).count("t"), 0u);
  EXPECT_THAT(ValueOrDie(store().GetMetricHistory(run, "loss", 0, 0)).items, IsEmpty());
  // Conflicting values inside one batch are a conflict too.
  EXPECT_EQ(store().LogBatch(run, {}, {{"x", "1"}, {"x", "2"}}, {}).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(AsMap(ValueOrDie(store().GetRun(run)).params).count("x"), 0u);
}

TEST_P(TrackingStoreConformanceTest, TagsUpsertAsGiven) {
  std::string run = MakeRun("0", 1000, "original");
  ASSERT_OK(store().LogBatch(run, {}, {}, {{"k", "1"}}));
  ASSERT_OK(store().LogBatch(run, {}, {}, {{"k", "2"}}));
  // Any key is a plain tag to the store: this one does not rename the run.
  ASSERT_OK(store().LogBatch(run, {}, {}, {{"mlflow.runName", "renamed"}}));
  store::Run got = ValueOrDie(store().GetRun(run));
  EXPECT_EQ(AsMap(got.tags)["k"], "2");
  EXPECT_EQ(AsMap(got.tags)["mlflow.runName"], "renamed");
  EXPECT_EQ(got.info.run_name, "original");
  EXPECT_TRUE(ValueOrDie(store().DeleteRunTag(run, "k")));
  EXPECT_EQ(AsMap(ValueOrDie(store().GetRun(run)).tags).count("k"), 0u);
  EXPECT_FALSE(ValueOrDie(store().DeleteRunTag(run, "k")));
  EXPECT_EQ(store().DeleteRunTag("deadbeef", "k").status().code(), StatusCode::kNotFound);
}

TEST_P(TrackingStoreConformanceTest, DuplicateMetricPointsAreIgnored) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().LogBatch(run, {M("m", 1.5, 100, 3)}, {}, {}));
  ASSERT_OK(store().LogBatch(run, {M("m", 1.5, 100, 3), M("m", 1.5, 100, 3)}, {}, {}));
  ASSERT_OK(store().LogBatch(run, {M("m", 1.5, 101, 3)}, {}, {}));
  EXPECT_EQ(ValueOrDie(store().GetMetricHistory(run, "m", 0, 0)).items.size(), 2u);
}

TEST_P(TrackingStoreConformanceTest, LatestMetricIsMaxByStepTimestampValue) {
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

TEST_P(TrackingStoreConformanceTest, MetricHistoryOrderAndPaging) {
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

// Points sharing a timestamp and step come numbers first (by value), then NaN, whole or paged.
TEST_P(TrackingStoreConformanceTest, MetricHistoryOrdersNaNAfterNumbersOfOneStep) {
  std::string run = MakeRun("0");
  ASSERT_OK(store().LogBatch(run,
                             {M("m", 3, 5, 1), M("m", std::nan(""), 5, 1), M("m", -1, 5, 1),
                              M("m", 0, 5, 1), M("m", 7, 4, 2), M("m", 1, 6, 0)},
                             {}, {}));
  auto values = [](const std::vector<Metric>& points) {
    std::vector<std::string> out;
    for (const Metric& m : points)
      out.push_back(std::isnan(m.value) ? "nan" : std::to_string(m.value));
    return out;
  };
  const std::vector<std::string> expected = {"7.000000", "-1.000000", "0.000000",
                                             "3.000000", "nan",       "1.000000"};
  EXPECT_EQ(values(ValueOrDie(store().GetMetricHistory(run, "m", 0, 0)).items), expected);
  std::vector<Metric> paged;
  for (int64_t offset = 0; offset < 6; offset += 2) {
    std::vector<Metric> page = ValueOrDie(store().GetMetricHistory(run, "m", 2, offset)).items;
    paged.insert(paged.end(), page.begin(), page.end());
  }
  EXPECT_EQ(values(paged), expected);
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

TEST_P(TrackingStoreConformanceTest, BulkIntervalFetchesTheSelectedPointsInOrder) {
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

TEST_P(TrackingStoreConformanceTest, DatasetAndModelInputsAndOutputs) {
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

TEST_P(TrackingStoreConformanceTest, SearchRunsDefaultOrderAndPagination) {
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

TEST_P(TrackingStoreConformanceTest, SearchRunsViewTypesAndExperiments) {
  std::string e1 = MakeExperiment("e1");
  std::string e2 = MakeExperiment("e2");
  std::string a = MakeRun(e1, 3);
  std::string b = MakeRun(e2, 2);
  std::string c = MakeRun(e2, 1);
  ASSERT_OK(store().SetRunLifecycle(c, Deleted()));
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

TEST_P(TrackingStoreConformanceTest, SearchRunsFilters) {
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
  ASSERT_TRUE(store().UpdateRun(r1, {.status = RunStatus::kFinished, .end_time = 500}).ok());

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

TEST_P(TrackingStoreConformanceTest, SearchRunsDatasetFilters) {
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

TEST_P(TrackingStoreConformanceTest, SearchRunsOrderBy) {
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
  ASSERT_TRUE(store().UpdateRun(b, {.status = RunStatus::kFinished, .end_time = 10}).ok());
  ASSERT_TRUE(store().UpdateRun(a, {.status = RunStatus::kFinished, .end_time = 20}).ok());
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

// A search that filters and orders by the same metric walks that metric's values in index
// order (store/internal/sql_search.cc); it must give what the general plan gives: only the
// experiments asked for, the view type, ties by start_time DESC then run id, the other sort
// keys, and pages.
TEST_P(TrackingStoreConformanceTest, SearchRunsFilteredAndOrderedByOneMetric) {
  std::string exp = MakeExperiment("by-metric");
  std::string other = MakeExperiment("by-metric-other");
  std::string a = MakeRun(exp, 1, "a");
  std::string b = MakeRun(exp, 2, "b");
  std::string c = MakeRun(exp, 3, "c");
  std::string d = MakeRun(exp, 4, "d");
  std::string e = MakeRun(exp, 5, "e");
  std::string nan_run = MakeRun(exp, 6, "nan");
  std::string missing = MakeRun(exp, 7, "missing");
  std::string deleted = MakeRun(exp, 8, "deleted");
  std::string elsewhere = MakeRun(other, 9, "elsewhere");
  ASSERT_OK(store().LogBatch(a, {M("loss", 0.3, 1, 0)}, {{"p", "2"}}, {}));
  ASSERT_OK(store().LogBatch(b, {M("loss", 0.1, 1, 0)}, {{"p", "1"}}, {}));
  ASSERT_OK(store().LogBatch(c, {M("loss", 0.3, 1, 0)}, {{"p", "1"}}, {}));
  ASSERT_OK(store().LogBatch(d, {M("loss", 0.9, 1, 0)}, {}, {}));
  // e's latest value is its step-2 point, 0.2: the search reads the summary, not history.
  ASSERT_OK(store().LogBatch(e, {M("loss", 0.95, 1, 1), M("loss", 0.2, 1, 2)}, {}, {}));
  ASSERT_OK(store().LogBatch(nan_run, {M("loss", std::nan(""), 1, 0)}, {}, {}));
  ASSERT_OK(store().LogBatch(missing, {M("acc", 0.1, 1, 0)}, {}, {}));
  ASSERT_OK(store().LogBatch(deleted, {M("loss", 0.05, 1, 0)}, {}, {}));
  ASSERT_OK(store().SetRunLifecycle(deleted, Deleted()));
  ASSERT_OK(store().LogBatch(elsewhere, {M("loss", 0.01, 1, 0)}, {}, {}));

  RunQuery q;
  q.experiment_ids = {exp};
  q.filter = Where({Clause(Entity::kMetric, "loss", Comparator::kLt, 0.5)});
  q.order_by = {{Entity::kMetric, "loss", true}};
  // 0.1, 0.2, then the two 0.3 runs by start_time DESC.
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(b, e, c, a));
  q.order_by = {{Entity::kMetric, "loss", false}};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(c, a, e, b));
  // A second key orders the tie; runs without the param come last.
  q.order_by = {{Entity::kMetric, "loss", true}, {Entity::kParam, "p", false}};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(b, e, a, c));
  // Other clauses still apply.
  q.filter = Where({Clause(Entity::kMetric, "loss", Comparator::kGe, 0.2),
                    Clause(Entity::kParam, "p", Comparator::kEq, std::string("1"))});
  q.order_by = {{Entity::kMetric, "loss", true}};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(c));
  // Every run of the experiment that has a number; pages of two with tokens.
  q.filter = Where({Clause(Entity::kMetric, "loss", Comparator::kGt, -1.0)});
  q.max_results = 2;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    Page<store::Run> page = ValueOrDie(store().SearchRuns(q));
    for (const store::Run& r : page.items) seen.push_back(r.info.run_id);
    if (page.next_page_token.empty()) break;
    q.offset = ValueOrDie(search::DecodePageToken(page.next_page_token));
  }
  EXPECT_THAT(seen, ElementsAre(b, e, c, a, d));
  // Deleted runs with the deleted view; both experiments together.
  q.offset = 0;
  q.max_results = 100;
  q.view_type = ViewType::kDeletedOnly;
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), ElementsAre(deleted));
  q.view_type = ViewType::kAll;
  q.experiment_ids = {exp, other};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))),
              ElementsAre(elsewhere, deleted, b, e, c, a, d));
  q.experiment_ids = {"12345"};
  EXPECT_THAT(RunIds(ValueOrDie(store().SearchRuns(q))), IsEmpty());
}

TEST_P(TrackingStoreConformanceTest, SearchRunsReturnsFullRuns) {
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

TEST_P(TrackingStoreConformanceTest, LoggedModelLifecycle) {
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
  EXPECT_TRUE(ValueOrDie(store().DeleteLoggedModelTag(m.model_id, "b")));
  EXPECT_FALSE(ValueOrDie(store().DeleteLoggedModelTag(m.model_id, "b")));
  EXPECT_EQ(store().DeleteLoggedModelTag("m-missing", "b").status().code(), StatusCode::kNotFound);
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
  // Every write to a deleted or missing model is kNotFound and changes nothing.
  for (const std::string& id : {m.model_id, std::string("m-missing")}) {
    EXPECT_EQ(store().FinalizeLoggedModel(id, LoggedModelStatus::kReady).status().code(),
              StatusCode::kNotFound)
        << id;
    EXPECT_EQ(store().DeleteLoggedModel(id).code(), StatusCode::kNotFound) << id;
    EXPECT_EQ(store().SetLoggedModelTags(id, {{"late", "x"}}).code(), StatusCode::kNotFound) << id;
    EXPECT_EQ(store().DeleteLoggedModelTag(id, "late").status().code(), StatusCode::kNotFound)
        << id;
    EXPECT_EQ(store().LogLoggedModelParams(id, {{"late", "1"}}).code(), StatusCode::kNotFound)
        << id;
  }
  LoggedModel deleted = ValueOrDie(store().GetLoggedModel(m.model_id, true));
  EXPECT_EQ(deleted.status, LoggedModelStatus::kReady);
  for (const Tag& tag : deleted.tags) EXPECT_NE(tag.key, "late");
  for (const Param& param : deleted.params) EXPECT_NE(param.key, "late");
  LoggedModel orphan = NewModel("777", "x", 1);
  EXPECT_EQ(store().CreateLoggedModel(orphan).code(), StatusCode::kNotFound);
}

TEST_P(TrackingStoreConformanceTest, SearchLoggedModels) {
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

// --- Concurrency ----------------------------------------------------------------------------

TEST_P(TrackingStoreConformanceTest, ConcurrentWritersLoseNothing) {
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

TEST_P(TrackingStoreConformanceTest, LargeBatchIsStoredWhole) {
  std::string run = MakeRun("0");
  std::vector<Metric> batch;
  for (int i = 0; i < 1000; ++i) batch.push_back(M("k" + std::to_string(i % 10), i, i, i));
  ASSERT_OK(store().LogBatch(run, batch, {}, {}));
  store::Run got = ValueOrDie(store().GetRun(run));
  EXPECT_EQ(got.latest_metrics.size(), 10u);
  EXPECT_EQ(FindMetric(got.latest_metrics, "k9")->value, 999);
  EXPECT_EQ(ValueOrDie(store().GetMetricHistory(run, "k0", 0, 0)).items.size(), 100u);
}

}  // namespace inet::store::testing
