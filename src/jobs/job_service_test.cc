#include "jobs/job_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "artifacts/testing/in_memory_artifact_store.h"
#include "auth/token_authenticator.h"
#include "auth/token_scope.h"
#include "common/ids.h"
#include "exec/testing/fake_executor.h"
#include "jobs/testing/job_system.h"
#include "sched/admission.h"
#include "store/metadata_store.h"
#include "store/sqlite/sqlite_metadata_store.h"
#include "store/testing/temp_sqlite_store.h"
#include "tracking/tracking_service.h"

namespace inet::jobs {
namespace {

using store::JobState;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kServerUrl[] = "http://127.0.0.1:5005";

std::string Drain(ByteSource& source) {
  StatusOr<std::string> all = ReadAll(source, 1 << 20);
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return all.ok() ? *all : "";
}

// An artifact store whose Puts under one prefix block until released (as a multi-GB upload
// does), forwarding everything to `inner`. A held Put gives up after two minutes so that a
// regression fails instead of hanging.
class GatedArtifactStore : public artifacts::ArtifactStore {
 public:
  explicit GatedArtifactStore(artifacts::ArtifactStore& inner) : inner_(inner) {}

  void Hold(std::string prefix) {
    std::lock_guard lock(mu_);
    prefix_ = std::move(prefix);
    released_ = false;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  // True once a Put under the prefix is blocked (or has been).
  bool WaitUntilHeld() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [this] { return held_ > 0; });
  }
  // True once `count` Puts under the prefix completed.
  bool WaitUntilCompleted(int count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return completed_ >= count; });
  }

  Status Put(std::string_view key, ByteSource& body, int64_t size) override {
    bool gated = false;
    {
      std::unique_lock lock(mu_);
      gated = !prefix_.empty() && key.starts_with(prefix_);
      if (gated) {
        ++held_;
        cv_.notify_all();
        cv_.wait_for(lock, std::chrono::minutes(2), [this] { return released_; });
      }
    }
    Status s = inner_.Put(key, body, size);
    if (gated) {
      std::lock_guard lock(mu_);
      ++completed_;
      cv_.notify_all();
    }
    return s;
  }
  StatusOr<std::unique_ptr<ByteSource>> Get(std::string_view key, int64_t offset,
                                            int64_t length) override {
    return inner_.Get(key, offset, length);
  }
  StatusOr<artifacts::ObjectInfo> Head(std::string_view key) override { return inner_.Head(key); }
  StatusOr<artifacts::ListResult> List(const artifacts::ListOptions& options) override {
    return inner_.List(options);
  }
  Status Delete(std::string_view key) override { return inner_.Delete(key); }
  Status DeletePrefix(std::string_view prefix) override { return inner_.DeletePrefix(prefix); }
  StatusOr<std::string> CreateMultipartUpload(std::string_view key) override {
    return inner_.CreateMultipartUpload(key);
  }
  StatusOr<std::string> UploadPart(std::string_view key, std::string_view upload_id,
                                   int part_number, ByteSource& body) override {
    return inner_.UploadPart(key, upload_id, part_number, body);
  }
  Status CompleteMultipartUpload(std::string_view key, std::string_view upload_id,
                                 const std::vector<artifacts::CompletedPart>& parts) override {
    return inner_.CompleteMultipartUpload(key, upload_id, parts);
  }
  Status AbortMultipartUpload(std::string_view key, std::string_view upload_id) override {
    return inner_.AbortMultipartUpload(key, upload_id);
  }

 private:
  artifacts::ArtifactStore& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string prefix_;     // GUARDED_BY(mu_)
  bool released_ = false;  // GUARDED_BY(mu_)
  int held_ = 0;           // GUARDED_BY(mu_)
  int completed_ = 0;      // GUARDED_BY(mu_)
};

// First-come-first-served admission with interactive jobs ahead of batch ones that, when told
// to, also preempts: for a queued job it was told about, it asks the named running job to stop
// (when the controller offers it as preemptible). Records the running set it was shown.
class ScriptedAdmission : public sched::Admission {
 public:
  sched::Decision Decide(const std::vector<sched::Demand>& queue,
                         const std::vector<sched::RunningJob>& running,
                         const std::vector<sched::PoolCapacity>& pools) override {
    std::vector<sched::Demand> ordered = queue;
    std::stable_partition(ordered.begin(), ordered.end(),
                          [](const sched::Demand& d) { return d.priority_class == "interactive"; });
    sched::Decision decision = fifo_.Decide(ordered, running, pools);
    for (const sched::Demand& demand : ordered) {
      auto victim = victims_.find(demand.job_id);
      if (victim == victims_.end()) continue;
      for (const sched::RunningJob& r : running) {
        if (r.job_id == victim->second && r.preemptible) {
          decision.preempt.push_back({r.job_id, demand.job_id, "interactive before batch"});
        }
      }
    }
    last_running_ = running;
    return decision;
  }

  void PreemptFor(const std::string& queued, const std::string& victim) {
    victims_[queued] = victim;
  }
  void StopPreempting() { victims_.clear(); }
  const std::vector<sched::RunningJob>& last_running() const { return last_running_; }

 private:
  sched::FifoCapacityAdmission fifo_;
  std::map<std::string, std::string> victims_;
  std::vector<sched::RunningJob> last_running_;
};

class JobServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::testing::TempSqliteStore::Open(&clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    store_ = &db_->store();
    tracking_ = std::make_unique<tracking::TrackingService>(
        store_->tracking(), clock_, tracking::TrackingOptions{"mlflow-artifacts:/"});
    ASSERT_TRUE(tracking_->EnsureDefaultExperiment().ok());
    executor_ = std::make_unique<exec::FakeExecutor>(executor_options_, &artifacts_);
  }

  void TearDown() override {
    StopService();
    tracking_.reset();
    db_.reset();
  }

  // (Re)creates the executor with `options`; call before Start().
  void UseExecutor(exec::FakeExecutorOptions options) {
    executor_ = std::make_unique<exec::FakeExecutor>(options, &artifacts_);
  }

  testing::JobSystemOptions Options() {
    testing::JobSystemOptions options = testing::InlineOptions(kServerUrl);
    options.service.cancel_grace_seconds = 10;
    options.controller.cancel_grace_seconds = 10;
    return options;
  }

  // Builds the jobs subsystem (not started) over the fixture's stores, or `artifacts`.
  void CreateService(testing::JobSystemOptions options,
                     artifacts::ArtifactStore* artifacts = nullptr) {
    system_ = std::make_unique<testing::JobSystem>(
        *store_, artifacts != nullptr ? *artifacts : artifacts_, *executor_, admission_, *tracking_,
        clock_, options);
    service_ = &system_->service();
    controller_ = &system_->controller();
  }
  void StartService(testing::JobSystemOptions options,
                    artifacts::ArtifactStore* artifacts = nullptr) {
    CreateService(options, artifacts);
    ASSERT_TRUE(system_->Start().ok());
  }
  // Options of a server: the controller and its workers on their own threads.
  testing::JobSystemOptions ThreadedOptions() {
    testing::JobSystemOptions options = Options();
    options.controller.start_thread = true;
    options.launcher.threads = 1;
    options.finalizer.threads = 1;
    return options;
  }
  // Stops the service as a server shutdown (or crash) does; running attempts keep running.
  void StopService() {
    system_.reset();
    service_ = nullptr;
    controller_ = nullptr;
  }
  void StartService() { StartService(Options()); }

  static JobSpec Spec(std::string name = "train") {
    JobSpec spec;
    spec.name = std::move(name);
    spec.command = {"python3", "train.py"};
    return spec;
  }

  JobView MustSubmit(JobSpec spec, const Identity& who) {
    StatusOr<JobView> view = service_->Submit(who, std::move(spec));
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? *view : JobView{};
  }
  JobView MustSubmit(JobSpec spec) { return MustSubmit(std::move(spec), alice_); }

  JobView MustGet(const std::string& id) {
    StatusOr<JobView> view = service_->Get(admin_, id);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? *view : JobView{};
  }

  // Runs controller passes until the job is in `state` (the finalizer works on its own thread);
  // false after a generous deadline.
  bool PassUntil(const std::string& id, JobState state) {
    for (int i = 0; i < 6000; ++i) {
      controller_->RunOnceForTest();
      if (MustGet(id).record.state == state) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::string EndWithOutputThenCrash(JobSpec spec);

  store::JobRecord MustGetRecord(const std::string& id) {
    StatusOr<store::JobRecord> record = store_->jobs().GetJob(id);
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    return record.ok() ? *record : store::JobRecord{};
  }

  store::Run MustGetRun(const std::string& run_id) {
    StatusOr<store::Run> run = tracking_->GetRun(admin_, run_id);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : store::Run{};
  }

  std::vector<JobState> EventStates(const std::string& id) {
    StatusOr<std::vector<store::JobEvent>> events = service_->Events(admin_, id);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    std::vector<JobState> states;
    if (events.ok()) {
      for (const store::JobEvent& e : *events) states.push_back(e.state);
    }
    return states;
  }

  FakeClock clock_;
  std::unique_ptr<store::testing::TempSqliteStore> db_;
  store::MetadataStore* store_ = nullptr;  // db_'s
  artifacts::InMemoryArtifactStore artifacts_;
  ScriptedAdmission admission_;  // FIFO unless a test asks it to preempt
  std::unique_ptr<tracking::TrackingService> tracking_;
  exec::FakeExecutorOptions executor_options_;
  std::unique_ptr<exec::FakeExecutor> executor_;
  std::unique_ptr<testing::JobSystem> system_;
  JobService* service_ = nullptr;
  JobController* controller_ = nullptr;
  Identity alice_{"alice", "tok-alice", false};
  Identity bob_{"bob", "tok-bob", false};
  Identity admin_{"admin", "tok-admin", true};
};

TEST_F(JobServiceTest, SubmitRunsAndSucceedsWithInjectedEnvironment) {
  StartService();
  JobSpec spec = Spec("bert-finetuning");
  spec.env = {{"EPOCHS", "3"}};
  JobView submitted = MustSubmit(spec);
  const std::string id = submitted.record.job_id;
  EXPECT_TRUE(std::regex_match(id, std::regex("bert-finetuning-[a-z0-9]{6}"))) << id;
  EXPECT_EQ(submitted.record.state, JobState::kQueued);
  EXPECT_EQ(submitted.record.user, "alice");
  EXPECT_EQ(submitted.record.stop_reason, store::StopReason::kNone);

  // The MLflow experiment and run exist, tagged with the job.
  StatusOr<store::Experiment> experiment =
      tracking_->GetExperimentByName(admin_, "bert-finetuning");
  ASSERT_TRUE(experiment.ok());
  EXPECT_EQ(submitted.record.experiment_id, experiment->experiment_id);
  store::Run run = MustGetRun(submitted.record.run_id);
  EXPECT_EQ(run.info.run_name, id);
  EXPECT_EQ(run.info.status, store::RunStatus::kRunning);
  auto tag = [&](const std::string& key) {
    for (const store::Tag& t : run.tags) {
      if (t.key == key) return t.value;
    }
    return std::string("<missing>");
  };
  EXPECT_EQ(tag("inet.job_id"), id);
  EXPECT_EQ(tag("inet.team"), "default");
  EXPECT_EQ(tag("mlflow.user"), "alice");
  EXPECT_EQ(tag("mlflow.source.name"), "python3");

  controller_->RunOnceForTest();
  JobView running = MustGet(id);
  EXPECT_EQ(running.record.state, JobState::kRunning);
  EXPECT_EQ(running.record.attempt, 1);
  EXPECT_EQ(running.record.reason, "attempt 1 started");
  EXPECT_GT(running.record.started_at, 0);

  std::optional<exec::LaunchRequest> launch = executor_->LastLaunch(id);
  ASSERT_TRUE(launch.has_value());
  EXPECT_EQ(launch->attempt, 1);
  EXPECT_THAT(launch->argv, ElementsAre("python3", "train.py"));
  EXPECT_EQ(launch->env.at("EPOCHS"), "3");
  EXPECT_EQ(launch->env.at("MLFLOW_RUN_ID"), submitted.record.run_id);
  EXPECT_EQ(launch->env.at("MLFLOW_TRACKING_URI"), kServerUrl);
  EXPECT_EQ(launch->env.at("INET_URL"), kServerUrl);
  EXPECT_EQ(launch->env.at("INET_JOB_ID"), id);
  // The attempt's token travels as a secret, never in the environment the executor may show.
  const std::string token = launch->secrets.at("INET_TOKEN");
  EXPECT_EQ(launch->secrets.at("MLFLOW_TRACKING_TOKEN"), token);
  EXPECT_EQ(launch->env.count("INET_TOKEN"), 0u);
  EXPECT_EQ(launch->env.count("MLFLOW_TRACKING_TOKEN"), 0u);
  // The attempt's token authenticates as the submitter, not as an admin.
  StatusOr<store::Token> stored = store_->tokens().GetTokenByHash(Sha256Hex(token));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->user, "alice");
  EXPECT_FALSE(stored->is_admin);
  // ... and is limited to this attempt: its job, its run and the run's artifact root.
  StatusOr<TokenScope> scope = auth::DecodeTokenScope(stored->scope);
  ASSERT_TRUE(scope.ok()) << scope.status().ToString();
  EXPECT_EQ(scope->kind, TokenScope::Kind::kAttempt);
  EXPECT_EQ(scope->job_id, id);
  EXPECT_EQ(scope->attempt, 1);
  EXPECT_EQ(scope->run_id, submitted.record.run_id);
  EXPECT_EQ(scope->experiment_id, submitted.record.experiment_id);
  EXPECT_THAT(scope->artifact_prefixes, ElementsAre(submitted.record.experiment_id + "/" +
                                                    submitted.record.run_id + "/artifacts"));
  EXPECT_EQ(scope->models_prefix, submitted.record.experiment_id + "/models");

  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  JobView done = MustGet(id);
  EXPECT_EQ(done.record.state, JobState::kSucceeded);
  EXPECT_EQ(done.record.reason, "attempt 1 succeeded");
  EXPECT_GT(done.record.finished_at, 0);
  ASSERT_TRUE(done.result.exit_code.has_value());
  EXPECT_EQ(*done.result.exit_code, 0);
  EXPECT_TRUE(done.record.executor_state.empty());
  EXPECT_EQ(executor_->release_count(), 1);
  // The token was revoked; the run was closed.
  EXPECT_EQ(store_->tokens().GetTokenByHash(Sha256Hex(token)).status().code(),
            StatusCode::kNotFound);
  store::Run finished = MustGetRun(submitted.record.run_id);
  EXPECT_EQ(finished.info.status, store::RunStatus::kFinished);
  EXPECT_TRUE(finished.info.end_time.has_value());
  EXPECT_THAT(EventStates(id), ElementsAre(JobState::kPending, JobState::kQueued,
                                           JobState::kRunning, JobState::kSucceeded));
}

