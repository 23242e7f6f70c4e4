// MetadataStore: the platform's durable state (everything but artifact bytes) on one database,
// seen through one narrow interface per kind of data:
//
//   tracking()  experiments, runs, metrics, params, tags, datasets, logged models
//               (store/tracking_store.h)
//   tokens()    API tokens (store/token_store.h)
//   jobs()      platform jobs and their events (store/job_store.h)
//   identity()  users, teams and memberships (store/identity_store.h)
//   quotas()    team quotas and quota increase requests (store/quota_store.h)
//   costs()     the cost ledger, team budgets and budget warnings (store/cost_store.h)
//   leases()    named leases held by one process per database: leader election
//               (store/lease_store.h)
//
// An adapter (store/sqlite: the embedded default; store/postgres) opens one database
// (connection pool, migrations) and implements every interface over it, one file per kind.
// Services take only the interface they need. New kinds of data (the model registry, ...)
// get their own interface and accessor here.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "store/cost_store.h"
#include "store/identity_store.h"
#include "store/job_store.h"
#include "store/lease_store.h"
#include "store/quota_store.h"
#include "store/token_store.h"
#include "store/tracking_store.h"

namespace inet::store {

// Owns the database connection(s) and the per-kind stores on them. The references returned
// live as long as this object and are thread-safe.
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  virtual TrackingStore& tracking() = 0;
  virtual TokenStore& tokens() = 0;
  virtual JobStore& jobs() = 0;
  virtual IdentityStore& identity() = 0;
  virtual QuotaStore& quotas() = 0;
  virtual CostStore& costs() = 0;
  virtual LeaseStore& leases() = 0;
};

// Opens the store named by `uri`: SQLite as MLflow/SQLAlchemy spell it ("sqlite:///rel/path.db"
// is relative, "sqlite:////abs/path.db" absolute; optional "?synchronous=full"), a bare file
// path, or "postgresql://user:pw@host:port/db". Runs pending migrations. The default experiment
// "0" is MLflow's rule: tracking::TrackingService::EnsureDefaultExperiment creates it.
// kInvalidArgument for an unknown scheme, kUnavailable when the database cannot be reached.
StatusOr<std::unique_ptr<MetadataStore>> OpenMetadataStore(std::string_view uri,
                                                           std::string_view default_artifact_root);

}  // namespace inet::store
