#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sched/admission.h"

namespace inet::sched {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr int64_t kGi = int64_t{1} << 30;
constexpr int64_t kMi = int64_t{1} << 20;

Demand Job(std::string id, int64_t cpu_millis, int64_t memory_bytes, int gpus) {
  static int64_t next_time = 0;
  Demand d;
  d.job_id = std::move(id);
  d.team = "default";
  d.priority_class = "batch";
  d.queued_at = ++next_time;
  d.request = {cpu_millis, memory_bytes, gpus};
  return d;
}

const Resources kTotal = {8000, 64 * kGi, 4};

// The policy sees one pool of `total` with a running job holding what `free` leaves of it.
Decision Decide(Admission& admission, const std::vector<Demand>& queue, const Resources& free,
                const Resources& total) {
  RunningJob holder;
  holder.job_id = "holder";
  holder.team = "default";
  holder.priority_class = "batch";
  holder.resources = total - free;
  holder.preemptible = true;
  return admission.Decide(queue, {holder}, {PoolCapacity{"local", total}});
}

TEST(FifoCapacityAdmissionTest, EmptyQueueAdmitsNothing) {
  FifoCapacityAdmission admission;
  Decision d = Decide(admission, {}, kTotal, kTotal);
  EXPECT_THAT(d.admit, IsEmpty());
  EXPECT_THAT(d.waiting, IsEmpty());
}

TEST(FifoCapacityAdmissionTest, AdmitsInOrderWhileTheyFit) {
  FifoCapacityAdmission admission;
  Decision d =
      Decide(admission,
             {Job("a", 2000, 8 * kGi, 1), Job("b", 2000, 8 * kGi, 2), Job("c", 4000, 48 * kGi, 1)},
             kTotal, kTotal);
  EXPECT_THAT(d.admit, ElementsAre("a", "b", "c"));
  EXPECT_THAT(d.waiting, IsEmpty());
}

TEST(FifoCapacityAdmissionTest, ExactFitIsAdmitted) {
  FifoCapacityAdmission admission;
  Decision d = Decide(admission, {Job("a", 8000, 64 * kGi, 4)}, kTotal, kTotal);
  EXPECT_THAT(d.admit, ElementsAre("a"));
}

TEST(FifoCapacityAdmissionTest, EachDimensionCanBlock) {
  struct Case {
    Demand demand;
    Resources free;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {Job("gpu", 0, 0, 2), {8000, 64 * kGi, 1}, "waiting for 2 GPUs (1 of 4 free)"},
      {Job("gpu1", 0, 0, 1), {8000, 64 * kGi, 0}, "waiting for 1 GPU (0 of 4 free)"},
      {Job("mem", 0, 16 * kGi, 0),
       {8000, 8 * kGi, 4},
       "waiting for memory: 16Gi requested, 8.0 GiB free"},
      {Job("mem-odd", 0, 512 * kMi, 0),
       {8000, 100 * kMi + 12345, 4},
       "waiting for memory: 512Mi requested, 100.0 MiB free"},
      {Job("mem-frac", 0, 16 * kGi, 0),
       {8000, 7 * kGi + 800 * kMi, 4},
       "waiting for memory: 16Gi requested, 7.8 GiB free"},
      {Job("mem-bytes", 0, 1000, 0),
       {8000, 10, 4},
       "waiting for memory: 1000 requested, 10 B free"},
      {Job("cpu", 4000, 0, 0), {1500, 64 * kGi, 4}, "waiting for CPU: 4 cores requested, 1.5 free"},
      {Job("cpu-m", 250, 0, 0), {0, 64 * kGi, 4}, "waiting for CPU: 0.25 cores requested, 0 free"},
      {Job("all", 4000, 16 * kGi, 2),
       {1000, 8 * kGi, 1},
       "waiting for 2 GPUs (1 of 4 free); waiting for memory: 16Gi requested, 8.0 GiB free; "
       "waiting "
       "for CPU: 4 cores requested, 1 free"},
  };
  FifoCapacityAdmission admission;
  for (const Case& c : cases) {
    Decision d = Decide(admission, {c.demand}, c.free, kTotal);
    EXPECT_THAT(d.admit, IsEmpty()) << c.demand.job_id;
    EXPECT_THAT(d.waiting, ElementsAre(Pair(c.demand.job_id, c.reason))) << c.demand.job_id;
  }
}

TEST(FifoCapacityAdmissionTest, EarlierAdmissionsUseUpCapacity) {
  FifoCapacityAdmission admission;
  Decision d = Decide(admission, {Job("a", 0, 0, 3), Job("b", 0, 0, 2)}, kTotal, kTotal);
  EXPECT_THAT(d.admit, ElementsAre("a"));
  EXPECT_THAT(d.waiting, ElementsAre(Pair("b", "waiting for 2 GPUs (1 of 4 free)")));
}

TEST(FifoCapacityAdmissionTest, HeadOfLineBlocksSmallerJobsBehindIt) {
  FifoCapacityAdmission admission;
  // "big" does not fit; "small" would, but FIFO does not backfill around "big".
  Decision d = Decide(admission,
                      {Job("first", 0, 0, 1), Job("big", 0, 0, 4), Job("small", 0, 0, 1),
                       Job("cpu-only", 100, 0, 0)},
                      kTotal, kTotal);
  EXPECT_THAT(d.admit, ElementsAre("first"));
  EXPECT_THAT(d.waiting, ElementsAre(Pair("big", "waiting for 4 GPUs (3 of 4 free)"),
                                     Pair("small", "queued behind big"),
                                     Pair("cpu-only", "queued behind big")));
}

TEST(FifoCapacityAdmissionTest, ZeroRequestsAlwaysFit) {
  FifoCapacityAdmission admission;
  Resources nothing_free = {0, 0, 0};
  Decision d =
      Decide(admission, {Job("noop-1", 0, 0, 0), Job("noop-2", 0, 0, 0)}, nothing_free, kTotal);
  EXPECT_THAT(d.admit, ElementsAre("noop-1", "noop-2"));
  EXPECT_THAT(d.waiting, IsEmpty());
  // A zero-GPU job fits on a machine without GPUs.
  d = Decide(admission, {Job("cpu", 1000, kGi, 0)}, {8000, 64 * kGi, 0}, {8000, 64 * kGi, 0});
  EXPECT_THAT(d.admit, ElementsAre("cpu"));
}

TEST(FifoCapacityAdmissionTest, ZeroRequestStillWaitsBehindABlockedJob) {
  FifoCapacityAdmission admission;
  Decision d =
      Decide(admission, {Job("big", 0, 0, 2), Job("noop", 0, 0, 0)}, {8000, 64 * kGi, 1}, kTotal);
  EXPECT_THAT(d.admit, IsEmpty());
  EXPECT_THAT(d.waiting, ElementsAre(Pair("big", "waiting for 2 GPUs (1 of 4 free)"),
                                     Pair("noop", "queued behind big")));
}

TEST(FifoCapacityAdmissionTest, JobLargerThanTheExecutorDoesNotBlockTheQueue) {
  FifoCapacityAdmission admission;
  Decision d =
      Decide(admission, {Job("huge", 16000, 128 * kGi, 8), Job("next", 0, 0, 1)}, kTotal, kTotal);
  EXPECT_THAT(d.admit, ElementsAre("next"));
  EXPECT_THAT(d.waiting,
              ElementsAre(Pair("huge",
                               "can never start: requests 8 GPUs but this executor has 4; lower "
                               "resources.gpu (--gpu); requests 16 CPU but this executor has 8; "
                               "lower resources.cpu (--cpu); requests 128Gi of memory but this "
                               "executor has 64Gi; lower resources.memory (--memory)")));
}

// The one fit check agrees with Resources::FitsIn, which admission uses for free capacity.
TEST(WhyNeverFitsTest, IsEmptyExactlyWhenTheRequestFitsTheTotal) {
  const std::vector<Resources> requests = {
      {0, 0, 0}, {1, 0, 0}, {8000, 0, 0}, {8001, 0, 0}, {0, 64 * kGi, 0}, {0, 64 * kGi + 1, 0},
      {0, 0, 4}, {0, 0, 5}, {-1, -1, -1}, {500, kGi, 1}};
  for (const Resources& total : {kTotal, Resources{0, 0, 0}, Resources{8000, 64 * kGi, 0}}) {
    for (const Resources& want : requests) {
      EXPECT_EQ(WhyNeverFits(want, total).empty(), want.FitsIn(total))
          << want.cpu_millis << " " << want.memory_bytes << " " << want.gpus << " in "
          << total.cpu_millis << " " << total.memory_bytes << " " << total.gpus;
    }
  }
  EXPECT_EQ(WhyNeverFits({500, 0, 0}, {0, 0, 0}),
            "requests 0.5 CPU but this executor has 0; lower resources.cpu (--cpu)");
}

TEST(FifoCapacityAdmissionTest, GpuJobOnAMachineWithoutGpus) {
  FifoCapacityAdmission admission;
  Resources cpu_only = {8000, 64 * kGi, 0};
  Decision d = Decide(admission, {Job("train", 0, 0, 1)}, cpu_only, cpu_only);
  EXPECT_THAT(d.admit, IsEmpty());
  EXPECT_THAT(d.waiting, ElementsAre(Pair("train",
                                          "can never start: requests 1 GPU but this executor has "
                                          "0; lower resources.gpu (--gpu)")));
}

TEST(FifoCapacityAdmissionTest, OvercommittedFreeCapacityAdmitsOnlyZeroRequests) {
  FifoCapacityAdmission admission;
  Resources overcommitted = {-500, -kGi, 0};
  Decision d =
      Decide(admission, {Job("noop", 0, 0, 0), Job("cpu", 1, 0, 0)}, overcommitted, kTotal);
  EXPECT_THAT(d.admit, ElementsAre("noop"));
  EXPECT_THAT(d.waiting,
              ElementsAre(Pair("cpu", "waiting for CPU: 0.001 cores requested, 0 free")));
}

TEST(FifoCapacityAdmissionTest, FreeCapacityIsThePoolsLessTheRunningSet) {
  const std::vector<PoolCapacity> pools = {{"cpu", {16000, 64 * kGi, 0}},
                                           {"gpu", {8000, 32 * kGi, 2}}};
  RunningJob a;
  a.job_id = "a";
  a.resources = {4000, 8 * kGi, 1};
  RunningJob b;
  b.job_id = "b";
  b.resources = {2000, 8 * kGi, 0};
  EXPECT_EQ(TotalCapacity(pools), (Resources{24000, 96 * kGi, 2}));
  EXPECT_EQ(FreeCapacity(pools, {a, b}), (Resources{18000, 80 * kGi, 1}));

  FifoCapacityAdmission admission;
  Decision d = admission.Decide({Job("one", 0, 0, 1), Job("two", 0, 0, 1)}, {a, b}, pools);
  EXPECT_THAT(d.admit, ElementsAre("one"));
  EXPECT_THAT(d.waiting, ElementsAre(Pair("two", "waiting for 1 GPU (0 of 2 free)")));
}

TEST(FifoCapacityAdmissionTest, NeverPreempts) {
  RunningJob batch;
  batch.job_id = "batch-1";
  batch.priority_class = "batch";
  batch.resources = {0, 0, 4};
  batch.preemptible = true;
  Demand interactive = Job("notebook", 0, 0, 1);
  interactive.priority_class = "interactive";
  FifoCapacityAdmission admission;
  Decision d = admission.Decide({interactive}, {batch}, {PoolCapacity{"local", kTotal}});
  EXPECT_THAT(d.admit, IsEmpty());
  EXPECT_THAT(d.preempt, IsEmpty());
  EXPECT_THAT(d.waiting, ElementsAre(Pair("notebook", "waiting for 1 GPU (0 of 4 free)")));
}

}  // namespace
}  // namespace inet::sched
