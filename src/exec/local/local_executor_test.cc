#include "exec/local/local_executor.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "archive/archive.h"
#include "artifacts/testing/in_memory_artifact_store.h"
#include "exec/local/landlock.h"
#include "exec/local/os.h"

namespace inet::exec::local {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr auto kDeadline = std::chrono::seconds(60);

class LocalExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/inet-exec-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    root_ = dir_ + "/jobs";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  LocalExecutorOptions Options(int gpus = 0) {
    LocalExecutorOptions options;
    options.root = root_;
    options.supervisor_command = {INET_TEST_SUPERVISOR, "__supervise"};
    options.gpu_count = gpus;
    options.use_cgroups = false;
    return options;
  }

  // Stores the archive at `path` as a code snapshot; returns its key.
  std::string PutSnapshot(const std::string& path, const std::string& key) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    StringByteSource body(std::move(bytes));
    EXPECT_TRUE(artifacts_.Put(key, body).ok());
    return key;
  }

  std::unique_ptr<LocalExecutor> Make(int gpus = 0) {
    auto executor = LocalExecutor::Create(Options(gpus), artifacts_);
    EXPECT_TRUE(executor.ok()) << executor.status().ToString();
    return executor.ok() ? std::move(*executor) : nullptr;
  }

  static LaunchRequest Shell(const std::string& job_id, const std::string& script) {
    LaunchRequest request;
    request.job_id = job_id;
    request.argv = {"sh", "-c", script};
    return request;
  }

  // Polls until the attempt finishes (a deadline, not a fixed sleep).
  static ExecutionStatus WaitFinished(Executor& executor, const Execution& execution) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
      auto status = executor.Poll(execution);
      EXPECT_TRUE(status.ok()) << status.status().ToString();
      if (!status.ok() || status->finished()) return status.ok() ? *status : ExecutionStatus{};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "attempt did not finish within the deadline";
    return {};
  }

  static std::string Log(Executor& executor, const std::string& job_id, int64_t offset = 0) {
    auto source = executor.OpenLog(job_id, offset);
    if (!source.ok()) return "<" + source.status().ToString() + ">";
    auto text = ReadAll(**source, 1 << 20);
    return text.ok() ? *text : "<" + text.status().ToString() + ">";
  }

  // Waits until the job's log contains `needle`.
  static bool WaitForLog(Executor& executor, const std::string& job_id, const std::string& needle) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Log(executor, job_id).find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  static bool WaitForProcessGone(int pid) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ProcessAlive(pid, 0)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  static int64_t StateInt(const Execution& execution, const char* key) {
    return boost::json::parse(execution.state).as_object().at(key).to_number<int64_t>();
  }

  std::string JobDir(const std::string& job_id) {
    return fs::canonical(root_).string() + "/" + job_id;
  }

  static int ReadPid(const std::string& path) {
    std::ifstream in(path);
    int pid = 0;
    in >> pid;
    return pid;
  }

  std::string dir_;
  std::string root_;
  artifacts::InMemoryArtifactStore artifacts_;
};

