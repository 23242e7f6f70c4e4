// The exact text of the platform commands.
#include "cli/job_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <boost/json.hpp>

namespace inet::cli {
namespace {

namespace json = boost::json;

class JobFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

constexpr int64_t kCreated = 1795000000000;  // 2026-11-18 11:06:40 UTC

TEST_F(JobFormatTest, Timestamps) { EXPECT_EQ(FormatTimestamp(kCreated), "2026-11-18 11:06:40"); }

TEST_F(JobFormatTest, SubmittedBlockMatchesTheIssue) {
  // Queued: its GPU is not in use yet, so the line counts it on top of the 0 in use.
  json::value job = json::parse(
      R"j({"job_id":"bert-finetuning-abc123","state":"Queued","resources":{"gpu":1}})j");
  json::value capacity = json::parse(R"j({"gpus_total":4,"gpus_used":0})j");
  EXPECT_EQ(FormatSubmitted(job, capacity),
            "Job submitted: bert-finetuning-abc123\n"
            "Status: Queued\n"
            "GPU quota: 1/4 (25% of executor capacity)\n"
            "Monitor with:\n"
            "  inet platform logs bert-finetuning-abc123\n"
            "  inet platform status bert-finetuning-abc123\n");
}

TEST_F(JobFormatTest, SubmittedRunningJobIsCountedOnce) {
  json::value job = json::parse(R"j({"job_id":"a-1","state":"Running","resources":{"gpu":2}})j");
  json::value capacity = json::parse(R"j({"gpus_total":4,"gpus_used":3})j");
  EXPECT_NE(FormatSubmitted(job, capacity).find("GPU quota: 3/4 (75% of executor capacity)\n"),
            std::string::npos);
}

TEST_F(JobFormatTest, SubmittedWithoutGpusOrCapacity) {
  json::value job = json::parse(R"j({"job_id":"x-1","state":"Pending"})j");
  std::string no_gpus = FormatSubmitted(job, json::parse(R"j({"gpus_total":0,"gpus_used":0})j"));
  EXPECT_NE(no_gpus.find("GPU quota: 0/0 (this executor has no GPUs)\n"), std::string::npos);
  std::string unknown = FormatSubmitted(job, nullptr);
  EXPECT_EQ(unknown.find("GPU quota"), std::string::npos);
  EXPECT_NE(unknown.find("Status: Pending\n"), std::string::npos);
}

TEST_F(JobFormatTest, StatusShowsEverythingTheJobHas) {
  json::value job = json::parse(R"j({
    "job_id": "bert-finetuning-abc123", "name": "bert-finetuning", "team": "default",
    "user": "admin", "state": "Failed", "reason": "exited with code 1", "attempt": 3,
    "max_attempts": 3, "priority_class": "batch", "created_at": 1795000000000,
    "started_at": 1795000001000, "finished_at": 1795000186000, "runtime_seconds": 185.0,
    "resources": {"cpu": "4", "memory": "16Gi", "gpu": 1}, "gpus": [0], "exit_code": 1,
    "last_failure": "exited with code 1 (attempt 3)",
    "mlflow": {"experiment_id": "1", "run_id": "abc", "run_url": "/#/experiments/1/runs/abc"},
    "artifacts": [{"name": "model.pt", "uri": "mlflow-artifacts:/1/abc/artifacts/model.pt",
                   "size": 1234}]})j");
  EXPECT_EQ(FormatJobStatus(job, "http://127.0.0.1:8080", kCreated + 600000),
            "Job:          bert-finetuning-abc123\n"
            "State:        Failed (exited with code 1)\n"
            "Attempt:      3 of 3\n"
            "Team:         default (user admin)\n"
            "Priority:     batch\n"
            "Submitted:    2026-11-18 11:06:40 (10m 00s ago)\n"
            "Runtime:      3m 05s\n"
            "Resources:    cpu 4, memory 16Gi, gpu 1\n"
            "GPUs:         0\n"
            "Exit code:    1\n"
            "Last failure: exited with code 1 (attempt 3)\n"
            "Artifacts:\n"
            "  model.pt  1.2 KiB  mlflow-artifacts:/1/abc/artifacts/model.pt\n"
            "MLflow run:   http://127.0.0.1:8080/#/experiments/1/runs/abc\n"
            "Logs:         inet platform logs bert-finetuning-abc123\n");
}

TEST_F(JobFormatTest, StatusOfAQueuedJobIsShort) {
  json::value job = json::parse(R"j({"job_id": "x-1", "state": "Queued",
    "reason": "waiting for 1 GPU (0 of 0 free)", "attempt": 0, "max_attempts": 1,
    "created_at": 1795000000000, "started_at": 0, "exit_code": null, "last_failure": "",
    "resources": {}})j");
  std::string text = FormatJobStatus(job, "http://h", kCreated + 5000);
  EXPECT_NE(text.find("State:        Queued (waiting for 1 GPU (0 of 0 free))\n"),
            std::string::npos);
  EXPECT_NE(text.find("Resources:    none requested\n"), std::string::npos);
  EXPECT_EQ(text.find("Runtime"), std::string::npos);
  EXPECT_EQ(text.find("Exit code"), std::string::npos);
  EXPECT_NE(text.find("Logs:         inet platform logs x-1 -f\n"), std::string::npos);
}

