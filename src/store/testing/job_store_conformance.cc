#include "store/testing/job_store_conformance.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "store/testing/conformance_helpers.h"

namespace inet::store {

// How gtest shows a job record when a comparison fails: every field, by name.
void PrintTo(const JobRecord& j, std::ostream* os) {
  *os << "{job_id=" << j.job_id << " name=" << j.name << " team=" << j.team << " user=" << j.user
      << " priority_class=" << j.priority_class << " spec_json=" << j.spec_json
      << " resources={cpu_millis=" << j.resources.cpu_millis
      << " memory_bytes=" << j.resources.memory_bytes << " gpus=" << j.resources.gpus
      << "} state=" << JobStateName(j.state) << " reason=" << j.reason
      << " stop_reason=" << StopReasonName(j.stop_reason) << " attempt=" << j.attempt
      << " created_at=" << j.created_at << " updated_at=" << j.updated_at
      << " started_at=" << j.started_at << " finished_at=" << j.finished_at
      << " next_attempt_at=" << j.next_attempt_at << " cancel_requested=" << j.cancel_requested
      << " experiment_id=" << j.experiment_id << " run_id=" << j.run_id
      << " executor_state=" << j.executor_state << " result_json=" << j.result_json
      << " version=" << j.version << "}";
}

namespace testing {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

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
  j.resources = Resources{1500, int64_t{16} << 30, 2};
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

TEST_P(JobStoreConformanceTest, JobCreateGetAndDuplicate) {
  JobRecord job = MakeJobRecord("train-abc123", 1000);
  job.experiment_id = "0";
  job.run_id = "r1";
  job.version = 42;  // ignored: a new job starts at version 1
  ASSERT_OK(store().CreateJob(job, MakeJobEvent(JobState::kPending, 1000, "submitted")));
  // Every field is stored as given (the typed resources too), at version 1.
  JobRecord want = job;
  want.version = 1;
  EXPECT_EQ(ValueOrDie(store().GetJob("train-abc123")), want);
  Page<JobRecord> listed = ValueOrDie(store().ListJobs(JobQuery{}));
  ASSERT_EQ(listed.items.size(), 1u);
  EXPECT_EQ(listed.items[0], want);

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

TEST_P(JobStoreConformanceTest, JobUpdateChecksVersion) {
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
  next.stop_reason = StopReason::kPreempted;
  JobRecord want = next;
  want.version = 2;
  next.name = "renamed";
  next.team = "other";
  next.user = "mallory";
  next.priority_class = "interactive";
  next.spec_json = "{}";
  next.resources = Resources{1, 2, 3};
  next.created_at = 5;
  EXPECT_EQ(ValueOrDie(store().UpdateJob(next, std::nullopt)), 2);
  EXPECT_EQ(ValueOrDie(store().GetJob(job.job_id)), want);

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

TEST_P(JobStoreConformanceTest, JobEventsAreAppendedInSeqOrder) {
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

TEST_P(JobStoreConformanceTest, JobAllStatesRoundTrip) {
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

TEST_P(JobStoreConformanceTest, JobAllStopReasonsRoundTrip) {
  const std::vector<StopReason> reasons = {
      StopReason::kNone,          StopReason::kSucceeded,   StopReason::kFailed,
      StopReason::kKilled,        StopReason::kOutOfMemory, StopReason::kLost,
      StopReason::kTimedOut,      StopReason::kCancelled,   StopReason::kPreempted,
      StopReason::kMissingMlflow, StopReason::kNeverFits,   StopReason::kLaunchFailed};
  JobRecord created = MakeJobRecord("stop-created", 1000);
  created.stop_reason = StopReason::kNeverFits;
  ASSERT_OK(store().CreateJob(created, MakeJobEvent(JobState::kPending, 1000, "")));
  EXPECT_EQ(ValueOrDie(store().GetJob(created.job_id)).stop_reason, StopReason::kNeverFits);
  JobRecord cur = ValueOrDie(store().GetJob(created.job_id));
  for (StopReason r : reasons) {
    cur.stop_reason = r;
    cur.version = ValueOrDie(store().UpdateJob(cur, std::nullopt));
    EXPECT_EQ(ValueOrDie(store().GetJob(cur.job_id)).stop_reason, r) << StopReasonName(r);
  }
}

TEST_P(JobStoreConformanceTest, ListJobsFiltersOrderAndPaging) {
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

TEST_P(JobStoreConformanceTest, ConcurrentJobUpdatesHaveOneWinnerPerVersion) {
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

TEST_P(JobStoreConformanceTest, ConcurrentJobCreatesOfOneIdHaveOneWinner) {
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

}  // namespace testing
}  // namespace inet::store