TEST_F(LocalExecutorTest, ReportsExitCodes) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto ok = executor->Launch(Shell("ok-1", "echo hello"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ExecutionStatus status = WaitFinished(*executor, *ok);
  EXPECT_TRUE(status.finished());
  EXPECT_EQ(status.end, ExecutionEnd::kExited);
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_EQ(status.signal, 0);
  EXPECT_EQ(status.message, "exited with code 0");

  auto three = executor->Launch(Shell("three-1", "exit 3"));
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  status = WaitFinished(*executor, *three);
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_EQ(status.message, "exited with code 3");

  auto killed = executor->Launch(Shell("killed-1", "kill -KILL $$"));
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  status = WaitFinished(*executor, *killed);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_EQ(status.exit_code, 128 + SIGKILL);
  EXPECT_THAT(status.message, HasSubstr("SIGKILL"));
  EXPECT_NE(status.end, ExecutionEnd::kOutOfMemory);
}

TEST_F(LocalExecutorTest, CapturesOutputWithAttemptMarkers) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto execution = executor->Launch(Shell("log-1", "echo to-stdout; echo to-stderr >&2"));
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  WaitFinished(*executor, *execution);
  std::string log = Log(*executor, "log-1");
  EXPECT_THAT(log, HasSubstr("==> attempt 1 started at "));
  EXPECT_THAT(log, HasSubstr("to-stdout\n"));
  EXPECT_THAT(log, HasSubstr("to-stderr\n"));
  EXPECT_THAT(log, HasSubstr("==> attempt 1 finished at "));
  auto size = executor->LogSize("log-1");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, static_cast<int64_t>(log.size()));
  EXPECT_EQ(Log(*executor, "log-1", 5), log.substr(5));
  EXPECT_EQ(Log(*executor, "log-1", *size + 100), "");
  EXPECT_EQ(executor->OpenLog("never-ran", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(executor->LogSize("never-ran").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(executor->OpenLog("log-1", -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(executor->OpenLog("../etc", 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalExecutorTest, InjectsTheEnvironment) {
  // The server's secrets stay with the server: only allow-listed variables are inherited.
  setenv("INET_EXEC_TEST_FROM_SERVER", "secret", 1);
  setenv("INET_ADMIN_TOKEN", "admin-secret", 1);
  setenv("LC_EXEC_TEST", "inherited", 1);
  auto executor = Make();
  unsetenv("INET_EXEC_TEST_FROM_SERVER");
  unsetenv("INET_ADMIN_TOKEN");
  unsetenv("LC_EXEC_TEST");
  ASSERT_NE(executor, nullptr);
  LaunchRequest request =
      Shell("env-1",
            "echo \"FOO=$FOO SERVER=[$INET_EXEC_TEST_FROM_SERVER$INET_ADMIN_TOKEN] "
            "LC=$LC_EXEC_TEST OUT=$INET_OUTPUT_DIR "
            "CKPT=$INET_CHECKPOINT_DIR ATTEMPT=$INET_ATTEMPT CVD=[$CUDA_VISIBLE_DEVICES] "
            "PYU=$PYTHONUNBUFFERED TMP=$TMPDIR PWD=$(pwd)\"; env | grep -c secret; exit 0");
  request.env = {{"FOO", "bar baz"}};
  request.attempt = 2;
  auto execution = executor->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *execution).exit_code, 0);
  const std::string dir = JobDir("env-1");
  EXPECT_EQ(execution->output_dir, dir + "/outputs");
  std::string log = Log(*executor, "env-1");
  EXPECT_THAT(log, HasSubstr("FOO=bar baz SERVER=[] LC=inherited OUT=" + dir + "/outputs CKPT=" +
                             dir + "/checkpoints ATTEMPT=2 CVD=[] PYU=1 TMP=" + dir +
                             "/tmp PWD=" + dir + "/code\n0\n"));
}

TEST_F(LocalExecutorTest, PutsThePathPrefixFirst) {
  const std::string bin = dir_ + "/venv/bin";
  fs::create_directories(bin);
  std::ofstream(bin + "/pip") << "#!/bin/sh\necho venv pip\n";
  fs::permissions(bin + "/pip", fs::perms::owner_all);
  LocalExecutorOptions options = Options();
  options.path_prefix = {bin};
  auto executor = LocalExecutor::Create(options, artifacts_);
  ASSERT_TRUE(executor.ok()) << executor.status().ToString();
  LaunchRequest request;
  request.job_id = "path-1";
  request.argv = {"pip"};
  auto execution = (*executor)->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(**executor, *execution).exit_code, 0);
  EXPECT_THAT(Log(**executor, "path-1"), HasSubstr("venv pip\n"));
}

// The attempt's token reaches the job through its environment only: the spec file beside the
// workspace is private and shows no secret.
TEST_F(LocalExecutorTest, KeepsSecretsOutOfTheSpecFile) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  LaunchRequest request = Shell("spec-1", "echo token=$MLFLOW_TRACKING_TOKEN");
  request.env = {{"MLFLOW_TRACKING_TOKEN", "attempt-token-123"}, {"PLAIN", "visible"}};
  auto execution = executor->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *execution).exit_code, 0);
  EXPECT_THAT(Log(*executor, "spec-1"), HasSubstr("token=attempt-token-123\n"));
  const std::string dir = JobDir("spec-1");
  for (const char* name : {"/attempt-1.spec.json", "/attempt-1.exit", "/job.log"}) {
    struct stat st {};
    ASSERT_EQ(stat((dir + name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto spec = ReadFile(dir + "/attempt-1.spec.json");
  ASSERT_TRUE(spec.ok());
  EXPECT_THAT(*spec, Not(HasSubstr("attempt-token-123")));
  EXPECT_THAT(*spec, HasSubstr("MLFLOW_TRACKING_TOKEN=<redacted>"));
  EXPECT_THAT(*spec, HasSubstr("PLAIN=visible"));
}

// A secret reaches the job's environment and nothing else: no file under the data directory
// (spec, state, exit record, log) and not the execution's state holds it.
TEST_F(LocalExecutorTest, DeliversSecretsOnlyToTheJob) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  const std::string secret = "s3cr3t-value-8c41f07";
  // The job proves it got the value without printing it: its length and first six characters.
  LaunchRequest request =
      Shell("secret-1", "echo len=${#ATTEMPT_CREDS} head=$(echo $ATTEMPT_CREDS | cut -c1-6)");
  request.secrets = {{"ATTEMPT_CREDS", secret}};
  request.env = {{"ATTEMPT_CREDS", "overridden-by-the-secret"}, {"PLAIN", "visible"}};
  auto execution = executor->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *execution).exit_code, 0);
  EXPECT_THAT(Log(*executor, "secret-1"),
              HasSubstr("len=" + std::to_string(secret.size()) + " head=s3cr3t\n"));
  EXPECT_THAT(execution->state, Not(HasSubstr(secret)));
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string contents((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    EXPECT_THAT(contents, Not(HasSubstr(secret))) << entry.path();
  }
  EXPECT_GE(files, 4);  // spec, state, exit record and log at least
  auto spec = ReadFile(JobDir("secret-1") + "/attempt-1.spec.json");
  ASSERT_TRUE(spec.ok());
  EXPECT_THAT(*spec, HasSubstr("ATTEMPT_CREDS=<redacted>"));  // named as no credential, yet hidden
  EXPECT_THAT(*spec, HasSubstr("PLAIN=visible"));
}

TEST_F(LocalExecutorTest, LimitsProcessesAndFileSizes) {
  LocalExecutorOptions options = Options();
  options.max_processes = 77;
  options.max_file_bytes = 1 << 20;
  auto executor = LocalExecutor::Create(options, artifacts_);
  ASSERT_TRUE(executor.ok()) << executor.status().ToString();
  EXPECT_THAT((*executor)->node_pools().front().isolation, HasSubstr("at most 77 processes"));
  auto limits = (*executor)->Launch(Shell("limits-1", "cat /proc/self/limits"));
  ASSERT_TRUE(limits.ok()) << limits.status().ToString();
  EXPECT_EQ(WaitFinished(**executor, *limits).exit_code, 0);
  EXPECT_THAT(Log(**executor, "limits-1"), ContainsRegex("Max processes +77 +77"));
  EXPECT_THAT(Log(**executor, "limits-1"), ContainsRegex("Max file size +1048576 +1048576"));

  auto big = (*executor)->Launch(Shell("limits-2", "head -c 2000000 /dev/zero > big.bin"));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  ExecutionStatus status = WaitFinished(**executor, *big);
  EXPECT_NE(status.exit_code, 0);
  EXPECT_LE(fs::file_size(JobDir("limits-2") + "/code/big.bin"), 1u << 20);
}

TEST_F(LocalExecutorTest, CapsTheLog) {
  LocalExecutorOptions options = Options();
  options.max_log_bytes = 1 << 20;
  auto executor = LocalExecutor::Create(options, artifacts_);
  ASSERT_TRUE(executor.ok()) << executor.status().ToString();
  // `yes` would write forever; head bounds the test, the cap bounds the log.
  auto execution = (*executor)->Launch(Shell("spam-1", "yes spam | head -c 5000000; echo done"));
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(**executor, *execution).exit_code, 0);
  auto size = (*executor)->LogSize("spam-1");
  ASSERT_TRUE(size.ok());
  EXPECT_LT(*size, (1 << 20) + 1024);  // the cap plus the marker lines
  std::string log = Log(**executor, "spam-1", *size - 2048);
  EXPECT_THAT(log, HasSubstr("\n==> log truncated: the job log reached its limit of 1.0 MiB"));
  EXPECT_THAT(log, HasSubstr("==> attempt 1 finished at "));
  EXPECT_THAT(log, Not(HasSubstr("done\n")));
}

// Landlock hides the root (other jobs) and the hidden paths (the data directory) from a job
// running as the server's own user; its own workspace stays usable.
TEST_F(LocalExecutorTest, HidesTheDataDirectoryWithLandlock) {
  if (LandlockAbi() == 0) GTEST_SKIP() << "this kernel has no Landlock";
  const std::string data = dir_ + "/data";
  fs::create_directories(data);
  std::ofstream(data + "/admin-token") << "admin-secret\n";
  LocalExecutorOptions options = Options();
  options.hidden_paths = {data};
  auto executor = LocalExecutor::Create(options, artifacts_);
  ASSERT_TRUE(executor.ok()) << executor.status().ToString();
  EXPECT_THAT((*executor)->node_pools().front().isolation, HasSubstr("landlock ABI"));
  auto other = (*executor)->Launch(Shell("other-1", "echo other-job-secret > mine.txt"));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(WaitFinished(**executor, *other).exit_code, 0);

  auto probe = (*executor)->Launch(
      Shell("probe-1", "cat " + data + "/admin-token || echo no-token; echo x > " + data +
                           "/planted || echo no-write; cat " + JobDir("other-1") +
                           "/code/mine.txt || echo no-other; echo ok > \"$INET_OUTPUT_DIR/o\" && "
                           "echo t > \"$TMPDIR/t\" && cat \"$INET_OUTPUT_DIR/o\" /etc/hostname "
                           ">/dev/null && echo workspace-ok"));
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  EXPECT_EQ(WaitFinished(**executor, *probe).exit_code, 0);
  std::string log = Log(**executor, "probe-1");
  EXPECT_THAT(log, Not(HasSubstr("admin-secret")));
  EXPECT_THAT(log, Not(HasSubstr("other-job-secret")));
  EXPECT_THAT(log, HasSubstr("no-token\n"));
  EXPECT_THAT(log, HasSubstr("no-write\n"));
  EXPECT_THAT(log, HasSubstr("no-other\n"));
  EXPECT_THAT(log, HasSubstr("workspace-ok\n"));
  EXPECT_FALSE(fs::exists(data + "/planted"));
}

// Without a job user, a root server's jobs keep uid 0 but lose every capability, so neither
// Landlock nor the permissions of the server's files can be overridden, and the server's and
// supervisor's /proc/<pid>/environ (not dumpable) stay closed.
TEST_F(LocalExecutorTest, JobsOfARootServerHaveNoCapabilities) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto execution = executor->Launch(
      Shell("caps-1",
            "grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; "
            "cat /proc/$PPID/environ > /dev/null 2>&1 || echo no-supervisor-environ"));
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *execution).exit_code, 0);
  std::string log = Log(*executor, "caps-1");
  EXPECT_THAT(log, HasSubstr("CapPrm:\t0000000000000000\n"));
  EXPECT_THAT(log, HasSubstr("CapEff:\t0000000000000000\n"));
  EXPECT_THAT(log, HasSubstr("CapBnd:\t0000000000000000\n"));
  EXPECT_THAT(log, HasSubstr("no-supervisor-environ\n"));
}

