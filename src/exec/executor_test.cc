#include "exec/executor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace inet::exec {
namespace {

TEST(ExecutorTest, TotalAllocatableSumsThePools) {
  NodePool a;
  a.name = "cpu";
  a.allocatable = {16000, int64_t{64} << 30, 0};
  NodePool b;
  b.name = "gpu";
  b.allocatable = {8000, int64_t{32} << 30, 4};
  EXPECT_EQ(TotalAllocatable({a, b}), (Resources{24000, int64_t{96} << 30, 4}));
  EXPECT_EQ(TotalAllocatable({}), Resources{});
}

TEST(ExecutorTest, StatusSaysFinishedAndSucceededFromPhaseAndEnd) {
  ExecutionStatus running;
  EXPECT_FALSE(running.finished());
  EXPECT_FALSE(running.succeeded());
  ExecutionStatus ok{ExecutionPhase::kFinished, ExecutionEnd::kExited, 0, 0, ""};
  EXPECT_TRUE(ok.finished());
  EXPECT_TRUE(ok.succeeded());
  ExecutionStatus failed{ExecutionPhase::kFinished, ExecutionEnd::kExited, 1, 0, ""};
  EXPECT_FALSE(failed.succeeded());
  // A preempted or lost attempt did not succeed, whatever its code says.
  ExecutionStatus preempted{ExecutionPhase::kFinished, ExecutionEnd::kPreempted, 0, 0, ""};
  EXPECT_FALSE(preempted.succeeded());
  ExecutionStatus lost{ExecutionPhase::kFinished, ExecutionEnd::kLost, 0, 0, ""};
  EXPECT_FALSE(lost.succeeded());
}

TEST(ExecutorTest, NamesPhasesAndEnds) {
  EXPECT_STREQ(PhaseName(ExecutionPhase::kPending), "pending");
  EXPECT_STREQ(PhaseName(ExecutionPhase::kRunning), "running");
  EXPECT_STREQ(PhaseName(ExecutionPhase::kFinished), "finished");
  EXPECT_STREQ(EndName(ExecutionEnd::kNone), "");
  EXPECT_STREQ(EndName(ExecutionEnd::kExited), "exited");
  EXPECT_STREQ(EndName(ExecutionEnd::kKilled), "killed");
  EXPECT_STREQ(EndName(ExecutionEnd::kOutOfMemory), "out of memory");
  EXPECT_STREQ(EndName(ExecutionEnd::kPreempted), "preempted");
  EXPECT_STREQ(EndName(ExecutionEnd::kLost), "lost");
}

}  // namespace
}  // namespace inet::exec
