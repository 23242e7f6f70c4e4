// What the typed-job-columns migration (SQLite and PostgreSQL version 6) writes into a job
// recorded before those columns existed, computed from what the row already holds: the
// requested resources from its spec JSON, parsed by common/quantity (SQL cannot read "16Gi"
// or "500m"), and the stop reason from its state and the human reason the controller wrote.
// Both adapters run it inside the migration's transaction.
#pragma once

#include <string_view>

#include "common/resources.h"
#include "store/job_types.h"

namespace inet::store::internal {

struct BackfilledJobColumns {
  Resources resources;
  StopReason stop_reason = StopReason::kNone;
};

// Never fails: a spec that does not parse (never written by jobs/) requests nothing, and a
// reason that names no known cause gives the state's own code (kFailed for a failed job,
// kNone for one that has not stopped).
BackfilledJobColumns BackfillJobColumns(std::string_view spec_json, JobState state,
                                        std::string_view reason);

}  // namespace inet::store::internal
