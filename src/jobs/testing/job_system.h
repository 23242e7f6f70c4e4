// JobSystem: the jobs subsystem assembled as the composition root assembles it (token issuer,
// launcher, finalizer, controller, service) over stores and an executor the test owns, for the
// tests of jobs/ and of the platform routes. By default every worker runs inline and the
// controller has no thread: the test drives it one pass at a time (RunOnce).
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "jobs/attempt_finalizer.h"
#include "jobs/attempt_launcher.h"
#include "jobs/cost_meter.h"
#include "jobs/job_controller.h"
#include "jobs/job_service.h"
#include "server/attempt_token_issuer.h"
#include "store/metadata_store.h"

namespace inet::jobs::testing {

struct JobSystemOptions {
  JobServiceOptions service;
  JobControllerOptions controller;
  AttemptLauncherOptions launcher;
  AttemptFinalizerOptions finalizer;
  // Set: jobs are priced (a CostMeter over the store's costs(), tagging runs through the
  // tracking service, alerting through `alerts` when not null).
  std::optional<CostOptions> costs;
  AlertSink* alerts = nullptr;
};

// Options with no threads (the controller and its workers run on the test's thread, one pass
// at a time) whose launcher injects `server_url`.
JobSystemOptions InlineOptions(const std::string& server_url);

class JobSystem {
 public:
  // Borrows everything; all must outlive it.
  JobSystem(store::MetadataStore& store, artifacts::ArtifactStore& artifacts,
            exec::Executor& executor, sched::Admission& admission,
            tracking::TrackingService& tracking, const Clock& clock,
            const JobSystemOptions& options);

  JobService& service() { return service_; }
  // Null unless options.costs was set.
  CostMeter* costs() { return meter_ ? &*meter_ : nullptr; }
  JobController& controller() { return controller_; }
  Status Start() { return controller_.Start(); }
  void RunOnce() { controller_.RunOnceForTest(); }

 private:
  server::StoreAttemptTokenIssuer tokens_;
  AttemptLauncher launcher_;
  AttemptFinalizer finalizer_;
  std::optional<CostMeter> meter_;
  JobController controller_;
  JobService service_;
};

}  // namespace inet::jobs::testing
