// The SQLite MetadataStore: opens one sqlite::Database and the per-kind stores on it
// (sqlite_tracking_store.cc, sqlite_token_store.cc, sqlite_job_store.cc, sqlite_identity_store.cc,
// sqlite_quota_store.cc, sqlite_cost_store.cc, sqlite_lease_store.cc).
#include "store/sqlite/sqlite_metadata_store.h"

#include <memory>
#include <string>
#include <utility>

#include "store/sqlite/sqlite_cost_store.h"
#include "store/sqlite/sqlite_database.h"
#include "store/sqlite/sqlite_identity_store.h"
#include "store/sqlite/sqlite_job_store.h"
#include "store/sqlite/sqlite_lease_store.h"
#include "store/sqlite/sqlite_quota_store.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_token_store.h"
#include "store/sqlite/sqlite_tracking_store.h"

namespace inet::store {
namespace {

class SqliteMetadataStore : public MetadataStore {
 public:
  Status Open(const SqliteLocation& location, std::string_view artifact_root, const Clock* clock) {
    ASSIGN_OR_RETURN(database_, sqlite::Database::Open(location.path, location.synchronous_full,
                                                       std::string(artifact_root), clock));
    ASSIGN_OR_RETURN(tracking_, sqlite::OpenSqliteTrackingStore(*database_));
    tokens_ = sqlite::NewSqliteTokenStore(*database_);
    jobs_ = sqlite::NewSqliteJobStore(*database_);
    identity_ = sqlite::NewSqliteIdentityStore(*database_);
    quotas_ = sqlite::NewSqliteQuotaStore(*database_);
    costs_ = sqlite::NewSqliteCostStore(*database_);
    leases_ = sqlite::NewSqliteLeaseStore(location.path);
    return OkStatus();
  }

  TrackingStore& tracking() override { return *tracking_; }
  TokenStore& tokens() override { return *tokens_; }
  JobStore& jobs() override { return *jobs_; }
  IdentityStore& identity() override { return *identity_; }
  QuotaStore& quotas() override { return *quotas_; }
  CostStore& costs() override { return *costs_; }
  LeaseStore& leases() override { return *leases_; }

 private:
  // Declared first so that it is destroyed last: the stores borrow it.
  std::unique_ptr<sqlite::Database> database_;
  std::unique_ptr<TrackingStore> tracking_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<JobStore> jobs_;
  std::unique_ptr<IdentityStore> identity_;
  std::unique_ptr<QuotaStore> quotas_;
  std::unique_ptr<CostStore> costs_;
  std::unique_ptr<LeaseStore> leases_;
};

}  // namespace

int SqliteSchemaVersion() { return sqlite::Migrations().back().version; }

StatusOr<SqliteLocation> ParseSqliteUri(std::string_view uri) {
  SqliteLocation loc;
  std::string_view rest = uri;
  std::string_view query;
  bool had_scheme = false;
  if (rest.starts_with("sqlite:")) {
    had_scheme = true;
    rest.remove_prefix(7);
    if (rest.starts_with("///")) {
      rest.remove_prefix(3);
    } else if (rest.starts_with("//")) {
      rest.remove_prefix(2);
    } else {
      return InvalidArgumentError("Invalid SQLite URI '" + std::string(uri) +
                                  "': expected sqlite:///<relative path> or "
                                  "sqlite:////<absolute path>");
    }
    size_t q = rest.find('?');
    if (q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
  } else if (rest.find("://") != std::string_view::npos) {
    return InvalidArgumentError("Not a SQLite URI: '" + std::string(uri) + "'");
  }
  loc.path = std::string(rest);
  if (loc.path.empty()) {
    if (!had_scheme) return InvalidArgumentError("Empty SQLite database path");
    loc.path = ":memory:";
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view option = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (option == "synchronous=full" || option == "synchronous=FULL") {
      loc.synchronous_full = true;
    } else if (option == "synchronous=normal" || option == "synchronous=NORMAL") {
      loc.synchronous_full = false;
    } else if (!option.empty()) {
      return InvalidArgumentError("Unknown SQLite URI option '" + std::string(option) +
                                  "' (supported: synchronous=normal|full)");
    }
  }
  return loc;
}

StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteMetadataStore(
    std::string_view uri, std::string_view default_artifact_root, const Clock* clock) {
  ASSIGN_OR_RETURN(SqliteLocation location, ParseSqliteUri(uri));
  auto store = std::make_unique<SqliteMetadataStore>();
  RETURN_IF_ERROR(store->Open(location, default_artifact_root, clock)
                      .WithContext("opening SQLite store '" + location.path + "'"));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace inet::store
