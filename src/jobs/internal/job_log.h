// Reading a job's log for the API: from the executor's local log while it has one (the job is
// running, or finished recently), else from the copy uploaded to the artifact store when an
// attempt ended (jobs/<id>/job.log), else an empty stream (no output yet). A following stream
// keeps waiting for more output while the job is not terminal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "artifacts/artifact_store.h"
#include "common/io.h"
#include "common/status.h"
#include "exec/executor.h"
#include "store/job_store.h"

namespace inet::jobs::internal {

// "jobs/<id>/job.log": where the log is kept in the artifact store.
std::string LogKey(std::string_view job_id);

// The log from byte `offset` as it is now. Errors only for store trouble (not for a missing
// log, which reads as empty).
StatusOr<std::unique_ptr<ByteSource>> OpenJobLog(exec::Executor& executor,
                                                 artifacts::ArtifactStore& artifacts,
                                                 std::string_view job_id, int64_t offset);

// A live stream of the log from `offset` (see common/live_byte_source.h): at the end of what
// exists it reports "nothing yet" while the job is not terminal in `store`, and ends when it is
// terminal and everything was read, or after `idle_seconds` without new output. Its blocking
// Read polls every ~100 ms. Borrows the three stores, which must outlive it.
std::unique_ptr<ByteSource> FollowJobLog(exec::Executor& executor,
                                         artifacts::ArtifactStore& artifacts,
                                         store::JobStore& store, std::string job_id, int64_t offset,
                                         int idle_seconds);

}  // namespace inet::jobs::internal
