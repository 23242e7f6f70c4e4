#include "exec/local/supervisor_protocol.h"

#include <gtest/gtest.h>

namespace inet::exec::local {
namespace {

TEST(SupervisorProtocolTest, AttemptSpecRoundTrips) {
  AttemptSpec spec;
  spec.job_id = "train-abc123";
  spec.attempt = 2;
  spec.program = "/usr/bin/python3";
  spec.argv = {"python3", "train.py", "--epochs", "3"};
  spec.process_env = {{"A=1", "RANK=0"}, {"A=1", "RANK=1"}};
  spec.cwd = "/data/jobs/train-abc123/code";
  spec.log_path = "/data/jobs/train-abc123/job.log";
  spec.exit_path = "/data/jobs/train-abc123/attempt-2.exit";
  spec.rlimit_as_bytes = 512LL << 20;
  spec.memory_limit_bytes = 512LL << 20;
  spec.default_grace_seconds = 7;
  spec.gang_grace_seconds = 3;
  spec.rlimit_nproc = 100;
  spec.rlimit_fsize_bytes = 1LL << 30;
  spec.max_log_bytes = 1LL << 20;
  spec.run_as_uid = 999;
  spec.run_as_gid = 998;
  spec.drop_capabilities = true;
  spec.landlock_hidden = {"/data"};
  spec.landlock_allowed = {"/data/jobs/train-abc123/code", "/data/jobs/train-abc123/tmp"};
  auto parsed = AttemptSpecFromJson(AttemptSpecToJson(spec));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->job_id, spec.job_id);
  EXPECT_EQ(parsed->attempt, 2);
  EXPECT_EQ(parsed->argv, spec.argv);
  EXPECT_EQ(parsed->process_env, spec.process_env);
  EXPECT_EQ(parsed->rlimit_as_bytes, spec.rlimit_as_bytes);
  EXPECT_EQ(parsed->default_grace_seconds, 7);
  EXPECT_EQ(parsed->gang_grace_seconds, 3);
  EXPECT_EQ(parsed->rlimit_nproc, 100);
  EXPECT_EQ(parsed->rlimit_fsize_bytes, 1LL << 30);
  EXPECT_EQ(parsed->max_log_bytes, 1LL << 20);
  EXPECT_EQ(parsed->run_as_uid, 999);
  EXPECT_EQ(parsed->run_as_gid, 998);
  EXPECT_TRUE(parsed->drop_capabilities);
  EXPECT_EQ(parsed->landlock_hidden, spec.landlock_hidden);
  EXPECT_EQ(parsed->landlock_allowed, spec.landlock_allowed);
}

TEST(SupervisorProtocolTest, RejectsMalformedSpecs) {
  EXPECT_EQ(AttemptSpecFromJson("not json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AttemptSpecFromJson("{}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AttemptSpecFromJson("[1]").status().code(), StatusCode::kInvalidArgument);
}

TEST(SupervisorProtocolTest, HandshakeAndExitRecordRoundTrip) {
  Handshake h;
  h.ok = true;
  h.supervisor_pid = 42;
  h.pgid = 43;
  h.pids = {43, 44};
  h.leader_start_time = 123456789;
  auto parsed = HandshakeFromJson(HandshakeToJson(h));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->ok);
  EXPECT_EQ(parsed->pids, h.pids);
  EXPECT_EQ(parsed->leader_start_time, h.leader_start_time);

  ExitRecord r{3, 0, true, "exited with code 3", 1700000000000};
  auto record = ExitRecordFromJson(ExitRecordToJson(r));
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->exit_code, 3);
  EXPECT_TRUE(record->oom_killed);
  EXPECT_EQ(record->message, r.message);
  EXPECT_EQ(record->finished_at_millis, r.finished_at_millis);
}

}  // namespace
}  // namespace inet::exec::local
