#include "exec/testing/fake_executor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "artifacts/testing/in_memory_artifact_store.h"

namespace inet::exec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

LaunchRequest Request(std::string job, int attempt, int gpus = 0) {
  LaunchRequest r;
  r.job_id = std::move(job);
  r.attempt = attempt;
  r.argv = {"python3", "train.py"};
  r.env = {{"K", "V"}};
  r.resources.gpus = gpus;
  r.resources.memory_bytes = 512LL << 20;
  return r;
}

std::string Drain(ByteSource& source) {
  StatusOr<std::string> all = ReadAll(source, 1 << 20);
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return all.ok() ? *all : "";
}

TEST(FakeExecutorTest, LaunchRecordsAndExitIsPolled) {
  FakeExecutor executor;
  StatusOr<Execution> e = executor.Launch(Request("job-a", 1));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(executor.launches().size(), 1u);
  EXPECT_EQ(executor.LastLaunch("job-a")->env.at("K"), "V");
  EXPECT_TRUE(executor.IsRunning("job-a"));
  StatusOr<ExecutionStatus> s = executor.Poll(*e);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->finished());

  ASSERT_TRUE(executor.Exit("job-a", 3).ok());
  s = executor.Poll(*e);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->finished());
  EXPECT_EQ(s->exit_code, 3);
  EXPECT_EQ(s->message, "exited with code 3");
  EXPECT_FALSE(executor.IsRunning("job-a"));
  EXPECT_EQ(executor.Exit("job-a", 0).code(), StatusCode::kNotFound);
}

TEST(FakeExecutorTest, GpusAreExclusiveAndReleased) {
  FakeExecutor executor(FakeExecutorOptions{.gpus = 2});
  StatusOr<Execution> a = executor.Launch(Request("a", 1, 1));
  StatusOr<Execution> b = executor.Launch(Request("b", 1, 1));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(a->gpu_indices, ElementsAre(0));
  EXPECT_THAT(b->gpu_indices, ElementsAre(1));
  EXPECT_EQ(executor.Launch(Request("c", 1, 1)).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(executor.Launch(Request("d", 1, 3)).status().code(), StatusCode::kInvalidArgument);

  ASSERT_TRUE(executor.Exit("a", 0).ok());
  EXPECT_EQ(executor.FreeGpus(), 0);  // finished but not released: still held
  ASSERT_TRUE(executor.Release(*a).ok());
  ASSERT_TRUE(executor.Release(*a).ok());  // idempotent
  EXPECT_EQ(executor.FreeGpus(), 1);
  StatusOr<Execution> c = executor.Launch(Request("c", 1, 1));
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(c->gpu_indices, ElementsAre(0));
}

TEST(FakeExecutorTest, TerminateEndsAttemptOrOnlyRecords) {
  FakeExecutor executor;
  StatusOr<Execution> e = executor.Launch(Request("a", 1));
  ASSERT_TRUE(executor.Terminate(*e, 7).ok());
  ASSERT_EQ(executor.terminations().size(), 1u);
  EXPECT_EQ(executor.terminations()[0].grace_seconds, 7);
  EXPECT_EQ(executor.Poll(*e)->signal, 15);

  FakeExecutor stubborn(FakeExecutorOptions{.exit_on_terminate = false});
  e = stubborn.Launch(Request("a", 1));
  ASSERT_TRUE(stubborn.Terminate(*e, 7).ok());
  EXPECT_FALSE(stubborn.Poll(*e)->finished());
  ASSERT_TRUE(stubborn.Exit("a", 0, 9).ok());
  EXPECT_EQ(stubborn.Poll(*e)->signal, 9);
}

TEST(FakeExecutorTest, OomAndVanish) {
  FakeExecutor executor;
  StatusOr<Execution> e = executor.Launch(Request("a", 1));
  ASSERT_TRUE(executor.OomKill("a").ok());
  EXPECT_EQ(executor.Poll(*e)->end, ExecutionEnd::kOutOfMemory);
  EXPECT_THAT(executor.Poll(*e)->message, HasSubstr("512Mi"));

  e = executor.Launch(Request("a", 2));
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(executor.Vanish("a").ok());
  EXPECT_EQ(executor.Poll(*e)->end, ExecutionEnd::kLost);
}

TEST(FakeExecutorTest, ReattachRetakesGpusAfterRestart) {
  FakeExecutor executor(FakeExecutorOptions{.gpus = 1});
  StatusOr<Execution> e = executor.Launch(Request("a", 1, 1));
  ASSERT_TRUE(e.ok());
  executor.SimulateRestart();
  EXPECT_EQ(executor.FreeGpus(), 1);
  StatusOr<Execution> again = executor.Reattach("a", e->state);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->attempt, 1);
  EXPECT_THAT(again->gpu_indices, ElementsAre(0));
  EXPECT_EQ(executor.FreeGpus(), 0);
  EXPECT_FALSE(executor.Poll(*again)->finished());

  // An attempt the executor never heard of polls as lost.
  StatusOr<Execution> unknown = executor.Reattach("b", R"({"job_id":"b","attempt":2,"gpus":[]})");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(executor.Poll(*unknown)->end, ExecutionEnd::kLost);
  EXPECT_EQ(executor.Reattach("b", "not json").status().code(), StatusCode::kInvalidArgument);
  executor.FailNextReattach(InternalError("boom"));
  EXPECT_EQ(executor.Reattach("a", e->state).status().code(), StatusCode::kInternal);
}

