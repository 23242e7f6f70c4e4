// A bounded, thread-safe pool of PostgreSQL connections for the metadata store. Connections
// are opened lazily up to `max_size`; callers borrow one through a Lease (RAII) and get it
// back automatically. A connection that broke or was left inside a transaction is closed
// instead of being reused, so a server restart heals on the next request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/postgres/pg_connection.h"

namespace inet::store::postgres {

class PgPool {
 public:
  // `conninfo` is handed to PgConnection::Connect; `max_size` >= 1; Acquire waits at most
  // `wait` for a free connection when all are in use.
  PgPool(std::string conninfo, size_t max_size,
         std::chrono::milliseconds wait = std::chrono::seconds(30));
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Exclusive use of one connection until destroyed. Movable, not copyable.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // Borrows an idle connection or opens a new one. kUnavailable when connecting fails or
  // when none is free within the wait; kInvalidArgument for a malformed conninfo. Thread-safe.
  StatusOr<Lease> Acquire();

  // Closes every idle connection, e.g. after one of them turned out dead: when the server
  // restarted, the others are dead too. Leased connections are unaffected. Thread-safe.
  void DropIdle();

 private:
  void Release(std::unique_ptr<PgConnection> conn);

  const std::string conninfo_;
  const size_t max_size_;
  const std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // GUARDED_BY(mu_)
  size_t open_ = 0;  // connections existing or being opened, idle or leased; GUARDED_BY(mu_)
};

}  // namespace inet::store::postgres
