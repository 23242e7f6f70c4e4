#include "jobs/testing/job_system.h"

namespace inet::jobs::testing {

JobSystemOptions InlineOptions(const std::string& server_url) {
  JobSystemOptions options;
  options.controller.start_thread = false;
  options.launcher.threads = 0;
  options.launcher.server_url = server_url;
  options.finalizer.threads = 0;
  return options;
}

namespace {

JobServiceOptions WithCosts(JobServiceOptions options, CostMeter* costs) {
  options.costs = costs;
  return options;
}

}  // namespace

JobSystem::JobSystem(store::MetadataStore& store, artifacts::ArtifactStore& artifacts,
                     exec::Executor& executor, sched::Admission& admission,
                     tracking::TrackingService& tracking, const Clock& clock,
                     const JobSystemOptions& options)
    : tokens_(store.tokens(), clock),
      launcher_(artifacts, executor, tokens_, tracking, options.launcher),
      finalizer_(artifacts, executor, tracking, clock, options.finalizer),
      meter_(options.costs ? std::make_optional<CostMeter>(store.costs(), store.jobs(), &tracking,
                                                           options.alerts, clock, *options.costs)
                           : std::nullopt),
      controller_(store.jobs(), store.leases(), executor, admission, launcher_, finalizer_, clock,
                  options.controller, meter_ ? &*meter_ : nullptr),
      service_(store.jobs(), artifacts, executor, tracking, clock,
               WithCosts(options.service, meter_ ? &*meter_ : nullptr),
               [this] { controller_.Wake(); }) {}

}  // namespace inet::jobs::testing