TEST(FakeExecutorTest, LogsOutputsAndCodeSnapshot) {
  artifacts::InMemoryArtifactStore artifacts;
  StringByteSource code("code bytes");
  ASSERT_TRUE(artifacts.Put("snapshots/snap-1.tar.gz", code).ok());
  FakeExecutor executor({}, &artifacts);
  EXPECT_EQ(executor.OpenLog("a", 0).status().code(), StatusCode::kNotFound);
  LaunchRequest r = Request("a", 1);
  r.code_snapshot_key = "snapshots/snap-1.tar.gz";
  StatusOr<Execution> e = executor.Launch(r);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(executor.CodeArchiveAt("a", 1), "code bytes");
  // A key that names nothing is the snapshot's kNotFound.
  LaunchRequest missing_code = Request("b", 1);
  missing_code.code_snapshot_key = "snapshots/gone.tar.gz";
  EXPECT_EQ(executor.Launch(missing_code).status().code(), StatusCode::kNotFound);

  executor.AppendLog("a", "hello\n");
  EXPECT_EQ(*executor.LogSize("a"),
            static_cast<int64_t>(std::string("==> attempt 1 started <==\nhello\n").size()));
  StatusOr<std::unique_ptr<ByteSource>> log = executor.OpenLog("a", 26);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(Drain(**log), "hello\n");

  executor.WriteOutput("a", "model.pt", "weights");
  StatusOr<std::vector<OutputFile>> files = executor.CollectOutputs(*e, {{"model.pt", "model.pt"}});
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].size, 7);
  StatusOr<std::vector<OutputFile>> missing =
      executor.CollectOutputs(*e, {{"model.pt", "model.pt"}, {"eval.json", "eval.json"}});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("'eval.json'"));

  executor.DropLog("a");
  EXPECT_EQ(executor.LogSize("a").status().code(), StatusCode::kNotFound);
}

TEST(FakeExecutorTest, FailNextLaunchFailsOnce) {
  FakeExecutor executor;
  executor.FailNextLaunch(InvalidArgumentError("program 'pythn' not found on PATH"));
  EXPECT_EQ(executor.Launch(Request("a", 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(executor.Launch(Request("a", 1)).ok());
  EXPECT_TRUE(executor.WaitForLaunches(1, std::chrono::milliseconds(1)));
  EXPECT_FALSE(executor.WaitForLaunches(2, std::chrono::milliseconds(1)));
}

TEST(FakeExecutorTest, PendingUntilStartedAndPreempted) {
  FakeExecutor executor(FakeExecutorOptions{.gpus = 1, .launch_pending = true});
  StatusOr<Execution> e = executor.Launch(Request("a", 1, 1));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(executor.Poll(*e)->phase, ExecutionPhase::kPending);
  EXPECT_EQ(executor.HeldGpus("a"), std::vector<int>{0});  // a pending attempt holds its request
  ASSERT_TRUE(executor.StartRunning("a").ok());
  EXPECT_EQ(executor.Poll(*e)->phase, ExecutionPhase::kRunning);
  EXPECT_EQ(executor.StartRunning("a").code(), StatusCode::kNotFound);
  ASSERT_TRUE(executor.Preempt("a").ok());
  StatusOr<ExecutionStatus> s = executor.Poll(*e);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->finished());
  EXPECT_EQ(s->end, ExecutionEnd::kPreempted);
  EXPECT_FALSE(s->succeeded());
  EXPECT_EQ(executor.FreeGpus(), 1);
}

TEST(FakeExecutorTest, PollAllAnswersEachExecutionInOrder) {
  FakeExecutor executor;
  StatusOr<Execution> a = executor.Launch(Request("a", 1));
  StatusOr<Execution> b = executor.Launch(Request("b", 1));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(executor.Exit("b", 3).ok());
  Execution unknown = *a;
  unknown.job_id = "nobody";
  std::vector<StatusOr<ExecutionStatus>> all = executor.PollAll({*a, *b, unknown});
  ASSERT_EQ(all.size(), 3u);
  ASSERT_TRUE(all[0].ok());
  EXPECT_EQ(all[0]->phase, ExecutionPhase::kRunning);
  ASSERT_TRUE(all[1].ok());
  EXPECT_EQ(all[1]->end, ExecutionEnd::kExited);
  EXPECT_EQ(all[1]->exit_code, 3);
  EXPECT_EQ(all[2].status().code(), StatusCode::kNotFound);
  EXPECT_EQ(executor.poll_all_calls(), 1);
  // Secrets are recorded apart from the environment.
  LaunchRequest with_secret = Request("c", 1);
  with_secret.secrets = {{"INET_TOKEN", "t0ken"}};
  ASSERT_TRUE(executor.Launch(with_secret).ok());
  EXPECT_EQ(executor.LastLaunch("c")->secrets.at("INET_TOKEN"), "t0ken");
  EXPECT_EQ(executor.LastLaunch("c")->env.count("INET_TOKEN"), 0u);
}

}  // namespace
}  // namespace inet::exec