TEST_F(JobServiceTest, RetriesWithBackoffThenSucceeds) {
  StartService();
  JobSpec spec = Spec();
  spec.retries = 2;
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  const std::string first_token = executor_->LastLaunch(id)->secrets.at("INET_TOKEN");
  ASSERT_TRUE(executor_->Exit(id, 1).ok());
  controller_->RunOnceForTest();

  JobView waiting = MustGet(id);
  EXPECT_EQ(waiting.record.state, JobState::kQueued);
  EXPECT_EQ(waiting.record.reason,
            "attempt 1 failed: exited with code 1; retrying in 5 s (attempt 2 of 3)");
  EXPECT_EQ(waiting.record.next_attempt_at, clock_.NowMillis() + 5000);
  EXPECT_EQ(waiting.result.last_failure, "exited with code 1 (attempt 1)");
  EXPECT_EQ(waiting.record.stop_reason, store::StopReason::kFailed);
  EXPECT_EQ(waiting.max_attempts, 3);
  EXPECT_EQ(MustGetRun(waiting.record.run_id).info.status, store::RunStatus::kRunning);

  // Not before the backoff has passed.
  controller_->RunOnceForTest();
  EXPECT_EQ(executor_->launches().size(), 1u);
  clock_.Advance(5000);
  controller_->RunOnceForTest();
  ASSERT_EQ(executor_->launches().size(), 2u);
  EXPECT_EQ(executor_->LastLaunch(id)->attempt, 2);
  EXPECT_NE(executor_->LastLaunch(id)->secrets.at("INET_TOKEN"), first_token);
  EXPECT_EQ(MustGet(id).record.attempt, 2);
  EXPECT_EQ(MustGet(id).record.stop_reason, store::StopReason::kNone);  // attempt 2 runs

  // The second failure backs off twice as long.
  ASSERT_TRUE(executor_->Exit(id, 2).ok());
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(id).record.reason,
            "attempt 2 failed: exited with code 2; retrying in 10 s (attempt 3 of 3)");
  clock_.Advance(10'000);
  controller_->RunOnceForTest();
  EXPECT_EQ(executor_->LastLaunch(id)->attempt, 3);
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  JobView done = MustGet(id);
  EXPECT_EQ(done.record.state, JobState::kSucceeded);
  EXPECT_EQ(done.record.attempt, 3);
  EXPECT_EQ(done.record.reason, "attempt 3 succeeded");
  EXPECT_EQ(done.record.stop_reason, store::StopReason::kSucceeded);
}

TEST_F(JobServiceTest, FailsWhenRetriesAreExhausted) {
  StartService();
  JobSpec spec = Spec();
  spec.retries = 1;
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_TRUE(executor_->Exit(id, 1).ok());
  controller_->RunOnceForTest();
  clock_.Advance(5000);
  controller_->RunOnceForTest();
  ASSERT_TRUE(executor_->Exit(id, 1).ok());
  controller_->RunOnceForTest();

  JobView failed = MustGet(id);
  EXPECT_EQ(failed.record.state, JobState::kFailed);
  EXPECT_EQ(failed.record.reason,
            "attempt 2 failed: exited with code 1; no retries left (2 attempts)");
  EXPECT_EQ(failed.result.last_failure, "exited with code 1 (attempt 2)");
  EXPECT_EQ(failed.record.stop_reason, store::StopReason::kFailed);
  EXPECT_EQ(MustGetRun(failed.record.run_id).info.status, store::RunStatus::kFailed);
  EXPECT_EQ(executor_->launches().size(), 2u);
}

// Every live attempt is polled in one batch per pass (a Kubernetes watch answers the same).
TEST_F(JobServiceTest, PollsEveryRunningAttemptInOneBatchPerPass) {
  StartService();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(MustSubmit(Spec()).record.job_id);
  controller_->RunOnceForTest();  // launches all three
  for (const std::string& id : ids) ASSERT_EQ(MustGet(id).record.state, JobState::kRunning);
  ASSERT_TRUE(executor_->Exit(ids[1], 0).ok());
  const int before = executor_->poll_all_calls();
  controller_->RunOnceForTest();
  EXPECT_EQ(executor_->poll_all_calls(), before + 1);
  EXPECT_TRUE(PassUntil(ids[1], JobState::kSucceeded));
  EXPECT_EQ(MustGet(ids[0]).record.state, JobState::kRunning);
  EXPECT_EQ(MustGet(ids[2]).record.state, JobState::kRunning);
}

