// What the `inet platform ...` commands print, as pure functions of the API's JSON (the Job,
// event and capacity objects of the job API), so the exact text is unit-tested. Fields missing
// from the JSON are shown as absent rather than failing: an older or newer server still gets a
// readable answer.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace inet::cli {

// Milliseconds since the epoch -> "2026-11-26 23:15:02" in the local time zone.
std::string FormatTimestamp(int64_t epoch_ms);
// True for Succeeded, Failed, Cancelled and TimedOut.
bool IsTerminalState(std::string_view state);

// The block `inet platform train` prints after submitting (`job` is the Job object):
//   Job submitted: bert-finetuning-abc123
//   Status: Queued
//   GPU quota: 1/4 (25% of executor capacity)
//   Monitor with:
//     inet platform logs bert-finetuning-abc123
//     inet platform status bert-finetuning-abc123
// The GPU line comes from the capacity object: GPUs in use, plus this job's own request while it
// is still Pending or Queued in `state_now` (its state when the capacity was read; default: the
// job's), so it reads as "once this job runs". It reads "GPU quota: 0/0 (this executor has no
// GPUs)" when there are none and is left out when `capacity` is null.
std::string FormatSubmitted(const boost::json::value& job, const boost::json::value& capacity,
                            std::string_view state_now = {});

// `inet platform status`: state and reason, attempt N of M, times, resources, GPUs, exit code,
// last failure, artifacts and the MLflow run link (made absolute against `server_url` when the
// server gives a relative one).
std::string FormatJobStatus(const boost::json::value& job, std::string_view server_url,
                            int64_t now_ms);

// `inet platform jobs`: a table with JOB ID, STATE, ATTEMPT, AGE/RUNTIME, GPUS, REASON (cut to
// fit), or "No jobs." for an empty array.
std::string FormatJobsTable(const boost::json::value& jobs, int64_t now_ms);

// `inet platform events`: one line per state change: time, state, attempt, reason.
std::string FormatEvents(const boost::json::value& events);

// `inet platform capacity`: GPUs, CPU, memory used/total, the GPU source and isolation.
std::string FormatCapacity(const boost::json::value& capacity);

// `inet platform cancel`: "Cancelled job X." for a job already Cancelled, else "Cancel requested
// for job X (was Running); it stops within its grace period."
std::string FormatCancelled(const boost::json::value& job);

}  // namespace inet::cli
