// JobStore: platform job records and their append-only event lists, one of the narrow
// interfaces a MetadataStore (store/metadata_store.h) opens on one database. Adapters:
// store/sqlite/sqlite_job_store.cc and store/postgres/postgres_job_store.cc; the contract is
// pinned by store/testing/job_store_conformance.h. The store treats spec_json,
// executor_state and result_json as opaque text owned by jobs/ and exec/.
//
// Every method is thread-safe; a write that returned OK is committed. kUnavailable /
// kInternal for database trouble, with context.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/job_types.h"
#include "store/types.h"

namespace inet::store {

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Stores a new job (version 1) and its first event atomically. kAlreadyExists for a taken
  // job_id.
  virtual Status CreateJob(const JobRecord& job, const JobEvent& first_event) = 0;
  // kNotFound ("Job 'x' not found").
  virtual StatusOr<JobRecord> GetJob(std::string_view job_id) = 0;
  // Replaces every mutable field of the stored job with `job`'s (all but job_id, name, team,
  // user, priority_class, spec_json, created_at) if the stored version equals job.version, and
  // appends `event` (when given) in the same transaction. Returns the new version.
  // kNotFound for a missing job; kAborted when the version no longer matches (someone else
  // wrote first: re-read and retry).
  virtual StatusOr<int64_t> UpdateJob(const JobRecord& job,
                                      const std::optional<JobEvent>& event) = 0;
  virtual StatusOr<Page<JobRecord>> ListJobs(const JobQuery& query) = 0;
  // Every event of the job in seq order. kNotFound for a missing job.
  virtual StatusOr<std::vector<JobEvent>> ListJobEvents(std::string_view job_id) = 0;
};

}  // namespace inet::store
