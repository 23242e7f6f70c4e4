// The PostgreSQL MetadataStore: opens one postgres::Database and the per-kind stores on it
// (postgres_tracking_store.cc, postgres_token_store.cc, postgres_job_store.cc,
// postgres_identity_store.cc, postgres_quota_store.cc, postgres_cost_store.cc,
// postgres_lease_store.cc).
#include "store/postgres/postgres_metadata_store.h"

#include <memory>
#include <string>

#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_cost_store.h"
#include "store/postgres/postgres_database.h"
#include "store/postgres/postgres_identity_store.h"
#include "store/postgres/postgres_job_store.h"
#include "store/postgres/postgres_lease_store.h"
#include "store/postgres/postgres_quota_store.h"
#include "store/postgres/postgres_token_store.h"
#include "store/postgres/postgres_tracking_store.h"

namespace inet::store {
namespace {

class PostgresMetadataStore : public MetadataStore {
 public:
  PostgresMetadataStore(std::string conninfo, std::string default_artifact_root)
      : database_(std::move(conninfo), std::move(default_artifact_root)),
        tracking_(postgres::NewPostgresTrackingStore(database_)),
        tokens_(postgres::NewPostgresTokenStore(database_)),
        jobs_(postgres::NewPostgresJobStore(database_)),
        identity_(postgres::NewPostgresIdentityStore(database_)),
        quotas_(postgres::NewPostgresQuotaStore(database_)),
        costs_(postgres::NewPostgresCostStore(database_)),
        leases_(postgres::NewPostgresLeaseStore(database_)) {}

  Status Init() { return database_.Migrate(); }

  TrackingStore& tracking() override { return *tracking_; }
  TokenStore& tokens() override { return *tokens_; }
  JobStore& jobs() override { return *jobs_; }
  IdentityStore& identity() override { return *identity_; }
  QuotaStore& quotas() override { return *quotas_; }
  CostStore& costs() override { return *costs_; }
  LeaseStore& leases() override { return *leases_; }

 private:
  // Declared first so that it is destroyed last: the stores borrow it.
  postgres::Database database_;
  std::unique_ptr<TrackingStore> tracking_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<JobStore> jobs_;
  std::unique_ptr<IdentityStore> identity_;
  std::unique_ptr<QuotaStore> quotas_;
  std::unique_ptr<CostStore> costs_;
  std::unique_ptr<LeaseStore> leases_;
};

}  // namespace

StatusOr<std::unique_ptr<MetadataStore>> OpenPostgresMetadataStore(
    std::string_view uri, std::string_view default_artifact_root) {
  if (!uri.starts_with("postgresql://") && !uri.starts_with("postgres://")) {
    return InvalidArgumentError(
        postgres::Cat({"not a PostgreSQL URI: '", postgres::RedactConninfo(uri),
                       "' (expected postgresql://user:password@host:port/db)"}));
  }
  auto store =
      std::make_unique<PostgresMetadataStore>(std::string(uri), std::string(default_artifact_root));
  Status s = store->Init();
  if (!s.ok()) {
    return s.WithContext("opening the PostgreSQL metadata store");
  }
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace inet::store