// The policy sees the running set and may preempt: the controller stops the victim (SIGTERM,
// the cancel grace period), says in its events who preempted it and why, re-queues it, and the
// preemption does not spend one of its retries.
TEST_F(JobServiceTest, PreemptionRequeuesTheVictimWithoutSpendingARetry) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1});
  StartService();
  JobSpec batch = Spec("batch");
  batch.resources.gpu = 1;
  batch.retries = 1;
  const std::string victim = MustSubmit(batch).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_EQ(MustGet(victim).record.state, JobState::kRunning);

  JobSpec notebook = Spec("notebook");
  notebook.resources.gpu = 1;
  notebook.priority_class = "interactive";
  const std::string winner = MustSubmit(notebook).record.job_id;
  admission_.PreemptFor(winner, victim);
  controller_->RunOnceForTest();
  admission_.StopPreempting();

  ASSERT_EQ(admission_.last_running().size(), 1u);
  const sched::RunningJob& seen = admission_.last_running()[0];
  EXPECT_EQ(seen.job_id, victim);
  EXPECT_EQ(seen.team, "default");
  EXPECT_EQ(seen.priority_class, "batch");
  EXPECT_EQ(seen.resources.gpus, 1);
  EXPECT_EQ(seen.resources, MustGet(victim).record.resources);
  EXPECT_GT(seen.started_at, 0);
  EXPECT_TRUE(seen.preemptible);

  const std::vector<exec::TerminateCall> stops = executor_->terminations();
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].job_id, victim);
  EXPECT_EQ(stops[0].grace_seconds, 10);
  const std::string why = "for job " + winner + ": interactive before batch";
  StatusOr<std::vector<store::JobEvent>> events = service_->Events(admin_, victim);
  ASSERT_TRUE(events.ok());
  bool announced = false;
  for (const store::JobEvent& e : *events) {
    announced = announced || e.reason == "attempt 1 preempted " + why + "; stopping it";
  }
  EXPECT_TRUE(announced);

  ASSERT_TRUE(PassUntil(victim, JobState::kQueued));
  EXPECT_EQ(MustGet(victim).record.reason,
            "attempt 1 was preempted (" + why + "); re-queued without spending a retry");
  EXPECT_EQ(MustGet(victim).record.stop_reason, store::StopReason::kPreempted);
  ASSERT_TRUE(PassUntil(winner, JobState::kRunning));
  EXPECT_EQ(MustGet(victim).record.state, JobState::kQueued);  // waits for the GPU

  ASSERT_TRUE(executor_->Exit(winner, 0).ok());
  ASSERT_TRUE(PassUntil(winner, JobState::kSucceeded));
  ASSERT_TRUE(PassUntil(victim, JobState::kRunning));
  EXPECT_EQ(MustGet(victim).record.attempt, 2);
  // Its one retry is still there: a failure of attempt 2 is retried.
  ASSERT_TRUE(executor_->Exit(victim, 1).ok());
  ASSERT_TRUE(PassUntil(victim, JobState::kQueued));
  EXPECT_THAT(MustGet(victim).record.reason, HasSubstr("retrying"));
  EXPECT_THAT(MustGet(victim).record.reason, HasSubstr("(attempt 3 of 3)"));
}

// An attempt the cluster evicts (ExecutionEnd::kPreempted) is re-queued the same way.
TEST_F(JobServiceTest, ClusterPreemptionRequeuesWithoutSpendingARetry) {
  StartService();
  const std::string id = MustSubmit(Spec()).record.job_id;  // retries: 0
  controller_->RunOnceForTest();
  ASSERT_TRUE(executor_->Preempt(id).ok());
  ASSERT_TRUE(PassUntil(id, JobState::kQueued));
  EXPECT_EQ(MustGet(id).record.stop_reason, store::StopReason::kPreempted);
  ASSERT_TRUE(PassUntil(id, JobState::kRunning));
  EXPECT_EQ(MustGet(id).record.attempt, 2);
  EXPECT_EQ(executor_->launches().size(), 2u);
}

TEST_F(JobServiceTest, OutOfMemoryNamesTheLimit) {
  StartService();
  JobSpec spec = Spec();
  spec.resources.memory = "512Mi";
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  EXPECT_EQ(executor_->LastLaunch(id)->resources.memory_bytes, 512LL << 20);
  ASSERT_TRUE(executor_->OomKill(id).ok());
  controller_->RunOnceForTest();
  JobView failed = MustGet(id);
  EXPECT_EQ(failed.record.state, JobState::kFailed);
  EXPECT_THAT(failed.record.reason, HasSubstr("out of memory"));
  EXPECT_THAT(failed.record.reason, HasSubstr("512Mi"));
  EXPECT_EQ(failed.record.stop_reason, store::StopReason::kOutOfMemory);
}

TEST_F(JobServiceTest, TimeoutStopsTheAttemptWithoutRetry) {
  StartService();
  JobSpec spec = Spec();
  spec.timeout_hours = 1;
  spec.retries = 2;
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  clock_.Advance(3'600'000 - 1);
  controller_->RunOnceForTest();
  EXPECT_TRUE(executor_->terminations().empty());
  clock_.Advance(1);
  controller_->RunOnceForTest();
  ASSERT_EQ(executor_->terminations().size(), 1u);
  EXPECT_EQ(executor_->terminations()[0].grace_seconds, 10);
  EXPECT_THAT(MustGet(id).record.reason, HasSubstr("exceeded the timeout of 1 h"));

  controller_->RunOnceForTest();  // the fake ended the attempt on SIGTERM
  JobView timed_out = MustGet(id);
  EXPECT_EQ(timed_out.record.state, JobState::kTimedOut);
  EXPECT_EQ(timed_out.record.reason, "attempt 1 exceeded the timeout of 1 h and was stopped");
  EXPECT_EQ(timed_out.record.stop_reason, store::StopReason::kTimedOut);
  EXPECT_EQ(executor_->launches().size(), 1u);
  EXPECT_EQ(MustGetRun(timed_out.record.run_id).info.status, store::RunStatus::kKilled);
}

TEST_F(JobServiceTest, CancelQueuedJobIsImmediate) {
  StartService();
  JobView job = MustSubmit(Spec());
  StatusOr<JobView> cancelled = service_->Cancel(alice_, job.record.job_id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->record.state, JobState::kCancelled);
  EXPECT_EQ(cancelled->record.reason, "cancelled by alice before it started");
  EXPECT_EQ(cancelled->record.stop_reason, store::StopReason::kCancelled);
  controller_->RunOnceForTest();
  EXPECT_TRUE(executor_->launches().empty());
  EXPECT_EQ(MustGetRun(job.record.run_id).info.status, store::RunStatus::kKilled);

  StatusOr<JobView> again = service_->Cancel(alice_, job.record.job_id);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("already finished"));
}

TEST_F(JobServiceTest, CancelRunningJobTerminatesOnceWithGrace) {
  UseExecutor(exec::FakeExecutorOptions{.exit_on_terminate = false});
  StartService();
  JobSpec spec = Spec();
  spec.retries = 3;
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();

  StatusOr<JobView> requested = service_->Cancel(alice_, id);
  ASSERT_TRUE(requested.ok());
  EXPECT_EQ(requested->record.state, JobState::kRunning);
  EXPECT_TRUE(requested->record.cancel_requested);
  controller_->RunOnceForTest();
  controller_->RunOnceForTest();
  ASSERT_EQ(executor_->terminations().size(), 1u);
  EXPECT_EQ(executor_->terminations()[0].grace_seconds, 10);
  EXPECT_EQ(MustGet(id).record.state, JobState::kRunning);

  ASSERT_TRUE(executor_->Exit(id, 0, 15).ok());
  controller_->RunOnceForTest();
  JobView cancelled = MustGet(id);
  EXPECT_EQ(cancelled.record.state, JobState::kCancelled);  // not retried
  EXPECT_THAT(cancelled.record.reason, StartsWith("cancelled; attempt 1 stopped"));
  EXPECT_EQ(cancelled.record.stop_reason, store::StopReason::kCancelled);
  EXPECT_EQ(executor_->launches().size(), 1u);
  EXPECT_EQ(MustGetRun(cancelled.record.run_id).info.status, store::RunStatus::kKilled);
}

TEST_F(JobServiceTest, CancelRacingWithLaunchStopsTheUnrecordedAttempt) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1, .exit_on_terminate = false});
  StartService();
  JobSpec spec = Spec();
  spec.resources.gpu = 1;
  const std::string id = MustSubmit(spec).record.job_id;
  // The cancel lands after the executor started the attempt, before the controller recorded it.
  executor_->SetLaunchHook([&](const exec::LaunchRequest&) {
    StatusOr<JobView> cancelled = service_->Cancel(alice_, id);
    EXPECT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  });
  controller_->RunOnceForTest();
  JobView job = MustGet(id);
  EXPECT_EQ(job.record.state, JobState::kCancelled);
  EXPECT_EQ(job.record.reason, "cancelled by alice before it started");
  EXPECT_EQ(job.record.stop_reason, store::StopReason::kCancelled);
  ASSERT_EQ(executor_->terminations().size(), 1u);
  EXPECT_EQ(executor_->terminations()[0].grace_seconds, 0);
  // Its GPU comes back once the stopped attempt has ended.
  EXPECT_EQ(executor_->FreeGpus(), 0);
  ASSERT_TRUE(executor_->Exit(id, 0, 9).ok());
  controller_->RunOnceForTest();
  EXPECT_EQ(executor_->FreeGpus(), 1);
  EXPECT_EQ(MustGet(id).record.state, JobState::kCancelled);
}

TEST_F(JobServiceTest, VanishedAttemptIsRetried) {
  StartService();
  JobSpec spec = Spec();
  spec.retries = 1;
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_TRUE(executor_->Vanish(id).ok());
  controller_->RunOnceForTest();
  JobView waiting = MustGet(id);
  EXPECT_EQ(waiting.record.state, JobState::kQueued);
  EXPECT_EQ(waiting.record.reason,
            "attempt 1 lost: the job's processes vanished (server restart or external kill); "
            "retrying in 5 s (attempt 2 of 2)");
  EXPECT_FALSE(waiting.result.exit_code.has_value());
  EXPECT_EQ(waiting.record.stop_reason, store::StopReason::kLost);
  clock_.Advance(5000);
  controller_->RunOnceForTest();
  EXPECT_EQ(executor_->LastLaunch(id)->attempt, 2);
}

TEST_F(JobServiceTest, TransientPollErrorsDoNotLoseTheAttempt) {
  StartService();
  JobSpec spec = Spec();
  spec.retries = 1;
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  executor_->FailPolls(UnavailableError("disk busy"), 3);
  for (int i = 0; i < 3; ++i) controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(id).record.state, JobState::kRunning);
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(id).record.state, JobState::kSucceeded);

  // An execution the executor does not know is lost at once.
  const std::string other = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  executor_->FailPolls(NotFoundError("unknown attempt"), 1);
  controller_->RunOnceForTest();
  EXPECT_THAT(MustGet(other).record.reason, StartsWith("attempt 1 lost"));
}

