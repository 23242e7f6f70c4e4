#include "jobs/internal/job_records.h"

#include <optional>
#include <utility>

#include "search/search.h"

namespace inet::jobs::internal {
namespace {

constexpr int kMaxWriteAttempts = 10;
constexpr int64_t kMaxListPage = 1000;

}  // namespace

std::string SnapshotKey(std::string_view team, std::string_view snapshot_id) {
  return TeamArtifactPrefix(team) + "snapshots/" + std::string(snapshot_id) + ".tar.gz";
}

std::string OutputKey(std::string_view team, std::string_view job_id, std::string_view name) {
  return TeamArtifactPrefix(team) + "jobs/" + std::string(job_id) + "/outputs/" + std::string(name);
}

JobSpec SpecOf(const store::JobRecord& record) {
  StatusOr<JobSpec> spec = JobSpecFromJson(record.spec_json);
  if (spec.ok()) return *std::move(spec);
  // Specs are validated before they are stored; keep what the record itself knows.
  JobSpec fallback;
  fallback.name = record.name;
  fallback.team = record.team;
  fallback.priority_class = record.priority_class;
  return fallback;
}

PersistedResult ResultOf(std::string_view result_json) {
  StatusOr<PersistedResult> decoded = DecodeResult(result_json);
  return decoded.ok() ? *std::move(decoded) : PersistedResult{};
}

StatusOr<std::vector<store::JobRecord>> ListAllJobs(store::JobStore& store,
                                                    std::vector<store::JobState> states) {
  store::JobQuery query;
  query.states = std::move(states);
  query.max_results = kMaxListPage;
  std::vector<store::JobRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(store::Page<store::JobRecord> page, store.ListJobs(query));
    for (store::JobRecord& r : page.items) out.push_back(std::move(r));
    if (page.next_page_token.empty()) break;
    ASSIGN_OR_RETURN(query.offset, search::DecodePageToken(page.next_page_token));
  }
  return out;
}

StatusOr<store::JobRecord> MutateJob(store::JobStore& store, const Clock& clock,
                                     store::JobRecord current, const Mutation& mutate) {
  for (int i = 0; i < kMaxWriteAttempts; ++i) {
    store::JobRecord next = current;
    ASSIGN_OR_RETURN(Write write, mutate(next));
    if (write == Write::kNone) return current;
    next.updated_at = clock.NowMillis();
    std::optional<store::JobEvent> event;
    if (write == Write::kWithEvent) {
      event =
          store::JobEvent{next.job_id, 0, next.updated_at, next.state, next.attempt, next.reason};
    }
    StatusOr<int64_t> version = store.UpdateJob(next, event);
    if (version.ok()) {
      next.version = *version;
      return next;
    }
    if (version.status().code() != StatusCode::kAborted) return version.status();
    // Someone else wrote first (a cancel, usually): re-read and re-apply.
    ASSIGN_OR_RETURN(current, store.GetJob(current.job_id));
  }
  return AbortedError("job " + current.job_id + " kept changing while being updated; try again");
}

}  // namespace inet::jobs::internal
