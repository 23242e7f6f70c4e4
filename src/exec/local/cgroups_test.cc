// The cgroup mechanics the supervisor relies on (joining before exec, cgroup.kill, removal),
// on whatever cgroup v2 hierarchy this machine lets us write to. Memory and CPU limits need
// the controllers as well; local_executor_test covers those where they are available.
#include "exec/local/cgroups.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "exec/local/os.h"
#include "exec/local/supervisor_protocol.h"

extern char** environ;

namespace inet::exec::local {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A writable cgroup v2 mount point, or "" when there is none.
std::string WritableCgroup2Mount() {
  StatusOr<std::string> mounts = ReadFile("/proc/self/mounts");
  if (!mounts.ok()) return "";
  std::istringstream in(*mounts);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string device, where, type;
    fields >> device >> where >> type;
    if (type == "cgroup2" && access(where.c_str(), W_OK) == 0) return where;
  }
  return "";
}

bool WaitFor(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(CgroupsTest, PrepareCgroupParentExplainsWhyNot) {
  auto parent = PrepareCgroupParent("/nonexistent-cgroup-root/inet");
  ASSERT_FALSE(parent.ok());
  EXPECT_EQ(parent.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(parent.status().message(), HasSubstr("/nonexistent-cgroup-root"));
}

TEST(CgroupsTest, SupervisorRunsTheAttemptInItsCgroupAndRemovesIt) {
  const std::string mount = WritableCgroup2Mount();
  if (mount.empty()) GTEST_SKIP() << "no writable cgroup v2 hierarchy";
  const std::string parent = mount + "/inet-exec-test-" + std::to_string(getpid());
  if (mkdir(parent.c_str(), 0755) != 0) GTEST_SKIP() << "cannot create cgroups under " << mount;
  const std::string cgroup = parent + "/job-a1";
  ASSERT_TRUE(CreateAttemptCgroup(cgroup, 0, 0).ok());

  char pattern[] = "/tmp/inet-cgroup-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  AttemptSpec spec;
  spec.job_id = "job";
  spec.program = "/bin/sh";
  // The job leaves a grandchild in its own session: only the cgroup (or the subreaper) finds it.
  spec.argv = {"sh", "-c", "setsid sleep 1000 & echo $! > bg.pid; cat /proc/self/cgroup"};
  spec.process_env = {{"PATH=/usr/bin:/bin"}};
  spec.cwd = dir;
  spec.log_path = dir + "/job.log";
  spec.exit_path = dir + "/attempt-1.exit";
  spec.cgroup_path = cgroup;
  ASSERT_TRUE(WriteFileAtomically(dir + "/spec.json", AttemptSpecToJson(spec)).ok());

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, spec.log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string spec_path = dir + "/spec.json";
  std::string binary = INET_TEST_SUPERVISOR;
  std::string verb = "__supervise";
  char* argv[] = {binary.data(), verb.data(), spec_path.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);  // the first supervisor process exits at once

  EXPECT_TRUE(WaitFor([&] { return access(spec.exit_path.c_str(), F_OK) == 0; }));
  auto record = ExitRecordFromJson(ReadFile(spec.exit_path).value());
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->exit_code, 0);
  std::string log = ReadFile(spec.log_path).value();
  EXPECT_THAT(log, HasSubstr("::" + cgroup.substr(mount.size()) + "\n"));
  int background = std::atoi(ReadFile(dir + "/bg.pid").value().c_str());
  ASSERT_GT(background, 0);
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(background, 0); }));
  EXPECT_TRUE(WaitFor([&] { return access(cgroup.c_str(), F_OK) != 0; }))
      << "the supervisor did not remove " << cgroup;

  RemoveCgroup(cgroup);
  RemoveCgroup(parent);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace inet::exec::local
