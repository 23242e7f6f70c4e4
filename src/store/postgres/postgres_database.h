// The PostgreSQL database under every PostgreSQL store (tracking, tokens, jobs): the bounded
// connection pool, schema migrations, and the transaction helpers (with retries of
// serialization failures) the per-kind stores run their statements through. Used only inside
// store/postgres.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.h"
#include "common/status.h"
#include "store/internal/sql_search.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_migrations.h"

namespace inet::store::postgres {

// Concatenates string pieces (messages and SQL).
inline std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    out += p;
  }
  return out;
}

class Database {
 public:
  // At most this many connections are open at once.
  static constexpr size_t kPoolSize = 16;

  // Connects lazily through a pool for `conninfo`; `default_artifact_root` is where
  // experiments without a location go. Call Migrate() before use.
  Database(std::string conninfo, std::string default_artifact_root)
      : conninfo_(conninfo),
        pool_(std::move(conninfo), kPoolSize),
        root_(std::move(default_artifact_root)) {}

  // Runs pending migrations (safe when several processes open the database at once).
  // kUnavailable when the server cannot be reached,
  // kFailedPrecondition when a newer binary migrated the schema.
  Status Migrate() {
    ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return MigrateSchema(*conn, Now());
  }

  // A connection of its own, outside the pool, for a session that must stay open (a lease).
  StatusOr<std::unique_ptr<PgConnection>> ConnectDedicated() const {
    return PgConnection::Connect(conninfo_);
  }

  int64_t Now() const { return clock_.NowMillis(); }
  const std::string& artifact_root() const { return root_; }
  const internal::Dialect& dialect() const { return dialect_; }

  // Runs `body` in one transaction on a pooled connection: commits when it returns OK, rolls
  // back otherwise, and retries the whole transaction after a serialization failure or
  // deadlock, or when a pooled connection turned out to be dead before anything was sent.
  // Database trouble gets `what` as context; domain errors (kNotFound, ...) keep the exact
  // MLflow wording.
  template <typename Body>
  Status Transact(std::string_view what, std::string_view begin, Body&& body) {
    Status s;
    for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
      StatusOr<PgPool::Lease> lease = pool_.Acquire();
      if (!lease.ok()) {
        return lease.status().WithContext(what);
      }
      PgConnection& c = **lease;
      s = c.Exec(begin).status();
      if (!s.ok()) {
        if (s.code() == StatusCode::kUnavailable) {
          pool_.DropIdle();  // a dead pooled connection: its idle siblings likely are too
          continue;
        }
        break;
      }
      s = body(c);
      if (s.ok()) {
        s = c.Exec("COMMIT").status();
      }
      if (!s.ok()) {
        (void)c.Exec("ROLLBACK");
      }
      if (s.code() != StatusCode::kAborted) {
        break;
      }
    }
    if (s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kInternal ||
        s.code() == StatusCode::kAborted) {
      return s.WithContext(what);
    }
    return s;
  }
  template <typename Body>
  Status Write(std::string_view what, Body&& body) {
    return Transact(what, "BEGIN", std::forward<Body>(body));
  }
  // Several SELECTs that must see one snapshot.
  template <typename Body>
  Status Read(std::string_view what, Body&& body) {
    return Transact(what, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                    std::forward<Body>(body));
  }

 private:
  // A transaction that failed with a serialization failure or deadlock is retried this often.
  static constexpr int kMaxAttempts = 3;

  const std::string conninfo_;  // before pool_, which is built from a copy
  PgPool pool_;
  const std::string root_;
  const internal::Dialect dialect_ = internal::PostgresDialect();
  SystemClock clock_;
};

}  // namespace inet::store::postgres