// A job that kills its own supervisor must not leave processes behind: inside Landlock (ABI 6)
// it cannot signal the supervisor at all, so the attempt ends normally and every descendant,
// even one in its own session, is reaped.
TEST_F(LocalExecutorTest, AJobCannotKillItsSupervisor) {
  if (LandlockAbi() < 6) GTEST_SKIP() << "needs Landlock ABI 6 (signal scoping)";
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto execution =
      executor->Launch(Shell("killer-1", "setsid sleep 1000 & echo $! > bg.pid; kill -9 " +
                                             std::string("$(awk '{print $4}' /proc/$$/stat)") +
                                             " && echo killed || echo refused; exit 0"));
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  ExecutionStatus status = WaitFinished(*executor, *execution);
  EXPECT_NE(status.end, ExecutionEnd::kLost) << status.message;
  EXPECT_THAT(Log(*executor, "killer-1"), HasSubstr("refused\n"));
  int pid = ReadPid(JobDir("killer-1") + "/code/bg.pid");
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(WaitForProcessGone(pid)) << "pid " << pid << " outlived the job";
}

// The server blocks SIGTERM/SIGINT, ignores SIGPIPE and holds descriptors (its listening
// socket) without O_CLOEXEC; none of that may reach a job.
TEST_F(LocalExecutorTest, JobsStartWithCleanSignalsAndDescriptors) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  sigset_t blocked, previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &blocked, &previous), 0);
  auto* previous_pipe = signal(SIGPIPE, SIG_IGN);
  int leaked = open("/etc/hostname", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaked, 0);
  auto execution = executor->Launch(
      Shell("clean-1", "grep -E '^Sig(Blk|Ign)' /proc/self/status; ls -l /proc/self/fd"));
  close(leaked);
  signal(SIGPIPE, previous_pipe);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *execution).exit_code, 0);
  std::string log = Log(*executor, "clean-1");
  EXPECT_THAT(log, HasSubstr("SigBlk:\t0000000000000000\n"));
  EXPECT_THAT(log, HasSubstr("SigIgn:\t0000000000000000\n"));
  EXPECT_THAT(log, Not(HasSubstr("/etc/hostname")));
  // stdin, stdout/stderr (the supervisor's log relay) and ls's own directory (3); the
  // handshake and spec descriptors stay with the supervisor.
  EXPECT_THAT(log, ContainsRegex(" 1 -> pipe:"));
  EXPECT_THAT(log, Not(ContainsRegex(" 3 -> (pipe|socket):")));
  EXPECT_THAT(log, Not(ContainsRegex(" [4-9] -> ")));
}

