#include "store/testing/migration_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace inet::store::testing {

void FillBeforeTeams(MetadataStore& store) {
  Token admin{"tok-admin", "h-admin", "admin", true, 10, std::nullopt, "", "", std::nullopt};
  Token alice{"tok-alice", "h-alice", "alice", false, 20, std::nullopt, "", "", std::nullopt};
  Token attempt{"tok-attempt", "h-attempt",     "bob", false,       30,
                std::nullopt,  R"({"kind":1})", "",    std::nullopt};
  ASSERT_TRUE(store.tokens().CreateToken(admin).ok());
  ASSERT_TRUE(store.tokens().CreateToken(alice).ok());
  ASSERT_TRUE(store.tokens().CreateToken(attempt).ok());
  JobRecord job;
  job.job_id = "train-000001";
  job.name = "train";
  job.team = "default";
  job.user = "carol";
  job.priority_class = "batch";
  job.spec_json = "{}";
  job.created_at = 40;
  JobEvent event;
  event.reason = "submitted";
  event.timestamp = 40;
  ASSERT_TRUE(store.jobs().CreateJob(job, event).ok());
}

void ExpectMigratedToTeams(MetadataStore& store) {
  StatusOr<std::vector<User>> users = store.identity().ListUsers();
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  std::vector<std::string> names;
  for (const User& u : *users) names.push_back(u.name + (u.platform_admin ? "*" : ""));
  EXPECT_THAT(names, ::testing::ElementsAre("admin*", "alice", "carol"));
  StatusOr<std::vector<Membership>> members = store.identity().ListTeamMembers("default");
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  std::vector<std::string> member_names;
  for (const Membership& m : *members) member_names.push_back(m.user);
  EXPECT_THAT(member_names, ::testing::ElementsAre("admin", "alice", "carol"));
  EXPECT_EQ(store.identity().GetUser("alice")->created_at, 20);
}

