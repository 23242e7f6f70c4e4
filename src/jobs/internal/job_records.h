// What the job service, the controller, the launcher and the finalizer share about a job
// record: reading its spec and result, the one fit check against an executor's
// total capacity, the artifact-store keys jobs/ owns, and the version-checked write with an
// event that every transition goes through.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/resources.h"
#include "common/status.h"
#include "exec/executor.h"
#include "jobs/internal/job_result_json.h"
#include "jobs/job_spec.h"
#include "store/job_store.h"
#include "store/job_types.h"

namespace inet::jobs::internal {

// "snapshots/<id>.tar.gz": where an uploaded code snapshot is kept in the artifact store.
std::string SnapshotKey(std::string_view team, std::string_view snapshot_id);
// "jobs/<id>/outputs/<name>": where a finished job's output artifact is kept.
std::string OutputKey(std::string_view team, std::string_view job_id, std::string_view name);

// The record's spec; a spec that no longer parses (never written by this code) reads as what
// the record itself knows (name, team, priority class).
JobSpec SpecOf(const store::JobRecord& record);
// The record's result; a malformed one reads as empty.
PersistedResult ResultOf(std::string_view result_json);

// Every job in one of `states` (all pages).
StatusOr<std::vector<store::JobRecord>> ListAllJobs(store::JobStore& store,
                                                    std::vector<store::JobState> states);

// What a mutation of a job record asks to be written.
enum class Write { kNone, kQuiet, kWithEvent };
using Mutation = std::function<StatusOr<Write>(store::JobRecord&)>;

// Applies `mutate` to `current` and writes it (with an event built from the result when
// asked); on a version conflict re-reads the job and applies `mutate` again. Returns the
// record as stored (unchanged when the mutation wrote nothing). The mutation's own error is
// returned as is; kAborted when the job kept changing.
StatusOr<store::JobRecord> MutateJob(store::JobStore& store, const Clock& clock,
                                     store::JobRecord current, const Mutation& mutate);

}  // namespace inet::jobs::internal