TEST_F(LocalExecutorTest, KeepsCodeAndCheckpointsAcrossAttempts) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  // Attempt 1 leaves a file in the code directory and a checkpoint, then fails.
  LaunchRequest first = Shell("retry-1",
                              "echo scratch > scratch.txt; echo step-5 > "
                              "\"$INET_CHECKPOINT_DIR/ckpt\"; exit 1");
  auto one = executor->Launch(first);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *one).exit_code, 1);
  ASSERT_TRUE(executor->Release(*one).ok());

  LaunchRequest second =
      Shell("retry-1", "echo resumed from $(cat \"$INET_CHECKPOINT_DIR/ckpt\") $(cat scratch.txt)");
  second.attempt = 2;
  auto two = executor->Launch(second);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *two).exit_code, 0);
  std::string log = Log(*executor, "retry-1");
  EXPECT_THAT(log, HasSubstr("==> attempt 1 started at "));
  EXPECT_THAT(log, HasSubstr("==> attempt 1 finished at "));
  EXPECT_THAT(log, HasSubstr("exited with code 1 <=="));
  EXPECT_THAT(log, HasSubstr("==> attempt 2 started at "));
  EXPECT_THAT(log, HasSubstr("resumed from step-5 scratch\n"));
  EXPECT_LT(log.find("attempt 1 started"), log.find("attempt 2 started"));
}

TEST_F(LocalExecutorTest, UnpacksTheCodeArchiveOnce) {
  const std::string src = dir_ + "/src";
  fs::create_directories(src + "/sub");
  std::ofstream(src + "/train.sh") << "echo training in $(basename $(pwd)) with $(cat data.txt)\n";
  std::ofstream(src + "/sub/data.txt") << "snapshot-data\n";
  const std::string archive_path = dir_ + "/code.tar.gz";
  auto packed = archive::PackDirectory(src, archive_path);
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();

  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  LaunchRequest request;
  request.job_id = "code-1";
  request.argv = {"sh", "../train.sh"};
  request.code_snapshot_key = PutSnapshot(archive_path, "snapshots/code-1.tar.gz");
  request.workdir = "sub";
  auto execution = executor->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *execution).exit_code, 0);
  EXPECT_THAT(Log(*executor, "code-1"), HasSubstr("training in sub with snapshot-data\n"));

  // A retry reuses the unpacked code even when the snapshot is gone; the fetched archive was
  // removed from the job's directory.
  ASSERT_TRUE(artifacts_.Delete("snapshots/code-1.tar.gz").ok());
  EXPECT_FALSE(fs::exists(JobDir("code-1") + "/code.tar.gz"));
  request.attempt = 2;
  auto retry = executor->Launch(request);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *retry).exit_code, 0);

  LaunchRequest bad_workdir = request;
  bad_workdir.attempt = 3;
  bad_workdir.workdir = "nope";
  EXPECT_EQ(executor->Launch(bad_workdir).status().code(), StatusCode::kInvalidArgument);
  bad_workdir.workdir = "../..";
  EXPECT_EQ(executor->Launch(bad_workdir).status().code(), StatusCode::kInvalidArgument);

  LaunchRequest corrupt = Shell("corrupt-1", "true");
  std::ofstream(dir_ + "/corrupt.tar.gz") << "not an archive";
  corrupt.code_snapshot_key = PutSnapshot(dir_ + "/corrupt.tar.gz", "snapshots/corrupt.tar.gz");
  auto status = executor->Launch(corrupt).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("unpacking the code snapshot"));
  LaunchRequest missing = Shell("missing-1", "true");
  missing.code_snapshot_key = "snapshots/gone.tar.gz";
  EXPECT_EQ(executor->Launch(missing).status().code(), StatusCode::kNotFound);
}

TEST_F(LocalExecutorTest, RejectsAMissingProgramWithoutLeakingGpus) {
  auto executor = Make(/*gpus=*/1);
  ASSERT_NE(executor, nullptr);
  LaunchRequest request;
  request.job_id = "typo-1";
  request.argv = {"pythn", "train.py"};
  request.resources.gpus = 1;
  auto status = executor->Launch(request).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "program 'pythn' not found on PATH");

  LaunchRequest good = Shell("typo-2", "echo gpu=$CUDA_VISIBLE_DEVICES");
  good.resources.gpus = 1;
  auto execution = executor->Launch(good);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(execution->gpu_indices, std::vector<int>{0});
  WaitFinished(*executor, *execution);
  EXPECT_THAT(Log(*executor, "typo-2"), HasSubstr("gpu=0\n"));

  LaunchRequest invalid = Shell("Bad/Id", "true");
  EXPECT_EQ(executor->Launch(invalid).status().code(), StatusCode::kInvalidArgument);
  invalid = Shell("empty-argv", "true");
  invalid.argv.clear();
  EXPECT_EQ(executor->Launch(invalid).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalExecutorTest, ReportsAnExecFailureThroughTheHandshake) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  // Found on disk and executable, but not a valid program: execve fails in the supervisor.
  const std::string code = JobDir("noexec-1") + "/code";
  fs::create_directories(code);
  std::ofstream(code + "/broken") << "\x7f"
                                     "ELF garbage";
  fs::permissions(code + "/broken", fs::perms::owner_all);
  LaunchRequest request;
  request.job_id = "noexec-1";
  request.argv = {"./broken"};
  auto status = executor->Launch(request).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("executing " + code + "/broken"));
  EXPECT_THAT(Log(*executor, "noexec-1"), HasSubstr("failed to start"));
}

