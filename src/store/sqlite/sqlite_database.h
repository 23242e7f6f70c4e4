// The SQLite database under every SQLite store (tracking, tokens, jobs): the writer
// connection and the pool of read-only connections, schema migrations, and the transaction
// helpers the per-kind stores run their statements through. Used only inside store/sqlite.
//
// Concurrency: one writer connection (writes serialised by a mutex, each a single
// transaction) and a small pool of read-only connections, so reads run concurrently with each
// other and with the writer. In-memory databases have a single connection, shared under the
// write mutex. See docs/design/store.md.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/internal/sql_search.h"
#include "store/sqlite/sqlite_connection.h"

namespace inet::store::sqlite {

class Database {
 public:
  // Opens (creating the file and its parent directories if needed) the database at `path`
  // (a file, or ":memory:") in WAL mode, fsyncing every commit when `synchronous_full`, and runs
  // pending schema migrations. `clock` (borrowed, must outlive the database; null means the system
  // clock) supplies the times callers did not set; `artifact_root` (trailing slashes dropped) is
  // where experiments without a location go. kUnavailable when the file cannot be opened,
  // kFailedPrecondition when its schema is newer than this binary's.
  static StatusOr<std::unique_ptr<Database>> Open(const std::string& path, bool synchronous_full,
                                                  std::string artifact_root, const Clock* clock);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `fn` in one IMMEDIATE transaction on the writer; commits when it returns OK, rolls
  // back otherwise. Thread-safe (writers queue on a mutex).
  Status Write(const std::function<Status(Connection&)>& fn);
  // Runs `fn` in one read transaction (a consistent snapshot) on a pooled reader.
  // Thread-safe.
  Status Read(const std::function<Status(Connection&)>& fn);

  int64_t Now() const { return clock_->NowMillis(); }
  const std::string& artifact_root() const { return artifact_root_; }

 private:
  Database(std::string artifact_root, const Clock* clock);
  Status OpenConnections(const std::string& path, bool synchronous_full);
  Status Migrate(Connection& db);

  std::string artifact_root_;
  SystemClock system_clock_;
  const Clock* clock_;

  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_
  bool in_memory_ = false;              // readers then share the writer

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by pool_mu_
};

// The writer's wal_autocheckpoint (pages of the WAL before a commit checkpoints it).
inline constexpr int kWalAutocheckpointPages = 10000;

// "(?1, ?2, ...)" placeholders for `n` values starting at `first`.
std::string Placeholders(size_t n, size_t first = 1);

// Stands for the id list in the SQL given to ForEachRowInChunks.
inline constexpr std::string_view kIdsMarker = "(@IDS@)";

// Runs `sql`, in which kIdsMarker stands for the id list, once per chunk of `ids` (SQLite
// limits the number of parameters per statement), calling `fn` for every row.
Status ForEachRowInChunks(Connection& db, const std::string& sql,
                          const std::vector<internal::SqlValue>& ids,
                          const std::function<void(const Statement&)>& fn);

}  // namespace inet::store::sqlite
