// PostgreSQL leases: a session-level advisory lock, keyed by the schema and the lease name, on
// a connection of its own (not pooled) that the lease keeps open. PostgreSQL releases the lock
// when that session ends, so a process that dies leaves no lease behind. Check() asks the
// same session whether it still holds the lock: a broken connection means it may be lost.
#include "store/postgres/postgres_lease_store.h"

#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace inet::store::postgres {
namespace {

// Advisory locks are per database; the schema is part of the key so stores in other schemas
// of the same database (tests, side-by-side installs) do not contend.
constexpr std::string_view kTryLock =
    "SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext('inet.' || $1))";
constexpr std::string_view kStillHeld =
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
    "pid = pg_backend_pid() AND classid = hashtext(current_schema())::oid AND "
    "objid = hashtext('inet.' || $1)::oid AND objsubid = 2";

class AdvisoryLease : public Lease {
 public:
  AdvisoryLease(std::unique_ptr<PgConnection> conn, std::string name)
      : conn_(std::move(conn)), name_(std::move(name)) {}
  // Closing the session releases the lock.

  Status Check() override {
    std::lock_guard lock(mu_);
    if (!lost_.ok()) return lost_;
    StatusOr<PgResult> held = conn_->Exec(kStillHeld, {name_});
    if (!held.ok()) {
      lost_ = UnavailableError("the connection holding lease '" + name_ +
                               "' failed: " + held.status().message());
    } else if (held->GetInt64(0, 0) != 1) {
      lost_ = UnavailableError("lease '" + name_ + "' is no longer held by this session");
    }
    return lost_;
  }

 private:
  std::mutex mu_;
  std::unique_ptr<PgConnection> conn_;
  const std::string name_;
  Status lost_;
};

class PostgresLeaseStore : public LeaseStore {
 public:
  explicit PostgresLeaseStore(Database& db) : db_(db) {}

  StatusOr<std::unique_ptr<Lease>> TryAcquire(std::string_view name) override {
    if (!IsValidLeaseName(name)) {
      return InvalidArgumentError("invalid lease name '" + std::string(name) + "'");
    }
    ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, db_.ConnectDedicated());
    const std::string key(name);
    StatusOr<PgResult> locked = conn->Exec(kTryLock, {key});
    if (!locked.ok()) return locked.status().WithContext("acquiring lease '" + key + "'");
    if (!locked->GetBool(0, 0)) return std::unique_ptr<Lease>();
    return std::unique_ptr<Lease>(std::make_unique<AdvisoryLease>(std::move(conn), key));
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<LeaseStore> NewPostgresLeaseStore(Database& db) {
  return std::make_unique<PostgresLeaseStore>(db);
}

}  // namespace inet::store::postgres