// A second server on the same database, with executors of its own (`executor` may be the
// fixture's: the same machine).
struct SecondServer {
  SecondServer(const std::string& db_uri, FakeClock& clock, artifacts::ArtifactStore& artifacts,
               exec::Executor& executor, sched::Admission& admission,
               const testing::JobSystemOptions& options)
      : store(store::OpenSqliteMetadataStore(db_uri, "mlflow-artifacts:/", &clock).value()),
        tracking(store->tracking(), clock, tracking::TrackingOptions{"mlflow-artifacts:/"}),
        jobs(*store, artifacts, executor, admission, tracking, clock, options) {}
  std::unique_ptr<store::MetadataStore> store;
  tracking::TrackingService tracking;
  testing::JobSystem jobs;
};

// Two servers on one database, each with its own executor: only the holder of the
// job-controller lease acts on jobs, so a job submitted through either runs once, and the
// other never touches it (a second controller used to find the launch in flight, fail to
// recover it on its own executor, and launch attempt 1 again).
TEST_F(JobServiceTest, OnlyOneOfTwoServersOnADatabaseControlsItsJobs) {
  StartService();
  exec::FakeExecutor other_executor(executor_options_, &artifacts_);
  SecondServer second(db_->uri(), clock_, artifacts_, other_executor, admission_, Options());
  ASSERT_TRUE(second.jobs.Start().ok());
  EXPECT_TRUE(controller_->leading());
  EXPECT_FALSE(second.jobs.controller().leading());

  StatusOr<JobView> submitted = second.jobs.service().Submit(alice_, Spec("through-the-follower"));
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  const std::string id = submitted->record.job_id;
  for (int pass = 0; pass < 3; ++pass) {
    controller_->RunOnceForTest();
    second.jobs.RunOnce();
    clock_.Advance(1'000);  // the follower tries for the lease again every second
  }
  JobView view = MustGet(id);
  EXPECT_EQ(view.record.state, JobState::kRunning) << view.record.reason;
  EXPECT_EQ(view.record.attempt, 1);
  EXPECT_EQ(executor_->launches().size(), 1u);
  EXPECT_TRUE(other_executor.launches().empty()) << "the follower launched the job too";
  EXPECT_THAT(EventStates(id),
              ElementsAre(JobState::kPending, JobState::kQueued, JobState::kRunning));
}

// When the holder stops, the other server on the machine takes the lease and re-attaches what
// the holder ran instead of starting it again.
TEST_F(JobServiceTest, TheOtherServerTakesOverWhenTheControllerStops) {
  StartService();
  SecondServer second(db_->uri(), clock_, artifacts_, *executor_, admission_, Options());
  ASSERT_TRUE(second.jobs.Start().ok());
  const std::string id = MustSubmit(Spec("before-the-takeover")).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_EQ(MustGet(id).record.state, JobState::kRunning);

  StopService();  // the holder stops: its attempts keep running
  clock_.Advance(1'000);
  second.jobs.RunOnce();
  EXPECT_TRUE(second.jobs.controller().leading());
  StatusOr<JobView> after = second.jobs.service().Get(admin_, id);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->record.state, JobState::kRunning) << after->record.reason;
  EXPECT_EQ(executor_->launches().size(), 1u) << "the new holder started the job again";

  StatusOr<JobView> next = second.jobs.service().Submit(alice_, Spec("after-the-takeover"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  second.jobs.RunOnce();
  StatusOr<JobView> next_view = second.jobs.service().Get(admin_, next->record.job_id);
  ASSERT_TRUE(next_view.ok()) << next_view.status().ToString();
  EXPECT_EQ(next_view->record.state, JobState::kRunning) << next_view->record.reason;
  EXPECT_EQ(executor_->launches().size(), 2u);
}

TEST_F(JobServiceTest, RestartReattachesRunningAttempts) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1});
  StartService();
  JobSpec spec = Spec();
  spec.resources.gpu = 1;
  const std::string kept = MustSubmit(spec).record.job_id;
  clock_.Advance(1);
  JobSpec lost_spec = Spec("lost");
  const std::string lost = MustSubmit(lost_spec).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_EQ(MustGet(kept).record.state, JobState::kRunning);
  ASSERT_EQ(MustGet(lost).record.state, JobState::kRunning);
  EXPECT_EQ(MustGet(kept).record.reason, "attempt 1 started on GPU 0");

  const std::string kept_token = executor_->LastLaunch(kept)->secrets.at("INET_TOKEN");
  // A crash between minting a token and recording the launch leaves a token no attempt owns.
  TokenScope orphan_scope;
  orphan_scope.kind = TokenScope::Kind::kAttempt;
  orphan_scope.job_id = "crashed-job";
  orphan_scope.attempt = 1;
  StatusOr<auth::IssuedToken> orphan =
      auth::IssueToken(store_->tokens(), clock_, "alice", "default", orphan_scope);
  ASSERT_TRUE(orphan.ok());

  // The server goes away; the executor forgets its GPU table as a new process would.
  StopService();
  executor_->SimulateRestart();
  EXPECT_EQ(executor_->FreeGpus(), 1);
  // Re-attaching `lost` fails (its state is gone, say). Jobs are tended newest first, so the
  // first Reattach call is for `lost`.
  executor_->FailNextReattach(NotFoundError("no such supervisor"));
  StartService();
  EXPECT_EQ(executor_->FreeGpus(), 0);  // the running attempt holds its GPU again
  JobView lost_view = MustGet(lost);
  EXPECT_EQ(lost_view.record.state, JobState::kFailed);
  EXPECT_THAT(lost_view.record.reason, HasSubstr("attempt 1 lost: the job's processes vanished"));
  // Only the attempt still running keeps a working token.
  EXPECT_TRUE(store_->tokens().GetTokenByHash(Sha256Hex(kept_token)).ok());
  EXPECT_EQ(store_->tokens().GetTokenByHash(Sha256Hex(orphan->token)).status().code(),
            StatusCode::kNotFound);

  ASSERT_TRUE(executor_->Exit(kept, 0).ok());
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(kept).record.state, JobState::kSucceeded);
  EXPECT_EQ(executor_->FreeGpus(), 1);
  EXPECT_EQ(executor_->launches().size(), 2u);  // nothing was launched twice
}

TEST_F(JobServiceTest, AdmissionNeverGivesOneGpuToTwoJobs) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 2});
  StartService();
  JobSpec spec = Spec();
  spec.resources.gpu = 1;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(MustSubmit(spec).record.job_id);
    clock_.Advance(1);  // distinct submit times: FIFO order is defined
  }
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(ids[0]).record.state, JobState::kRunning);
  EXPECT_EQ(MustGet(ids[1]).record.state, JobState::kRunning);
  JobView third = MustGet(ids[2]);
  EXPECT_EQ(third.record.state, JobState::kQueued);
  EXPECT_NE(third.record.reason, "queued");  // admission said why it waits
  EXPECT_NE(executor_->HeldGpus(ids[0]), executor_->HeldGpus(ids[1]));
  CapacityView capacity = service_->Capacity();
  EXPECT_EQ(capacity.gpus_total, 2);
  EXPECT_EQ(capacity.gpus_used, 2);

  ASSERT_TRUE(executor_->Exit(ids[0], 0).ok());
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(ids[2]).record.state, JobState::kRunning);
  EXPECT_THAT(executor_->HeldGpus(ids[2]), ElementsAre(0));
  EXPECT_THAT(MustGet(ids[2]).result.gpu_indices, ElementsAre(0));
}

TEST_F(JobServiceTest, WaitingReasonsAreWrittenBoundedPerPass) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1});
  StartService();
  JobSpec spec = Spec();
  spec.resources.gpu = 1;
  std::vector<std::string> ids;
  for (int i = 0; i < 41; ++i) {
    ids.push_back(MustSubmit(spec).record.job_id);
    clock_.Advance(1);
  }
  auto updated_reasons = [&] {
    int n = 0;
    for (size_t i = 1; i < ids.size(); ++i) n += MustGet(ids[i]).record.reason != "queued";
    return n;
  };
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(ids[0]).record.state, JobState::kRunning);
  EXPECT_EQ(MustGet(ids[1]).record.reason, "waiting for 1 GPU (0 of 1 free)");
  EXPECT_EQ(MustGet(ids[2]).record.reason, "queued behind " + ids[1]);
  EXPECT_EQ(updated_reasons(), 32);
  controller_->RunOnceForTest();
  EXPECT_EQ(updated_reasons(), 40);
  const int64_t version = MustGet(ids[40]).record.version;
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(ids[40]).record.version, version);  // unchanged reasons are not rewritten
}

TEST_F(JobServiceTest, QueuedJobThatCanNoLongerFitFails) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 2});
  StartService();
  JobSpec spec = Spec();
  spec.resources.gpu = 2;
  const std::string id = MustSubmit(spec).record.job_id;
  // The server comes back on an executor with fewer GPUs.
  StopService();
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1});
  StartService();
  controller_->RunOnceForTest();
  JobView failed = MustGet(id);
  EXPECT_EQ(failed.record.state, JobState::kFailed);
  EXPECT_EQ(
      failed.record.reason,
      "can never start: requests 2 GPUs but this executor has 1; lower resources.gpu (--gpu)");
  EXPECT_EQ(failed.record.stop_reason, store::StopReason::kNeverFits);
  EXPECT_TRUE(executor_->launches().empty());
}