namespace {

struct OldJob {
  std::string job_id;
  std::string spec_json;
  JobState state;
  std::string reason;
  Resources want_resources;
  StopReason want_stop_reason;
};

const std::vector<OldJob>& OldJobs() {
  constexpr int64_t kGi = int64_t{1} << 30;
  static const std::vector<OldJob> jobs = {
      {"run-000001", R"({"name":"run","resources":{"cpu":"500m","memory":"16Gi","gpu":2}})",
       JobState::kRunning, "attempt 1 started on GPUs 0,1", Resources{500, 16 * kGi, 2},
       StopReason::kNone},
      {"mlf-000001", R"({"name":"mlf","resources":{"cpu":"2","memory":"512Mi","gpu":0}})",
       JobState::kFailed,
       "attempt 1 failed: exited with code 1; the job's Python has no mlflow "
       "(ModuleNotFoundError: No module named 'mlflow'): start the server with --python",
       Resources{2000, int64_t{512} << 20, 0}, StopReason::kMissingMlflow},
      {"pre-000001", R"({"name":"pre","resources":{"cpu":"","memory":"","gpu":1}})",
       JobState::kQueued,
       "attempt 1 was preempted (by the cluster); re-queued without spending a retry",
       Resources{0, 0, 1}, StopReason::kPreempted},
      {"big-000001", R"({"name":"big","resources":{"cpu":"1","memory":"1Gi","gpu":8}})",
       JobState::kFailed, "can never start: requests 8 GPUs but this executor has 4",
       Resources{1000, kGi, 8}, StopReason::kNeverFits},
      {"slow-000001", R"({"name":"slow","resources":{"cpu":"1.5","memory":"1e9","gpu":0}})",
       JobState::kTimedOut, "attempt 1 exceeded the timeout of 1 h and was stopped",
       Resources{1500, 1'000'000'000, 0}, StopReason::kTimedOut},
      {"ok-000001", "{}", JobState::kSucceeded, "attempt 1 succeeded", Resources{},
       StopReason::kSucceeded},
  };
  return jobs;
}

}  // namespace

void FillBeforeTypedJobColumns(MetadataStore& store) {
  int64_t created_at = 100;
  for (const OldJob& old : OldJobs()) {
    JobRecord job;
    job.job_id = old.job_id;
    job.name = old.job_id.substr(0, old.job_id.find('-'));
    job.team = "default";
    job.user = "carol";
    job.priority_class = "batch";
    job.spec_json = old.spec_json;
    job.state = old.state;
    job.reason = old.reason;
    job.created_at = created_at++;
    JobEvent event;
    event.reason = "submitted";
    event.timestamp = job.created_at;
    ASSERT_TRUE(store.jobs().CreateJob(job, event).ok()) << job.job_id;
  }
}

void ExpectMigratedToTypedJobColumns(MetadataStore& store) {
  for (const OldJob& old : OldJobs()) {
    StatusOr<JobRecord> job = store.jobs().GetJob(old.job_id);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    EXPECT_EQ(job->resources, old.want_resources) << old.job_id;
    EXPECT_EQ(job->stop_reason, old.want_stop_reason)
        << old.job_id << ": " << StopReasonName(job->stop_reason);
    EXPECT_EQ(job->spec_json, old.spec_json);
    EXPECT_EQ(job->reason, old.reason);
  }
}

void FillBeforeQuotas(MetadataStore& store) {
  ASSERT_TRUE(store.identity().CreateTeam(Team{"nlp-team", 50}).ok());
  ASSERT_TRUE(store.identity().CreateUser(User{"alice", false, 60}).ok());
  ASSERT_TRUE(
      store.identity().PutMembership(Membership{"nlp-team", "alice", TeamRole::kMember, 70}).ok());
}

void ExpectMigratedToQuotas(MetadataStore& store) {
  EXPECT_EQ(store.quotas().GetTeamQuota("nlp-team").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.quotas().GetTeamQuota("default").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.identity().ListTeamMembers("nlp-team")->size(), 1u) << "the teams are kept";
  TeamQuota quota;
  quota.team = "nlp-team";
  quota.hard.gpus = 4;
  ASSERT_TRUE(store.quotas().PutTeamQuota(quota).ok());
  EXPECT_EQ(store.quotas().GetTeamQuota("nlp-team")->hard.gpus, 4);
}

void FillBeforeCosts(MetadataStore& store) {
  FillBeforeQuotas(store);
  JobRecord job;
  job.job_id = "train-abc123";
  job.name = "train";
  job.team = "nlp-team";
  job.user = "alice";
  job.priority_class = "batch";
  job.spec_json = R"({"name":"train","command":["python3","train.py"]})";
  job.state = JobState::kRunning;
  job.created_at = 80;
  job.updated_at = 80;
  JobEvent event;
  event.job_id = job.job_id;
  event.timestamp = 80;
  event.state = JobState::kRunning;
  event.reason = "running";
  ASSERT_TRUE(store.jobs().CreateJob(job, event).ok());
}

void ExpectMigratedToCosts(MetadataStore& store) {
  EXPECT_EQ(store.costs().GetTeamBudget("nlp-team").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store.costs().ListAttemptCosts("train-abc123")->empty());
  EXPECT_EQ(*store.costs().TeamComputeMicros("nlp-team", "2026-12"), 0);
  EXPECT_TRUE(store.jobs().GetJob("train-abc123").ok()) << "the jobs are kept";
  ASSERT_TRUE(
      store.costs().PutTeamBudget(TeamBudget{"nlp-team", 500'000'000, false, 1, "admin"}).ok());
  EXPECT_EQ(store.costs().GetTeamBudget("nlp-team")->monthly_micros, 500'000'000);
  AttemptCost cost;
  cost.job_id = "train-abc123";
  cost.attempt = 1;
  cost.month = "2026-12";
  cost.team = "nlp-team";
  cost.cost_micros = 1'250'000;
  cost.accrued_until = 90;
  ASSERT_TRUE(store.costs().PutAttemptCost(cost).ok());
  EXPECT_EQ(*store.costs().TeamComputeMicros("nlp-team", "2026-12"), 1'250'000);
  EXPECT_TRUE(*store.costs().MarkBudgetWarning("nlp-team", "2026-12", 50, 100));
}

}  // namespace inet::store::testing
