// A thin RAII layer over one SQLite C-API connection: opening with the store's pragmas,
// cached prepared statements, typed binding and reading, and SQLite result codes turned into
// Status. Used only by the SQLite metadata store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "store/internal/sql_search.h"

namespace inet::store::sqlite {

// Maps a SQLite result code to a Status: busy/locked/full/I-O -> kUnavailable, the rest
// kInternal; the message carries `context` and SQLite's own text.
Status SqliteError(sqlite3* db, int rc, std::string_view context);

// One prepared statement in use. Cached statements are reset (not finalized) on destruction;
// uncached ones are finalized. Move-only; must not outlive its connection.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool owned) : db_(db), stmt_(stmt), owned_(owned) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Binding; `index` is 1-based as in SQLite.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);
  Statement& BindValue(int index, const internal::SqlValue& value);
  // Binds values[i] to parameter i+1.
  Statement& BindAll(const std::vector<internal::SqlValue>& values);

  // Advances: true when a row is available, false when done.
  StatusOr<bool> Step();
  // Steps to completion, ignoring rows.
  Status Run();
  // Resets for re-execution with new bindings (bindings are kept until rebound).
  void Reset();

  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  // The same text without a copy; valid until the next Step() or Reset().
  std::string_view TextView(int col) const;

 private:
  Status FirstBindError() const;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_;
  int bind_rc_ = SQLITE_OK;
};

// One connection. Not thread-safe: the store hands each connection to one thread at a time.
class Connection {
 public:
  // Opens (creating if needed) the database file and applies the connection pragmas:
  // busy_timeout, case_sensitive_like, foreign keys, and `synchronous` (NORMAL or FULL).
  // `read_only` connections also set query_only.
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool synchronous_full,
                                                    bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement for `sql` (prepared on first use).
  StatusOr<Statement> Prepare(const std::string& sql);
  // A one-off statement (dynamic SQL such as searches), finalized after use.
  StatusOr<Statement> PrepareUncached(const std::string& sql);
  // Runs one or more statements without results (DDL, BEGIN/COMMIT).
  Status Exec(const std::string& sql);

  int64_t Changes() const;
  sqlite3* raw() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace inet::store::sqlite