TEST_F(JobServiceTest, CapacityShowsEachNodePool) {
  // One pool: what attempts hold is that pool's.
  exec::FakeExecutorOptions options = executor_options_;
  options.gpus = 2;
  UseExecutor(options);
  StartService();
  JobSpec spec = Spec();
  spec.resources.gpu = 1;
  MustSubmit(spec);
  controller_->RunOnceForTest();
  CapacityView one = service_->Capacity();
  ASSERT_EQ(one.pools.size(), 1u);
  EXPECT_EQ(one.pools[0].name, "fake");
  EXPECT_EQ(one.pools[0].allocatable, (Resources{8'000, 32LL << 30, 2}));
  ASSERT_TRUE(one.pools[0].used.has_value());
  EXPECT_EQ(one.pools[0].used->gpus, 1);
  EXPECT_EQ(one.pools[0].used->gpus, one.gpus_used);
  EXPECT_EQ(one.pools[0].gpu_model, "");  // configured devices have no model
  EXPECT_EQ(one.pools[0].gpu_source, "configured");
  StopService();

  // Several pools: totals add up, models are named, and per-pool use is not guessed.
  exec::NodePool a100;
  a100.name = "a100";
  a100.allocatable = {64'000, 512LL << 30, 2};
  a100.gpu_devices = {{0, "GPU-1", "NVIDIA A100-SXM4-80GB", 80LL << 30},
                      {1, "GPU-2", "NVIDIA A100-SXM4-80GB", 80LL << 30}};
  a100.gpu_source = "nvml";
  options.more_pools = {a100};
  UseExecutor(options);
  StartService();
  CapacityView two = service_->Capacity();
  ASSERT_EQ(two.pools.size(), 2u);
  EXPECT_EQ(two.pools[1].name, "a100");
  EXPECT_EQ(two.pools[1].gpu_model, "NVIDIA A100-SXM4-80GB");
  EXPECT_EQ(two.pools[1].gpu_source, "nvml");
  EXPECT_FALSE(two.pools[0].used.has_value());
  EXPECT_FALSE(two.pools[1].used.has_value());
  EXPECT_EQ(two.gpus_total, 4);
  EXPECT_EQ(two.cpu_millis_total, 72'000);
}

TEST_F(JobServiceTest, RejectsRequestsAboveTotalCapacity) {
  UseExecutor(exec::FakeExecutorOptions{.memory_bytes = 32LL << 30, .gpus = 4});
  StartService();
  JobSpec spec = Spec();
  spec.resources.gpu = 8;
  StatusOr<JobView> too_many = service_->Submit(alice_, spec);
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many.status().message(), HasSubstr("requests 8 GPUs but this executor has 4"));

  spec.resources.gpu = 0;
  spec.resources.memory = "64Gi";
  StatusOr<JobView> too_big = service_->Submit(alice_, spec);
  EXPECT_EQ(too_big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(too_big.status().message(), HasSubstr("64Gi"));
  EXPECT_THAT(too_big.status().message(), HasSubstr("32Gi"));

  JobSpec bad = Spec("Bad_Name");
  EXPECT_EQ(service_->Submit(alice_, bad).status().code(), StatusCode::kInvalidArgument);
  JobSpec no_code = Spec();
  no_code.code_snapshot = "snap-0123456789abcdef";
  StatusOr<JobView> missing = service_->Submit(alice_, no_code);
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("snap-0123456789abcdef"));
}

TEST_F(JobServiceTest, OthersJobsAreInvisible) {
  StartService();
  const std::string id = MustSubmit(Spec(), alice_).record.job_id;
  MustSubmit(Spec("other"), bob_);

  StatusOr<JobView> peek = service_->Get(bob_, id);
  EXPECT_EQ(peek.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(peek.status().message(), "Job '" + id + "' not found");
  EXPECT_EQ(service_->Cancel(bob_, id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Events(bob_, id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->OpenLogs(bob_, id, 0, false).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(service_->Get(alice_, id).ok());
  EXPECT_TRUE(service_->Get(admin_, id).ok());

  ListJobsRequest all;
  StatusOr<store::Page<JobView>> bobs = service_->List(bob_, all);
  ASSERT_TRUE(bobs.ok());
  ASSERT_EQ(bobs->items.size(), 1u);
  EXPECT_EQ(bobs->items[0].record.user, "bob");
  ListJobsRequest alices;
  alices.user = "alice";
  EXPECT_TRUE(service_->List(bob_, alices)->items.empty());
  EXPECT_EQ(service_->List(admin_, all)->items.size(), 2u);
  EXPECT_EQ(service_->List(admin_, alices)->items.size(), 1u);
}

TEST_F(JobServiceTest, ListFiltersAndPages) {
  StartService();
  for (int i = 0; i < 3; ++i) {
    MustSubmit(Spec("a"));
    clock_.Advance(1);
  }
  MustSubmit(Spec("b"));
  ListJobsRequest request;
  request.name = "a";
  request.max_results = 2;
  StatusOr<store::Page<JobView>> first = service_->List(alice_, request);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->items.size(), 2u);
  ASSERT_FALSE(first->next_page_token.empty());
  request.page_token = first->next_page_token;
  StatusOr<store::Page<JobView>> second = service_->List(alice_, request);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->items.size(), 1u);
  EXPECT_TRUE(second->next_page_token.empty());

  ListJobsRequest running;
  running.states = {JobState::kRunning};
  EXPECT_TRUE(service_->List(alice_, running)->items.empty());
  ListJobsRequest bad;
  bad.max_results = 0;
  EXPECT_EQ(service_->List(alice_, bad).status().code(), StatusCode::kInvalidArgument);
  bad.max_results = 10;
  bad.page_token = "not a token";
  EXPECT_EQ(service_->List(alice_, bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(JobServiceTest, OutputsGoToTheJobPrefixAndTheRun) {
  StartService();
  JobSpec spec = Spec();
  spec.output_artifacts = {{"model.pt", "model.pt"}, {"eval.json", "eval.json"}};
  JobView job = MustSubmit(spec);
  const std::string id = job.record.job_id;
  controller_->RunOnceForTest();
  executor_->WriteOutput(id, "model.pt", "weights");
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();

  JobView done = MustGet(id);
  EXPECT_EQ(done.record.state, JobState::kSucceeded);  // a missing output does not fail it
  EXPECT_THAT(done.record.reason, HasSubstr("output artifact 'eval.json' was not written"));
  ASSERT_EQ(done.result.artifacts.size(), 1u);
  const JobArtifact& artifact = done.result.artifacts[0];
  EXPECT_EQ(artifact.name, "model.pt");
  EXPECT_EQ(artifact.size, 7);
  const std::string run_prefix = job.record.experiment_id + "/" + job.record.run_id + "/artifacts";
  EXPECT_EQ(artifact.uri, "mlflow-artifacts:/" + run_prefix + "/model.pt");

  for (const std::string& key : {"jobs/" + id + "/outputs/model.pt", run_prefix + "/model.pt"}) {
    StatusOr<std::unique_ptr<ByteSource>> body = artifacts_.Get(key);
    ASSERT_TRUE(body.ok()) << key << ": " << body.status().ToString();
    EXPECT_EQ(Drain(**body), "weights");
  }
}

TEST_F(JobServiceTest, LogsComeFromTheArtifactStoreAfterCompletion) {
  testing::JobSystemOptions options = Options();
  options.controller.workspace_retention_millis = 0;  // the workspace goes when the job ends
  StartService(options);
  const std::string id = MustSubmit(Spec()).record.job_id;
  // Before any output: an empty stream, not an error.
  StatusOr<std::unique_ptr<ByteSource>> empty = service_->OpenLogs(alice_, id, 0, false);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(Drain(**empty), "");

  controller_->RunOnceForTest();
  executor_->AppendLog(id, "epoch 1\n");
  StatusOr<std::unique_ptr<ByteSource>> live = service_->OpenLogs(alice_, id, 0, false);
  ASSERT_TRUE(live.ok());
  const std::string expected = "==> attempt 1 started <==\nepoch 1\n";
  EXPECT_EQ(Drain(**live), expected);

  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  executor_->DropLog(id);  // the executor cleaned its workspace
  StatusOr<std::unique_ptr<ByteSource>> stored = service_->OpenLogs(alice_, id, 0, false);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(Drain(**stored), expected);
  stored = service_->OpenLogs(alice_, id, 26, false);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(Drain(**stored), "epoch 1\n");
  stored = service_->OpenLogs(alice_, id, 1000, false);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(Drain(**stored), "");
  // Following a finished job's log ends at its end.
  StatusOr<std::unique_ptr<ByteSource>> followed = service_->OpenLogs(alice_, id, 0, true);
  ASSERT_TRUE(followed.ok());
  EXPECT_EQ(Drain(**followed), expected);
  EXPECT_EQ(service_->OpenLogs(alice_, id, -1, false).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(JobServiceTest, TheLogIsKeptOnceAndStoredBeforeItsWorkspaceGoes) {
  testing::JobSystemOptions options = Options();
  options.controller.workspace_retention_millis = 3'600'000;
  StartService(options);
  const std::string id = MustSubmit(Spec()).record.job_id;
  controller_->RunOnceForTest();
  executor_->AppendLog(id, "epoch 1\n");
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  ASSERT_EQ(MustGet(id).record.state, JobState::kSucceeded);
  const std::string expected = "==> attempt 1 started <==\nepoch 1\n";
  // While the workspace is kept, its log is the only copy.
  EXPECT_EQ(artifacts_.Head("jobs/" + id + "/job.log").status().code(), StatusCode::kNotFound);
  StatusOr<std::unique_ptr<ByteSource>> local = service_->OpenLogs(alice_, id, 0, false);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(Drain(**local), expected);

  // When the workspace expires, the log is stored first, then the workspace goes.
  clock_.Advance(3'600'000 + 60'000);
  controller_->RunOnceForTest();
  StatusOr<std::vector<std::string>> workspaces = executor_->ListWorkspaces();
  ASSERT_TRUE(workspaces.ok());
  EXPECT_THAT(*workspaces, ::testing::Not(::testing::Contains(id)));
  StatusOr<std::unique_ptr<ByteSource>> stored = artifacts_.Get("jobs/" + id + "/job.log");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(Drain(**stored), expected);
  StatusOr<std::unique_ptr<ByteSource>> read = service_->OpenLogs(alice_, id, 0, false);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(Drain(**read), expected);
}

TEST_F(JobServiceTest, FollowStreamsNewOutputUntilTheJobEnds) {
  StartService();
  const std::string id = MustSubmit(Spec()).record.job_id;
  controller_->RunOnceForTest();
  StatusOr<std::unique_ptr<ByteSource>> followed = service_->OpenLogs(alice_, id, 0, true, 600);
  ASSERT_TRUE(followed.ok());
  std::string received;
  std::thread reader([&] { received = Drain(**followed); });
  executor_->AppendLog(id, "step 1\n");
  executor_->AppendLog(id, "step 2\n");
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  reader.join();  // returns because the job became terminal, not because of the idle limit
  EXPECT_EQ(received, "==> attempt 1 started <==\nstep 1\nstep 2\n");
}

TEST_F(JobServiceTest, SnapshotsAreCheckedStoredAndGivenToTheFirstAttempt) {
  testing::JobSystemOptions options = Options();
  options.service.max_snapshot_bytes = 64;
  StartService(options);
  const std::string archive = std::string("\x1f\x8b") + "compressed code";
  StringByteSource body(archive);
  StatusOr<std::string> id = service_->PutSnapshot(alice_, body);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(std::regex_match(*id, std::regex("snap-[0-9a-f]{16}"))) << *id;
  EXPECT_TRUE(artifacts_.Head("snapshots/" + *id + ".tar.gz").ok());

  StringByteSource not_gzip("just text");
  StatusOr<std::string> rejected = service_->PutSnapshot(alice_, not_gzip);
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument);
  StringByteSource huge(std::string("\x1f\x8b") + std::string(100, 'x'));
  StatusOr<std::string> too_large = service_->PutSnapshot(alice_, huge);
  EXPECT_EQ(too_large.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(too_large.status().message(), HasSubstr("64 B"));
  EXPECT_THAT(too_large.status().message(), HasSubstr(".inetignore"));
  StringByteSource nothing("");
  EXPECT_EQ(service_->PutSnapshot(alice_, nothing).status().code(), StatusCode::kInvalidArgument);
  // Only the good snapshot is kept.
  StatusOr<artifacts::ListResult> listed =
      artifacts_.List(artifacts::ListOptions{"snapshots/", false, "", 1000});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->objects.size(), 1u);

  JobSpec spec = Spec();
  spec.code_snapshot = *id;
  spec.retries = 1;
  const std::string job = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  EXPECT_EQ(executor_->CodeArchiveAt(job, 1), archive);
  ASSERT_TRUE(executor_->Exit(job, 1).ok());
  controller_->RunOnceForTest();
  clock_.Advance(5000);
  controller_->RunOnceForTest();
  // Retries reuse the code the executor already unpacked.
  ASSERT_EQ(executor_->LastLaunch(job)->attempt, 2);
  EXPECT_EQ(executor_->LastLaunch(job)->code_snapshot_key, "");
}

TEST_F(JobServiceTest, PermanentLaunchErrorFailsTheJob) {
  StartService();
  JobSpec spec = Spec();
  spec.retries = 3;
  const std::string id = MustSubmit(spec).record.job_id;
  executor_->FailNextLaunch(InvalidArgumentError("program 'pythn' not found on PATH"));
  controller_->RunOnceForTest();
  JobView failed = MustGet(id);
  EXPECT_EQ(failed.record.state, JobState::kFailed);
  EXPECT_EQ(failed.record.reason, "attempt 1 could not start: program 'pythn' not found on PATH");
  EXPECT_EQ(failed.record.stop_reason, store::StopReason::kLaunchFailed);
  EXPECT_EQ(MustGetRun(failed.record.run_id).info.status, store::RunStatus::kFailed);
}

TEST_F(JobServiceTest, ControllerThreadLaunchesOnSubmitWithoutWaitingForATick) {
  testing::JobSystemOptions options = ThreadedOptions();
  options.controller.poll_interval_millis = 600'000;  // only a wake-up can launch the job in time
  StartService(options);
  const std::string id = MustSubmit(Spec()).record.job_id;
  EXPECT_TRUE(executor_->WaitForLaunches(1, std::chrono::seconds(60)));
  EXPECT_EQ(executor_->LastLaunch(id)->attempt, 1);
  controller_->Stop();
  EXPECT_TRUE(executor_->IsRunning(id));  // Stop leaves attempts running
}

// Thrown from an executor hook to stop the controller exactly there, as a kill -9 would: nothing
// after that point runs, and the next service starts from what the store holds.
struct SimulatedCrash {};

TEST_F(JobServiceTest, KillDuringLaunchNeverStartsASecondCopy) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1});
  StartService();
  JobSpec spec = Spec();
  spec.resources.gpu = 1;
  const std::string id = MustSubmit(spec).record.job_id;
  // The executor starts the attempt; the server dies before recording it.
  executor_->SetLaunchHook([](const exec::LaunchRequest&) { throw SimulatedCrash{}; });
  EXPECT_THROW(controller_->RunOnceForTest(), SimulatedCrash);
  executor_->SetLaunchHook(nullptr);
  StopService();
  executor_->SimulateRestart();

  StartService();
  controller_->RunOnceForTest();
  JobView running = MustGet(id);
  EXPECT_EQ(running.record.state, JobState::kRunning);
  EXPECT_EQ(running.record.attempt, 1);
  EXPECT_EQ(running.record.reason, "attempt 1 started on GPU 0");
  EXPECT_EQ(executor_->launches().size(), 1u);  // found, not launched again
  EXPECT_EQ(executor_->FreeGpus(), 0);          // and its GPU is held again

  const std::string token = executor_->LastLaunch(id)->secrets.at("INET_TOKEN");
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(id).record.state, JobState::kSucceeded);
  EXPECT_EQ(store_->tokens().GetTokenByHash(Sha256Hex(token)).status().code(),
            StatusCode::kNotFound);
  EXPECT_THAT(EventStates(id), ElementsAre(JobState::kPending, JobState::kQueued,
                                           JobState::kRunning, JobState::kSucceeded));
}

TEST_F(JobServiceTest, LaunchThatNeverStartedIsLaunchedAfterARestartWithANewToken) {
  StartService();
  const std::string id = MustSubmit(Spec()).record.job_id;
  executor_->SetLaunchHook([](const exec::LaunchRequest&) { throw SimulatedCrash{}; });
  EXPECT_THROW(controller_->RunOnceForTest(), SimulatedCrash);
  const std::string first_token = executor_->LastLaunch(id)->secrets.at("INET_TOKEN");
  StopService();
  // A fresh executor (the machine rebooted, say) knows nothing of the attempt.
  UseExecutor(exec::FakeExecutorOptions{});
  StartService();
  controller_->RunOnceForTest();
  JobView running = MustGet(id);
  EXPECT_EQ(running.record.state, JobState::kRunning);
  EXPECT_EQ(running.record.attempt, 1);
  ASSERT_EQ(executor_->launches().size(), 1u);
  // The token minted for the launch that never ran is revoked; the new one works.
  EXPECT_EQ(store_->tokens().GetTokenByHash(Sha256Hex(first_token)).status().code(),
            StatusCode::kNotFound);
  const std::string token = executor_->LastLaunch(id)->secrets.at("INET_TOKEN");
  EXPECT_NE(token, first_token);
  EXPECT_TRUE(store_->tokens().GetTokenByHash(Sha256Hex(token)).ok());
}

TEST_F(JobServiceTest, CancelDuringALaunchLostToACrashStopsTheAttemptAfterRestart) {
  UseExecutor(exec::FakeExecutorOptions{.exit_on_terminate = false});
  StartService();
  const std::string id = MustSubmit(Spec()).record.job_id;
  executor_->SetLaunchHook([&](const exec::LaunchRequest&) {
    StatusOr<JobView> cancelled = service_->Cancel(alice_, id);
    EXPECT_TRUE(cancelled.ok()) << cancelled.status().ToString();
    throw SimulatedCrash{};
  });
  EXPECT_THROW(controller_->RunOnceForTest(), SimulatedCrash);
  executor_->SetLaunchHook(nullptr);
  StopService();
  StartService();
  JobView job = MustGet(id);
  EXPECT_EQ(job.record.state, JobState::kCancelled);
  EXPECT_EQ(job.record.reason, "cancelled by alice before it started");
  ASSERT_EQ(executor_->terminations().size(), 1u);
  EXPECT_EQ(executor_->terminations()[0].grace_seconds, 0);
  EXPECT_EQ(executor_->launches().size(), 1u);
}

TEST_F(JobServiceTest, StartReturnsWhileReattachingIsStillUnderWay) {
  StartService();
  const std::string id = MustSubmit(Spec()).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_EQ(MustGet(id).record.state, JobState::kRunning);
  StopService();

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  executor_->SetReattachHook([released](std::string_view) { released.wait(); });
  testing::JobSystemOptions options = ThreadedOptions();
  CreateService(options);
  // Start must not wait for the re-attach (a server listens meanwhile); if it did, this would
  // hang until the generous timeout.
  std::future<Status> started =
      std::async(std::launch::async, [&] { return controller_->Start(); });
  const bool returned = started.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  release.set_value();
  ASSERT_TRUE(returned);
  EXPECT_TRUE(started.get().ok());
  // The API answers meanwhile, too.
  EXPECT_EQ(MustGet(id).record.state, JobState::kRunning);
  controller_->Stop();
}

TEST_F(JobServiceTest, LaunchesRunOffTheControllerThread) {
  testing::JobSystemOptions options = ThreadedOptions();
  options.controller.poll_interval_millis = 10;
  StartService(options);
  const std::string first = MustSubmit(Spec("first")).record.job_id;
  ASSERT_TRUE(executor_->WaitForLaunches(1, std::chrono::seconds(60)));

  // The second launch (unpacking a huge snapshot, say) blocks in the executor...
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  executor_->SetLaunchHook([released](const exec::LaunchRequest&) { released.wait(); });
  clock_.Advance(1);
  const std::string second = MustSubmit(Spec("second")).record.job_id;
  ASSERT_TRUE(executor_->WaitForLaunches(2, std::chrono::seconds(60)));
  // ...while the controller still ends the first job when it exits.
  ASSERT_TRUE(executor_->Exit(first, 0).ok());
  bool finished = false;
  for (int i = 0; i < 6000 && !finished; ++i) {
    finished = MustGet(first).record.state == JobState::kSucceeded;
    if (!finished) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  release.set_value();
  EXPECT_TRUE(finished);
  controller_->Stop();
  (void)second;
}

TEST_F(JobServiceTest, SnapshotUnpackBoundIsRelativeToItsSize) {
  StartService();
  StringByteSource body(std::string("\x1f\x8b") + std::string(10 << 20, 'c'));  // 10 MiB
  StatusOr<std::string> snapshot = service_->PutSnapshot(alice_, body);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  JobSpec spec = Spec();
  spec.code_snapshot = *snapshot;
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  // 20 x its size, not the executor's 16 GiB.
  EXPECT_EQ(executor_->LastLaunch(id)->code_max_unpacked_bytes, 20 * ((10LL << 20) + 2));

  StringByteSource tiny(std::string("\x1f\x8b") + "code");
  snapshot = service_->PutSnapshot(alice_, tiny);
  ASSERT_TRUE(snapshot.ok());
  spec.code_snapshot = *snapshot;
  const std::string small = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  EXPECT_EQ(executor_->LastLaunch(small)->code_max_unpacked_bytes, 64LL << 20);  // the floor
}

TEST_F(JobServiceTest, WorkspacesAreRemovedOnceOutputsAndLogAreStored) {
  UseExecutor(exec::FakeExecutorOptions{.exit_on_terminate = true});
  testing::JobSystemOptions options = Options();
  options.controller.workspace_retention_millis = 0;
  StartService(options);
  JobSpec spec = Spec();
  spec.output_artifacts = {{"model.pt", "model.pt"}};
  const std::string done = MustSubmit(spec).record.job_id;
  clock_.Advance(1);
  const std::string cancelled = MustSubmit(Spec("cancelled")).record.job_id;
  controller_->RunOnceForTest();
  executor_->WriteOutput(done, "model.pt", "weights");
  executor_->AppendLog(done, "epoch 1\n");
  ASSERT_TRUE(executor_->Exit(done, 0).ok());
  ASSERT_TRUE(service_->Cancel(alice_, cancelled).ok());
  controller_->RunOnceForTest();  // the cancel is sent
  controller_->RunOnceForTest();  // and its end recorded
  ASSERT_EQ(MustGet(done).record.state, JobState::kSucceeded);
  ASSERT_EQ(MustGet(cancelled).record.state, JobState::kCancelled);
  EXPECT_TRUE(executor_->ListWorkspaces()->empty());
  // What was stored outlives the workspace.
  EXPECT_TRUE(artifacts_.Head("jobs/" + done + "/outputs/model.pt").ok());
  StatusOr<std::unique_ptr<ByteSource>> log = service_->OpenLogs(alice_, done, 0, false);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(Drain(**log), "==> attempt 1 started <==\nepoch 1\n");
}

TEST_F(JobServiceTest, WorkspacesAreKeptForTheirRetention) {
  testing::JobSystemOptions options = Options();
  options.controller.workspace_retention_millis = 3'600'000;
  options.controller.workspace_sweep_interval_millis = 60'000;
  StartService(options);
  const std::string id = MustSubmit(Spec()).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  EXPECT_EQ(*executor_->ListWorkspaces(), std::vector<std::string>{id});
  clock_.Advance(3'600'000 - 60'000);
  controller_->RunOnceForTest();
  EXPECT_EQ(*executor_->ListWorkspaces(), std::vector<std::string>{id});
  clock_.Advance(60'000);
  controller_->RunOnceForTest();
  EXPECT_TRUE(executor_->ListWorkspaces()->empty());
}

TEST_F(JobServiceTest, MissingMlflowInTheJobPythonSaysHowToFixIt) {
  StartService();
  const std::string id = MustSubmit(Spec()).record.job_id;
  controller_->RunOnceForTest();
  executor_->AppendLog(id,
                       "Traceback (most recent call last):\n  File \"train.py\", line 1, in "
                       "<module>\n    import mlflow\nModuleNotFoundError: No module named "
                       "'mlflow'\n");
  ASSERT_TRUE(executor_->Exit(id, 1).ok());
  controller_->RunOnceForTest();
  JobView failed = MustGet(id);
  EXPECT_EQ(failed.record.state, JobState::kFailed);
  EXPECT_THAT(failed.record.reason, HasSubstr("exited with code 1"));
  EXPECT_THAT(failed.record.reason, HasSubstr("start the server with --python pointing at an "
                                              "environment that has mlflow"));
  EXPECT_THAT(failed.record.reason, HasSubstr("install mlflow into the job Python"));
  EXPECT_EQ(failed.record.stop_reason, store::StopReason::kMissingMlflow);
}

TEST_F(JobServiceTest, CapacitySaysWhatTheStartUpCheckFoundInTheJobPython) {
  testing::JobSystemOptions options = Options();
  options.service.job_python_warning = "the job Python 'python3' has no mlflow";
  StartService(options);
  EXPECT_EQ(service_->Capacity().job_python_warning, "the job Python 'python3' has no mlflow");
  StopService();
  StartService();
  EXPECT_EQ(service_->Capacity().job_python_warning, "");
}

TEST_F(JobServiceTest, OutputUploadDoesNotStallAdmissionOrCancels) {
  GatedArtifactStore gated(artifacts_);
  testing::JobSystemOptions options = Options();
  options.finalizer.threads = 2;
  StartService(options, &gated);
  JobSpec with_output = Spec("big");
  with_output.output_artifacts = {{"model.pt", "model.pt"}};
  const std::string big = MustSubmit(with_output).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_EQ(MustGet(big).record.state, JobState::kRunning);

  // The first job ends with a large output whose upload does not finish...
  gated.Hold("jobs/" + big + "/outputs/");
  executor_->WriteOutput(big, "model.pt", "weights");
  ASSERT_TRUE(executor_->Exit(big, 0).ok());
  controller_->RunOnceForTest();
  ASSERT_TRUE(gated.WaitUntilHeld());

  // ...while another job is admitted and a third is cancelled.
  clock_.Advance(1);
  const std::string next = MustSubmit(Spec("next")).record.job_id;
  clock_.Advance(1);
  const std::string doomed = MustSubmit(Spec("doomed")).record.job_id;
  controller_->RunOnceForTest();
  EXPECT_EQ(MustGet(next).record.state, JobState::kRunning);
  ASSERT_EQ(MustGet(doomed).record.state, JobState::kRunning);
  ASSERT_TRUE(service_->Cancel(alice_, doomed).ok());
  EXPECT_TRUE(PassUntil(doomed, JobState::kCancelled));
  EXPECT_EQ(MustGet(big).record.state, JobState::kRunning);  // still storing its output

  gated.Release();
  ASSERT_TRUE(PassUntil(big, JobState::kSucceeded));
  JobView done = MustGet(big);
  ASSERT_EQ(done.result.artifacts.size(), 1u);
  EXPECT_EQ(done.result.artifacts[0].name, "model.pt");
  StatusOr<std::unique_ptr<ByteSource>> body = artifacts_.Get("jobs/" + big + "/outputs/model.pt");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(Drain(**body), "weights");
  EXPECT_EQ(MustGetRun(done.record.run_id).info.status, store::RunStatus::kFinished);
}

// Runs a job with one output until its attempt ended and the output was uploaded, then stops
// the service before the controller recorded the outcome, as a crash at that moment would.
std::string JobServiceTest::EndWithOutputThenCrash(JobSpec spec) {
  GatedArtifactStore gated(artifacts_);
  testing::JobSystemOptions options = Options();
  options.finalizer.threads = 1;
  StartService(options, &gated);
  spec.output_artifacts = {{"model.pt", "model.pt"}};
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  gated.Hold("jobs/" + id + "/outputs/");
  executor_->WriteOutput(id, "model.pt", "weights");
  executor_->AppendLog(id, "done\n");
  EXPECT_TRUE(executor_->Exit(id, 0).ok());
  controller_->RunOnceForTest();
  EXPECT_TRUE(gated.WaitUntilHeld());
  gated.Release();
  EXPECT_TRUE(gated.WaitUntilCompleted(1));
  StopService();
  EXPECT_EQ(MustGetRecord(id).state, JobState::kRunning);
  executor_->SimulateRestart();
  return id;
}

TEST_F(JobServiceTest, FinalizationInProgressAtARestartIsRedone) {
  const std::string id = EndWithOutputThenCrash(Spec());
  StartService();  // finalizes inline on start
  JobView done = MustGet(id);
  EXPECT_EQ(done.record.state, JobState::kSucceeded);
  ASSERT_EQ(done.result.artifacts.size(), 1u);
  EXPECT_EQ(done.result.artifacts[0].name, "model.pt");
  StatusOr<std::unique_ptr<ByteSource>> log = service_->OpenLogs(alice_, id, 0, false);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_THAT(Drain(**log), HasSubstr("done"));
  EXPECT_EQ(MustGetRun(done.record.run_id).info.status, store::RunStatus::kFinished);
  EXPECT_EQ(EventStates(id).back(), JobState::kSucceeded);
}

TEST_F(JobServiceTest, AttemptThatEndedBeforeARestartKeepsItsOutcomeWithoutItsExecution) {
  JobSpec spec = Spec();
  spec.retries = 2;
  const std::string id = EndWithOutputThenCrash(spec);
  // After the restart the attempt cannot be re-attached: its recorded end still counts, so a
  // job that succeeded is not run again as "lost".
  executor_->FailNextReattach(NotFoundError("no such attempt"));
  StartService();
  JobView done = MustGet(id);
  EXPECT_EQ(done.record.state, JobState::kSucceeded);
  EXPECT_EQ(done.record.attempt, 1);
  EXPECT_EQ(done.result.exit_code, 0);
  EXPECT_THAT(done.record.reason, HasSubstr("output artifacts were not collected"));
  EXPECT_EQ(executor_->launches().size(), 1u);
}

// --- Costs -----------------------------------------------------------------------------------

// Records every alert it is sent.
class RecordingAlerts : public AlertSink {
 public:
  void Send(const std::string& text) override { texts.push_back(text); }
  std::vector<std::string> texts;
};

constexpr int64_t kHalfHour = 1'800'000;

class JobCostTest : public JobServiceTest {
 protected:
  // GPUs at $2.00 an hour, CPU and memory free; accrued every minute.
  testing::JobSystemOptions CostOptions(int ceiling_percent = 0) {
    testing::JobSystemOptions options = Options();
    jobs::CostOptions costs;
    costs.prices = PriceTable{};
    costs.prices.gpu_hour = {{"*", 2.0}};
    costs.accrual_interval_millis = 60'000;
    costs.ceiling_percent = ceiling_percent;
    options.costs = costs;
    options.alerts = &alerts_;
    return options;
  }

  JobSpec GpuSpec() {
    JobSpec spec = Spec();
    spec.resources.gpu = 1;
    return spec;
  }

  int64_t LedgerMicros(const std::string& id) {
    StatusOr<std::vector<store::AttemptCost>> rows = store_->costs().ListAttemptCosts(id);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    int64_t total = 0;
    if (rows.ok()) {
      for (const store::AttemptCost& r : *rows) total += r.cost_micros;
    }
    return total;
  }

  std::vector<std::string> EventReasons(const std::string& id, const std::string& containing) {
    std::vector<std::string> out;
    StatusOr<std::vector<store::JobEvent>> events = service_->Events(admin_, id);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    if (events.ok()) {
      for (const store::JobEvent& e : *events) {
        if (e.reason.find(containing) != std::string::npos) out.push_back(e.reason);
      }
    }
    return out;
  }

  std::string RunTag(const std::string& run_id, const std::string& key) {
    for (const store::Tag& tag : MustGetRun(run_id).tags) {
      if (tag.key == key) return tag.value;
    }
    return "";
  }

  RecordingAlerts alerts_;
};

// The ledger holds each attempt's cost from its start: a restart neither loses the time the
// server was down nor counts the time before it twice.
TEST_F(JobCostTest, AccrualAcrossARestartNeitherLosesNorDoubleCounts) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1});
  StartService(CostOptions());
  const std::string id = MustSubmit(GpuSpec()).record.job_id;
  controller_->RunOnceForTest();
  ASSERT_EQ(MustGet(id).record.state, JobState::kRunning);
  clock_.Advance(kHalfHour);
  controller_->RunOnceForTest();
  EXPECT_EQ(LedgerMicros(id), 1'000'000);  // 1 GPU x 0.5 h x $2.00

  StopService();
  executor_->SimulateRestart();
  clock_.Advance(kHalfHour);  // the attempt runs on while no server watches it
  StartService(CostOptions());
  controller_->RunOnceForTest();
  EXPECT_EQ(LedgerMicros(id), 2'000'000);
  controller_->RunOnceForTest();  // within the accrual interval: nothing new
  EXPECT_EQ(LedgerMicros(id), 2'000'000);

  clock_.Advance(kHalfHour);
  ASSERT_TRUE(executor_->Exit(id, 0).ok());
  ASSERT_TRUE(PassUntil(id, JobState::kSucceeded));
  StatusOr<std::vector<store::AttemptCost>> rows = store_->costs().ListAttemptCosts(id);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].cost_micros, 3'000'000);
  EXPECT_TRUE((*rows)[0].ended);
  EXPECT_EQ((*rows)[0].team, "default");
  EXPECT_EQ(*store_->costs().TeamComputeMicros("default", MonthOf(clock_.NowMillis())), 3'000'000);
  EXPECT_EQ(RunTag(MustGet(id).record.run_id, "inet.cost_usd"), "3.00");

  // A later restart changes nothing of an ended attempt.
  StopService();
  clock_.Advance(kHalfHour);
  StartService(CostOptions());
  controller_->RunOnceForTest();
  EXPECT_EQ(LedgerMicros(id), 3'000'000);
}

// A job whose cost reaches its --max-cost is stopped like a cancel, with the numbers.
TEST_F(JobCostTest, MaxCostStopsTheJob) {
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1});
  StartService(CostOptions());
  JobSpec spec = GpuSpec();
  spec.max_cost_usd = 1.5;
  spec.retries = 2;
  const std::string id = MustSubmit(spec).record.job_id;
  controller_->RunOnceForTest();
  clock_.Advance(kHalfHour);
  controller_->RunOnceForTest();
  EXPECT_TRUE(executor_->terminations().empty());  // $1.00 so far
  clock_.Advance(kHalfHour);
  controller_->RunOnceForTest();
  ASSERT_EQ(executor_->terminations().size(), 1u);
  EXPECT_EQ(executor_->terminations()[0].grace_seconds, 10);
  EXPECT_THAT(MustGet(id).record.reason,
              HasSubstr("cost $2.00 reached the job's --max-cost of $1.50; stopping it"));

  controller_->RunOnceForTest();  // the fake ended the attempt on SIGTERM
  JobView stopped = MustGet(id);
  EXPECT_EQ(stopped.record.state, JobState::kCancelled);  // not retried
  EXPECT_EQ(stopped.record.stop_reason, store::StopReason::kMaxCost);
  EXPECT_EQ(stopped.record.reason,
            "attempt 1 was stopped: cost $2.00 reached the job's --max-cost of $1.50");
  EXPECT_EQ(executor_->launches().size(), 1u);
  EXPECT_EQ(MustGetRun(stopped.record.run_id).info.status, store::RunStatus::kKilled);
  EXPECT_THAT(alerts_.texts, ElementsAre("Stopping job " + id +
                                         " of team default: cost $2.00 reached the job's "
                                         "--max-cost of $1.50"));
}

// Warnings at 50, 80 and 100% of the month's budget fire once each, as job events and alerts;
// a team past the hard ceiling has its jobs stopped, even though it allows overrun.
TEST_F(JobCostTest, BudgetWarningsFireOnceEachAndTheCeilingStopsTheJob) {
  ASSERT_TRUE(store_->costs()
                  .PutTeamBudget(store::TeamBudget{"default", 2'500'000, true, 0, "admin"})
                  .ok());
  UseExecutor(exec::FakeExecutorOptions{.gpus = 1});
  StartService(CostOptions(/*ceiling_percent=*/150));
  const std::string id = MustSubmit(GpuSpec()).record.job_id;
  controller_->RunOnceForTest();
  clock_.Advance(kHalfHour);
  controller_->RunOnceForTest();  // $1.00: 40%
  EXPECT_TRUE(alerts_.texts.empty());
  clock_.Advance(kHalfHour);
  controller_->RunOnceForTest();  // $2.00: 80%
  const std::string month = MonthOf(clock_.NowMillis());
  EXPECT_THAT(alerts_.texts,
              ElementsAre("Budget: $2.00 of $2.50 this month (80%): team default is past 50% "
                          "of its $2.50 budget for " +
                              month + " (warning at 50%)",
                          "Budget: $2.00 of $2.50 this month (80%): team default is past 80% "
                          "of its $2.50 budget for " +
                              month + " (warning at 80%)"));
  clock_.Advance(kHalfHour);
  controller_->RunOnceForTest();  // $3.00: 120%
  ASSERT_EQ(alerts_.texts.size(), 3u);
  EXPECT_THAT(alerts_.texts[2], StartsWith("Budget: $3.00 of $2.50 this month (120%): team "
                                           "default is past 100% of its $2.50 budget"));
  EXPECT_TRUE(executor_->terminations().empty());
  EXPECT_EQ(EventReasons(id, "(warning at").size(), 3u);

  clock_.Advance(kHalfHour);
  controller_->RunOnceForTest();  // $4.00: past the ceiling of $3.75
  ASSERT_EQ(executor_->terminations().size(), 1u);
  controller_->RunOnceForTest();
  JobView stopped = MustGet(id);
  EXPECT_EQ(stopped.record.state, JobState::kCancelled);
  EXPECT_EQ(stopped.record.stop_reason, store::StopReason::kBudgetCeiling);
  EXPECT_EQ(stopped.record.reason,
            "attempt 1 was stopped: team default has spent $4.00 in " + month +
                ", past the hard ceiling of $3.75 (150% of its $2.50 budget)");
  ASSERT_EQ(alerts_.texts.size(), 4u) << "no warning fires twice";
  EXPECT_EQ(alerts_.texts[3], "Stopping job " + id +
                                  " of team default: team default has spent $4.00 in " + month +
                                  ", past the hard ceiling of $3.75 (150% of its $2.50 budget)");
  EXPECT_EQ(EventReasons(id, "(warning at").size(), 3u);
}

// A submission whose worst case (resources x timeout x prices) exceeds what is left of the
// team's budget is refused with the numbers and what to do, unless the team allows overrun.
TEST_F(JobCostTest, SubmissionBeyondTheBudgetIsRejectedWithTheNumbers) {
  ASSERT_TRUE(store_->costs()
                  .PutTeamBudget(store::TeamBudget{"default", 100'000'000, false, 0, "admin"})
                  .ok());
  UseExecutor(exec::FakeExecutorOptions{.gpus = 8});
  StartService(CostOptions());
  // $60.00 of the $100.00 already spent this month.
  const std::string month = MonthOf(clock_.NowMillis());
  store::AttemptCost spent;
  spent.job_id = "earlier-abc123";
  spent.attempt = 1;
  spent.month = month;
  spent.team = "default";
  spent.cost_micros = 60'000'000;
  spent.accrued_until = clock_.NowMillis();
  ASSERT_TRUE(store_->costs().PutAttemptCost(spent).ok());

  JobSpec spec = GpuSpec();
  spec.resources.gpu = 8;
  spec.timeout_hours = 3;  // 8 x 3 h x $2.00 = $48.00 > $40.00
  StatusOr<JobView> refused = service_->Submit(alice_, spec);
  ASSERT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "worst case $48.00 (8 GPUs x 3 h x $2.00) exceeds the $40.00 left of default's "
            "$100.00 budget for " +
                month +
                "; lower --timeout-hours or --gpu, or ask a platform admin to raise the budget: "
                "inet platform team set default --monthly-budget USD");
  EXPECT_TRUE(executor_->launches().empty());

  spec.timeout_hours = 2.5;  // $40.00 fits exactly
  EXPECT_TRUE(service_->Submit(alice_, spec).ok());

  spec.timeout_hours = 24;
  ASSERT_TRUE(store_->costs()
                  .PutTeamBudget(store::TeamBudget{"default", 100'000'000, true, 0, "admin"})
                  .ok());
  EXPECT_TRUE(service_->Submit(alice_, spec).ok()) << "the team allows overrun";
}

}  // namespace
}  // namespace inet::jobs