TEST_F(JobFormatTest, JobsTable) {
  json::value jobs = json::parse(R"j([
    {"job_id": "bert-finetuning-abc123", "state": "Running", "attempt": 1, "max_attempts": 3,
     "created_at": 1795000000000, "started_at": 1795000010000, "resources": {"gpu": 2},
     "gpus": [0, 1], "reason": "attempt 1 started on GPUs 0,1"},
    {"job_id": "etl-x1", "state": "Queued", "attempt": 0, "max_attempts": 1,
     "created_at": 1795000060000, "resources": {"gpu": 1},
     "reason": "waiting for capacity: this job needs 1 GPU and all 4 are in use by other jobs"}
  ])j");
  EXPECT_EQ(FormatJobsTable(jobs, kCreated + 120000),
            "JOB ID                  STATE    ATTEMPT  AGE/RUNTIME    GPUS     REASON\n"
            "bert-finetuning-abc123  Running  1/3      2m 00s/1m 50s  2 [0,1]  attempt 1 started "
            "on GPUs 0,1\n"
            "etl-x1                  Queued   0/1      1m 00s/-       1        waiting for "
            "capacity: this job needs 1 GPU and all 4 are...\n");
  EXPECT_EQ(FormatJobsTable(json::array(), 0), "No jobs.\n");
}

TEST_F(JobFormatTest, Events) {
  json::value events = json::parse(R"j([
    {"seq": 1, "timestamp": 1795000000000, "state": "Queued", "attempt": 0, "reason": "submitted"},
    {"seq": 2, "timestamp": 1795000001000, "state": "Running", "attempt": 1,
     "reason": "attempt 1 started"}])j");
  EXPECT_EQ(FormatEvents(events),
            "TIME                 STATE    ATTEMPT  REASON\n"
            "2026-11-18 11:06:40  Queued   0        submitted\n"
            "2026-11-18 11:06:41  Running  1        attempt 1 started\n");
  EXPECT_EQ(FormatEvents(json::array()), "No events.\n");
}

TEST_F(JobFormatTest, Capacity) {
  json::value capacity = json::parse(R"j({"cpu_millis_total": 16000, "cpu_millis_used": 4500,
    "memory_bytes_total": 68719476736, "memory_bytes_used": 17179869184, "gpus_total": 4,
    "gpus_used": 1, "gpu_source": "nvml", "isolation": "cgroup v2"})j");
  EXPECT_EQ(FormatCapacity(capacity),
            "GPUs:         1/4 used (nvml)\n"
            "CPU:          4.5/16 cores requested\n"
            "Memory:       16.0 GiB/64.0 GiB requested\n"
            "Isolation:    cgroup v2\n");
}

TEST_F(JobFormatTest, CapacityShowsEachNodePool) {
  json::value capacity = json::parse(R"j({"cpu_millis_total": 24000, "cpu_millis_used": 4500,
    "memory_bytes_total": 103079215104, "memory_bytes_used": 17179869184, "gpus_total": 6,
    "gpus_used": 1, "gpu_source": "nvml, configured", "node_pools": [
      {"name": "a100", "cpu_millis_allocatable": 16000, "memory_bytes_allocatable": 68719476736,
       "gpus_allocatable": 4, "gpu_model": "NVIDIA A100-SXM4-80GB", "gpu_source": "nvml"},
      {"name": "cpu", "cpu_millis_allocatable": 8000, "memory_bytes_allocatable": 34359738368,
       "gpus_allocatable": 2, "gpu_source": "configured"}]})j");
  EXPECT_EQ(FormatCapacity(capacity),
            "GPUs:         1/6 used (nvml, configured)\n"
            "CPU:          4.5/24 cores requested\n"
            "Memory:       16.0 GiB/96.0 GiB requested\n"
            "\n"
            "POOL  GPUS  CPU   MEMORY      GPU MODEL\n"
            "a100  -/4   -/16  -/64.0 GiB  NVIDIA A100-SXM4-80GB\n"
            "cpu   -/2   -/8   -/32.0 GiB  -\n");
  // One pool: what its attempts hold is known.
  json::value one = json::parse(R"j({"cpu_millis_total": 16000, "cpu_millis_used": 500,
    "memory_bytes_total": 1073741824, "gpus_total": 0, "node_pools": [
      {"name": "local", "cpu_millis_allocatable": 16000, "memory_bytes_allocatable": 1073741824,
       "gpus_allocatable": 0, "cpu_millis_used": 500, "memory_bytes_used": 0, "gpus_used": 0}]})j");
  EXPECT_THAT(FormatCapacity(one),
              ::testing::EndsWith("\nPOOL   GPUS  CPU     MEMORY       GPU MODEL\n"
                                  "local  0/0   0.5/16  0 B/1.0 GiB  -\n"));
}

TEST_F(JobFormatTest, CapacitySaysWhenTheJobPythonLacksMlflow) {
  json::value capacity = json::parse(R"j({"cpu_millis_total": 1000, "gpus_total": 0,
    "job_python_warning": "the job Python 'python3' has no mlflow: start the server with --python"})j");
  EXPECT_THAT(FormatCapacity(capacity),
              ::testing::HasSubstr("Warning:      the job Python 'python3' has no mlflow: start "
                                   "the server with --python\n"));
}

TEST_F(JobFormatTest, Cancelled) {
  EXPECT_EQ(FormatCancelled(json::parse(R"j({"job_id":"x","state":"Cancelled"})j")),
            "Cancelled job x.\n");
  EXPECT_EQ(FormatCancelled(json::parse(R"j({"job_id":"x","state":"Running"})j")),
            "Cancel requested for job x (was Running); it stops within its grace period. "
            "Follow it with: inet platform status x\n");
}

}  // namespace
}  // namespace inet::cli