TEST_F(LocalExecutorTest, CollectsOutputs) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto execution = executor->Launch(
      Shell("outputs-1",
            "printf 12345 > model.pt; printf '{}' > \"$INET_OUTPUT_DIR/metrics.json\"; "
            "mkdir -p saved/inner; printf a > saved/a.txt; printf bb > saved/inner/b.txt"));
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *execution).exit_code, 0);
  const std::string dir = JobDir("outputs-1");

  auto files = executor->CollectOutputs(*execution, {{"model.pt", "model.pt"},
                                                     {"metrics", "metrics.json"},
                                                     {"saved", "saved"},
                                                     {"abs", dir + "/code/model.pt"}});
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 5u);
  EXPECT_EQ((*files)[0].name, "abs");
  EXPECT_EQ((*files)[1].name, "metrics");
  EXPECT_EQ((*files)[1].local_path, dir + "/outputs/metrics.json");
  EXPECT_EQ((*files)[1].size, 2);
  EXPECT_EQ((*files)[2].name, "model.pt");
  EXPECT_EQ((*files)[2].local_path, dir + "/code/model.pt");
  EXPECT_EQ((*files)[2].size, 5);
  EXPECT_EQ((*files)[3].name, "saved/a.txt");
  EXPECT_EQ((*files)[4].name, "saved/inner/b.txt");
  EXPECT_EQ((*files)[4].size, 2);

  auto missing = executor->CollectOutputs(
      *execution, {{"model.pt", "model.pt"}, {"weights.bin", "weights.bin"}});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(),
              HasSubstr("output artifact 'weights.bin' not found: the job did not write "
                        "weights.bin (looked in " +
                        dir + "/code/weights.bin and " + dir + "/outputs/weights.bin)"));
  EXPECT_THAT(missing.status().message(), Not(HasSubstr("'model.pt'")));

  EXPECT_EQ(executor->CollectOutputs(*execution, {{"passwd", "/etc/passwd"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(executor->CollectOutputs(*execution, {{"up", "../../../x"}}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(LocalExecutorTest, NeverGivesOneGpuToTwoAttempts) {
  auto executor = Make(/*gpus=*/2);
  ASSERT_NE(executor, nullptr);
  EXPECT_EQ(executor->node_pools().front().gpu_source, "configured");
  ASSERT_EQ(executor->node_pools().front().gpu_devices.size(), 2u);
  auto gpu_job = [](const std::string& id) {
    LaunchRequest request = Shell(id, "echo cvd=$CUDA_VISIBLE_DEVICES; exec sleep 1000");
    request.resources.gpus = 1;
    return request;
  };
  auto a = executor->Launch(gpu_job("gpu-a"));
  auto b = executor->Launch(gpu_job("gpu-b"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->gpu_indices, std::vector<int>{0});
  EXPECT_EQ(b->gpu_indices, std::vector<int>{1});
  EXPECT_TRUE(WaitForLog(*executor, "gpu-a", "cvd=0\n"));
  EXPECT_TRUE(WaitForLog(*executor, "gpu-b", "cvd=1\n"));

  EXPECT_EQ(executor->Launch(gpu_job("gpu-c")).status().code(), StatusCode::kResourceExhausted);
  LaunchRequest too_many = gpu_job("gpu-d");
  too_many.resources.gpus = 3;
  EXPECT_EQ(executor->Launch(too_many).status().code(), StatusCode::kInvalidArgument);

  ASSERT_TRUE(executor->Terminate(*a, 30).ok());
  EXPECT_EQ(WaitFinished(*executor, *a).signal, SIGTERM);
  ASSERT_TRUE(executor->Release(*a).ok());
  ASSERT_TRUE(executor->Release(*a).ok());  // idempotent
  auto c = executor->Launch(gpu_job("gpu-c"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->gpu_indices, std::vector<int>{0});

  for (const auto* e : {&*b, &*c}) {
    ASSERT_TRUE(executor->Terminate(*e, 30).ok());
    WaitFinished(*executor, *e);
    ASSERT_TRUE(executor->Release(*e).ok());
  }
}

TEST_F(LocalExecutorTest, ReattachesAfterARestart) {
  auto first = Make(/*gpus=*/1);
  ASSERT_NE(first, nullptr);
  LaunchRequest request =
      Shell("restart-1", "echo waiting; while [ ! -e go ]; do sleep 0.02; done; echo went");
  request.resources.gpus = 1;
  auto execution = first->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  ASSERT_TRUE(WaitForLog(*first, "restart-1", "waiting\n"));
  const std::string state = execution->state;
  first.reset();  // the server stops; the attempt keeps running

  auto second = Make(/*gpus=*/1);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->Reattach("other-job", state).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(second->Reattach("restart-1", "{}").status().code(), StatusCode::kInvalidArgument);
  auto reattached = second->Reattach("restart-1", state);
  ASSERT_TRUE(reattached.ok()) << reattached.status().ToString();
  EXPECT_EQ(reattached->gpu_indices, std::vector<int>{0});
  EXPECT_EQ(reattached->attempt, 1);
  auto running = second->Poll(*reattached);
  ASSERT_TRUE(running.ok());
  EXPECT_FALSE(running->finished());

  // Its GPU is taken again: nobody else gets it.
  LaunchRequest other = Shell("restart-2", "true");
  other.resources.gpus = 1;
  EXPECT_EQ(second->Launch(other).status().code(), StatusCode::kResourceExhausted);

  std::ofstream(JobDir("restart-1") + "/code/go") << "";
  ExecutionStatus status = WaitFinished(*second, *reattached);
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_THAT(Log(*second, "restart-1"), HasSubstr("went\n"));
  ASSERT_TRUE(second->Release(*reattached).ok());

  // A third executor whose GPU is held by another attempt cannot take it back.
  auto third = Make(/*gpus=*/1);
  ASSERT_NE(third, nullptr);
  LaunchRequest holder = Shell("restart-3", "exec sleep 1000");
  holder.resources.gpus = 1;
  auto held = third->Launch(holder);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(third->Reattach("restart-1", state).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(third->Terminate(*held, 0).ok());
  WaitFinished(*third, *held);
}

TEST_F(LocalExecutorTest, RecoversAnAttemptWhoseLaunchWasNeverRecorded) {
  auto first = Make(/*gpus=*/1);
  ASSERT_NE(first, nullptr);
  LaunchRequest request = Shell("recover-1", "while [ ! -e go ]; do sleep 0.02; done; echo went");
  request.resources.gpus = 1;
  auto execution = first->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  first.reset();  // the server dies before it records `execution` anywhere

  auto second = Make(/*gpus=*/1);
  ASSERT_NE(second, nullptr);
  // What was never launched is kNotFound: the caller may launch it.
  EXPECT_EQ(second->Recover("recover-1", 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(second->Recover("never-launched", 1).status().code(), StatusCode::kNotFound);
  auto recovered = second->Recover("recover-1", 1);
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_EQ(recovered->gpu_indices, std::vector<int>{0});
  EXPECT_EQ(StateInt(*recovered, "supervisor_pid"), StateInt(*execution, "supervisor_pid"));
  auto running = second->Poll(*recovered);
  ASSERT_TRUE(running.ok());
  EXPECT_FALSE(running->finished());
  // Its GPU is held again, so no second copy can take it.
  LaunchRequest other = Shell("recover-2", "true");
  other.resources.gpus = 1;
  EXPECT_EQ(second->Launch(other).status().code(), StatusCode::kResourceExhausted);

  std::ofstream(JobDir("recover-1") + "/code/go") << "";
  EXPECT_EQ(WaitFinished(*second, *recovered).exit_code, 0);
  EXPECT_THAT(Log(*second, "recover-1"), HasSubstr("went\n"));
}

TEST_F(LocalExecutorTest, RecoverStopsASupervisorThatNeverHandedItsPidBack) {
  // The server died between spawning the supervisor and reading its handshake, so the state
  // on disk has no pid. A process with the supervisor's exact command line stands in for it.
  LocalExecutorOptions options = Options();
  options.supervisor_command = {"/bin/sh", "-c", "sleep 600; true", "sh"};
  auto created = LocalExecutor::Create(options, artifacts_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  LocalExecutor& executor = **created;
  const std::string job_dir = JobDir("half-1");
  fs::create_directories(job_dir);
  std::ofstream(job_dir + "/attempt-1.state.json")
      << R"({"executor":"local","job_id":"half-1","attempt":1,"job_dir":")" << job_dir
      << R"(","cwd":")" << job_dir << R"(","output_dir":")" << job_dir
      << R"(/outputs","supervisor_pid":0,"supervisor_start_time":0,"pgid":0,)"
      << R"("leader_start_time":0,"pids":[],"gpus":[],"cgroup":""})";
  const std::string spec = job_dir + "/attempt-1.spec.json";
  // posix_spawn, not fork: a forked child of this multi-threaded (sanitized) process may
  // block before it reaches exec.
  std::vector<std::string> stand_in_argv = {"/bin/sh", "-c", "sleep 600; true", "sh", spec};
  std::vector<char*> stand_in_args;
  for (std::string& arg : stand_in_argv) stand_in_args.push_back(arg.data());
  stand_in_args.push_back(nullptr);
  // Its output goes to /dev/null: the orphaned `sleep` must not hold ctest's output pipe open.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd <= 2; ++fd) {
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  }
  pid_t stand_in = 0;
  const int spawned =
      posix_spawn(&stand_in, "/bin/sh", &actions, nullptr, stand_in_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(spawned, 0);
  // Never left behind, whatever the outcome: the test must fail, not wait for it.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
  } reaper{stand_in};
  // Wait until it has exec'd (its command line is the supervisor's).
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  auto exec_done = [&] {
    StatusOr<std::string> cmdline = ReadFile("/proc/" + std::to_string(stand_in) + "/cmdline");
    return cmdline.ok() && cmdline->find(spec) != std::string::npos;
  };
  while (!exec_done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Stopped, and reported as not started: the caller may launch the attempt afresh.
  ASSERT_TRUE(exec_done()) << "the stand-in supervisor did not start";
  EXPECT_EQ(executor.Recover("half-1", 1).status().code(), StatusCode::kNotFound);
  int wait_status = 0;
  pid_t waited = 0;
  while ((waited = waitpid(stand_in, &wait_status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline + kDeadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(waited, stand_in) << "Recover left the stand-in supervisor running";
  reaper.pid = 0;
  EXPECT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL);
  EXPECT_FALSE(fs::exists(job_dir + "/attempt-1.state.json"));
}

TEST_F(LocalExecutorTest, RefusesACodeArchiveThatUnpacksPastItsBound) {
  const std::string src = dir_ + "/bomb";
  fs::create_directories(src);
  std::ofstream(src + "/zeros.bin") << std::string(2 << 20, '\0');  // compresses to ~2 KiB
  const std::string archive_path = dir_ + "/bomb.tar.gz";
  ASSERT_TRUE(archive::PackDirectory(src, archive_path).ok());
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  LaunchRequest request = Shell("bomb-1", "true");
  request.code_snapshot_key = PutSnapshot(archive_path, "snapshots/bomb.tar.gz");
  request.code_max_unpacked_bytes = 1 << 20;
  Status status = executor->Launch(request).status();
  // Permanent (kInvalidArgument), not a wait for capacity.
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("unpacking the code snapshot"));
  EXPECT_FALSE(fs::exists(JobDir("bomb-1") + "/code"));
  EXPECT_FALSE(fs::exists(JobDir("bomb-1") + "/code.partial"));
}

TEST_F(LocalExecutorTest, RemovesWorkspacesAndListsThem) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto execution = executor->Launch(Shell("ws-1", "echo hi > $INET_OUTPUT_DIR/out.txt"));
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  WaitFinished(*executor, *execution);
  ASSERT_TRUE(executor->Release(*execution).ok());
  auto listed = executor->ListWorkspaces();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, std::vector<std::string>{"ws-1"});
  ASSERT_TRUE(executor->RemoveWorkspace("ws-1").ok());
  EXPECT_FALSE(fs::exists(JobDir("ws-1")));
  EXPECT_EQ(executor->OpenLog("ws-1", 0).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(executor->RemoveWorkspace("ws-1").ok());  // nothing left: still OK
  EXPECT_EQ(executor->RemoveWorkspace("../x").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(executor->ListWorkspaces()->empty());
}

TEST_F(LocalExecutorTest, ReportsAVanishedSupervisor) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto execution = executor->Launch(Shell("vanish-1", "exec sleep 1000"));
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  const int supervisor = static_cast<int>(StateInt(*execution, "supervisor_pid"));
  const int job_pid = static_cast<int>(StateInt(*execution, "pgid"));
  ASSERT_TRUE(ProcessAlive(job_pid, 0));
  ASSERT_EQ(kill(supervisor, SIGKILL), 0);
  ExecutionStatus status = WaitFinished(*executor, *execution);
  EXPECT_EQ(status.end, ExecutionEnd::kLost);
  EXPECT_THAT(status.message, HasSubstr("is gone without recording"));
  EXPECT_TRUE(WaitForProcessGone(job_pid));  // the job does not outlive its supervisor
}

// Without cgroup v2, a process of the attempt that left its group (setsid) is still found by the
// marker in its environment when the supervisor dies: it does not outlive the attempt.
TEST_F(LocalExecutorTest, ReapsSetsidChildrenWhenTheSupervisorDies) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto execution = executor->Launch(
      Shell("escape-1",
            "setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > escaped.pid; "
            "echo started; exec sleep 1000"));
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  ASSERT_TRUE(WaitForLog(*executor, "escape-1", "started\n"));
  const int escaped = ReadPid(JobDir("escape-1") + "/code/escaped.pid");
  ASSERT_GT(escaped, 0);
  ASSERT_TRUE(ProcessAlive(escaped, 0));
  const int supervisor = static_cast<int>(StateInt(*execution, "supervisor_pid"));
  ASSERT_EQ(kill(supervisor, SIGKILL), 0);
  ExecutionStatus status = WaitFinished(*executor, *execution);
  EXPECT_EQ(status.end, ExecutionEnd::kLost);
  EXPECT_TRUE(WaitForProcessGone(escaped)) << "pid " << escaped << " outlived its attempt";
}

TEST_F(LocalExecutorTest, TerminateEscalatesToSigkillAfterTheGracePeriod) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  auto stubborn = executor->Launch(
      Shell("stubborn-1", "trap '' TERM; echo ready; while true; do sleep 0.05; done"));
  ASSERT_TRUE(stubborn.ok()) << stubborn.status().ToString();
  ASSERT_TRUE(WaitForLog(*executor, "stubborn-1", "ready\n"));
  ASSERT_TRUE(executor->Terminate(*stubborn, 1).ok());
  ExecutionStatus status = WaitFinished(*executor, *stubborn);
  EXPECT_EQ(status.signal, SIGKILL);

  auto polite = executor->Launch(Shell("polite-1", "exec sleep 1000"));
  ASSERT_TRUE(polite.ok()) << polite.status().ToString();
  ASSERT_TRUE(executor->Terminate(*polite, 60).ok());
  status = WaitFinished(*executor, *polite);
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_TRUE(executor->Terminate(*polite, 60).ok());  // already ended: nothing to do
}

TEST_F(LocalExecutorTest, LeavesNoOrphans) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  // Background grandchildren, one even in its own session (outside the process group).
  auto ended = executor->Launch(
      Shell("orphans-1",
            "sleep 1000 & echo $! > bg1.pid; setsid sleep 1000 & echo $! > bg2.pid; "
            "sleep 0.2; exit 0"));
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *ended).exit_code, 0);
  for (const char* file : {"bg1.pid", "bg2.pid"}) {
    int pid = ReadPid(JobDir("orphans-1") + "/code/" + file);
    ASSERT_GT(pid, 0) << file;
    EXPECT_FALSE(ProcessAlive(pid, 0)) << file << " pid " << pid << " outlived the job";
  }

  auto cancelled =
      executor->Launch(Shell("orphans-2", "sleep 1000 & echo $! > bg.pid; echo started; wait"));
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  ASSERT_TRUE(WaitForLog(*executor, "orphans-2", "started\n"));
  ASSERT_TRUE(executor->Terminate(*cancelled, 5).ok());
  WaitFinished(*executor, *cancelled);
  int pid = ReadPid(JobDir("orphans-2") + "/code/bg.pid");
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(ProcessAlive(pid, 0)) << "pid " << pid << " outlived the cancelled job";
}

TEST_F(LocalExecutorTest, ReportsMemoryExhaustionUnderRlimits) {
  if (FindProgram("python3", getenv("PATH") ? getenv("PATH") : "", "/").empty()) {
    GTEST_SKIP() << "python3 not on PATH";
  }
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  EXPECT_THAT(executor->node_pools().front().isolation, HasSubstr("RLIMIT_AS"));
  LaunchRequest request;
  request.job_id = "oom-1";
  request.argv = {"python3", "-c", "x = bytearray(1 << 30)"};
  request.resources.memory_bytes = 256LL << 20;
  auto execution = executor->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  ExecutionStatus status = WaitFinished(*executor, *execution);
  EXPECT_NE(status.exit_code, 0);
  EXPECT_EQ(status.end, ExecutionEnd::kOutOfMemory) << status.message << "\n"
                                                    << Log(*executor, "oom-1");
  EXPECT_THAT(status.message,
              HasSubstr("likely out of memory (limit 256Mi, enforced with RLIMIT_AS)"));
}

TEST_F(LocalExecutorTest, EnforcesMemoryWithCgroupsWhereAvailable) {
  LocalExecutorOptions options = Options();
  options.use_cgroups = true;
  auto executor = LocalExecutor::Create(options, artifacts_);
  ASSERT_TRUE(executor.ok()) << executor.status().ToString();
  const std::string isolation = (*executor)->node_pools().front().isolation;
  if (isolation.find("cgroup v2") == std::string::npos) {
    EXPECT_THAT(isolation, HasSubstr("rlimits"));
    GTEST_SKIP() << "cgroup v2 is not usable here: " << isolation;
  }
  if (FindProgram("python3", getenv("PATH") ? getenv("PATH") : "", "/").empty()) {
    GTEST_SKIP() << "python3 not on PATH";
  }
  LaunchRequest request;
  request.job_id = "cgroup-oom-1";
  request.argv = {"python3", "-c", "x = bytearray(1 << 30); x[::4096] = b'x' * len(x[::4096])"};
  request.resources.memory_bytes = 256LL << 20;
  request.resources.cpu_millis = 500;
  auto execution = (*executor)->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  ExecutionStatus status = WaitFinished(**executor, *execution);
  EXPECT_EQ(status.end, ExecutionEnd::kOutOfMemory) << status.message;
  EXPECT_THAT(status.message, HasSubstr("out of memory (limit 256Mi"));
  ASSERT_TRUE((*executor)->Release(*execution).ok());
}

TEST_F(LocalExecutorTest, StartsPytorchGangsWithTorchrunEnvironment) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  LaunchRequest request =
      Shell("dist-1",
            "echo \"rank=$RANK local=$LOCAL_RANK world=$WORLD_SIZE lws=$LOCAL_WORLD_SIZE "
            "addr=$MASTER_ADDR port=$MASTER_PORT\"");
  request.processes = 2;
  request.distributed_backend = "pytorch";
  auto execution = executor->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  EXPECT_EQ(WaitFinished(*executor, *execution).exit_code, 0);
  std::string log = Log(*executor, "dist-1");
  size_t port_at = log.find("port=");
  ASSERT_NE(port_at, std::string::npos) << log;
  std::string port = log.substr(port_at + 5, log.find('\n', port_at) - port_at - 5);
  EXPECT_GT(std::stoi(port), 0);
  for (int rank : {0, 1}) {
    EXPECT_THAT(log, HasSubstr("rank=" + std::to_string(rank) + " local=" + std::to_string(rank) +
                               " world=2 lws=2 addr=127.0.0.1 port=" + port + "\n"));
  }
}

TEST_F(LocalExecutorTest, StopsTheGangWhenOneProcessFails) {
  auto executor = Make();
  ASSERT_NE(executor, nullptr);
  LaunchRequest request = Shell("gang-1", "if [ \"$RANK\" = 1 ]; then exit 3; fi; exec sleep 1000");
  request.processes = 2;
  request.distributed_backend = "pytorch";
  auto execution = executor->Launch(request);
  ASSERT_TRUE(execution.ok()) << execution.status().ToString();
  ExecutionStatus status = WaitFinished(*executor, *execution);
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_EQ(status.message, "process 1 of 2 exited with code 3");
}

TEST_F(LocalExecutorTest, ValidatesItsOptions) {
  LocalExecutorOptions options = Options();
  options.root = "";
  EXPECT_EQ(LocalExecutor::Create(options, artifacts_).status().code(),
            StatusCode::kInvalidArgument);
  options = Options();
  options.supervisor_command = {"inet", "__supervise"};
  EXPECT_EQ(LocalExecutor::Create(options, artifacts_).status().code(),
            StatusCode::kInvalidArgument);
  options = Options();
  options.memory_bytes = -1;
  EXPECT_EQ(LocalExecutor::Create(options, artifacts_).status().code(),
            StatusCode::kInvalidArgument);
  options = Options(3);
  options.cpu_millis = 4000;
  options.memory_bytes = 8LL << 30;
  auto executor = LocalExecutor::Create(options, artifacts_);
  ASSERT_TRUE(executor.ok());
  const std::vector<NodePool> pools = (*executor)->node_pools();
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools[0].name, "local");
  EXPECT_EQ(pools[0].allocatable, (Resources{4000, 8LL << 30, 3}));
  EXPECT_EQ(pools[0].gpu_devices.size(), 3u);
  EXPECT_THAT(pools[0].isolation, StartsWith("rlimits (RLIMIT_AS for memory; no CPU rate limit)"));

  // Neither a job user nor Landlock: the capacity says so loudly.
  options = Options();
  options.use_landlock = false;
  executor = LocalExecutor::Create(options, artifacts_);
  ASSERT_TRUE(executor.ok());
  EXPECT_THAT((*executor)->node_pools().front().isolation, HasSubstr("NOT ISOLATED"));
  options.job_user = "inet-no-such-user";
  EXPECT_EQ(LocalExecutor::Create(options, artifacts_).status().code(),
            StatusCode::kInvalidArgument);
  options.job_user = "root";
  EXPECT_EQ(LocalExecutor::Create(options, artifacts_).status().code(),
            StatusCode::kInvalidArgument);
  options.job_user.clear();
  options.max_log_bytes = -1;
  EXPECT_EQ(LocalExecutor::Create(options, artifacts_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace inet::exec::local
