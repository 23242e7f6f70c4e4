#include "store/sqlite/sqlite_database.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>

#include "store/sqlite/sqlite_schema.h"

namespace inet::store::sqlite {
namespace {

constexpr int kReaderPoolSize = 4;
// Bulk reads bind one placeholder per id; long id lists are split into chunks of this many,
// each run as its own query.
constexpr size_t kMaxIdsPerQuery = 500;

}  // namespace

Database::Database(std::string artifact_root, const Clock* clock)
    : artifact_root_(std::move(artifact_root)), clock_(clock ? clock : &system_clock_) {
  while (!artifact_root_.empty() && artifact_root_.back() == '/') artifact_root_.pop_back();
}

StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, bool synchronous_full,
                                                   std::string artifact_root, const Clock* clock) {
  std::unique_ptr<Database> db(new Database(std::move(artifact_root), clock));
  RETURN_IF_ERROR(db->OpenConnections(path, synchronous_full));
  return db;
}

std::string Placeholders(size_t n, size_t first) {
  std::string out = "(";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += "?" + std::to_string(first + i);
  }
  return out + ")";
}

Status ForEachRowInChunks(Connection& db, const std::string& sql,
                          const std::vector<internal::SqlValue>& ids,
                          const std::function<void(const Statement&)>& fn) {
  size_t at = sql.find(kIdsMarker);
  if (at == std::string::npos) return InternalError("bulk query without an id list");
  for (size_t start = 0; start < ids.size(); start += kMaxIdsPerQuery) {
    size_t n = std::min(kMaxIdsPerQuery, ids.size() - start);
    std::string chunk_sql =
        sql.substr(0, at) + Placeholders(n) + sql.substr(at + kIdsMarker.size());
    ASSIGN_OR_RETURN(Statement q, db.PrepareUncached(chunk_sql));
    for (size_t i = 0; i < n; ++i) q.BindValue(static_cast<int>(i + 1), ids[start + i]);
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      fn(q);
    }
  }
  return OkStatus();
}

Status Database::OpenConnections(const std::string& path, bool synchronous_full) {
  in_memory_ = path == ":memory:";
  if (!in_memory_) {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return UnavailableError("creating directory '" + parent.string() +
                                "' for the SQLite database: " + ec.message());
      }
    }
  }
  ASSIGN_OR_RETURN(writer_, Connection::Open(path, synchronous_full, false));
  if (!in_memory_) {
    // WAL lets readers proceed while the single writer commits; it is persistent in the file.
    RETURN_IF_ERROR(
        writer_->Exec("PRAGMA journal_mode = WAL;").WithContext("enabling WAL on '" + path + "'"));
    // Checkpoint when the WAL holds kWalAutocheckpointPages pages rather than SQLite's 1,000:
    // a batch of 1,000 distinct metric keys dirties about as many pages, so the default
    // checkpoints after nearly every such commit, copying pages that the next commits dirty
    // again. Durability is unchanged (commits still reach the WAL with the same synchronous
    // setting); the WAL file grows to about 40 MiB between checkpoints.
    RETURN_IF_ERROR(writer_->Exec(
        "PRAGMA wal_autocheckpoint = " + std::to_string(kWalAutocheckpointPages) + ";"));
  }
  RETURN_IF_ERROR(Migrate(*writer_));
  if (!in_memory_) {
    for (int i = 0; i < kReaderPoolSize; ++i) {
      ASSIGN_OR_RETURN(auto reader, Connection::Open(path, synchronous_full, true));
      idle_readers_.push_back(std::move(reader));
    }
  }
  return OkStatus();
}

Status Database::Migrate(Connection& db) {
  RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
              "description TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  return Write([&](Connection& tx) -> Status {
    ASSIGN_OR_RETURN(Statement q, tx.Prepare("SELECT COALESCE(MAX(version), 0) FROM "
                                             "schema_migrations"));
    ASSIGN_OR_RETURN(bool row, q.Step());
    int64_t current = row ? q.Int(0) : 0;
    q.Reset();  // an unfinished statement would keep a migration from dropping a table
    int latest = Migrations().back().version;
    if (current > latest) {
      return FailedPreconditionError("the database schema is version " + std::to_string(current) +
                                     ", newer than this inet binary supports (" +
                                     std::to_string(latest) +
                                     "); upgrade inet or point it at another database");
    }
    for (const Migration& m : Migrations()) {
      if (m.version <= current) continue;
      RETURN_IF_ERROR(tx.Exec(std::string(m.sql))
                          .WithContext("applying schema migration " + std::to_string(m.version)));
      if (m.backfill != nullptr) {
        RETURN_IF_ERROR(
            m.backfill(tx).WithContext("filling in schema migration " + std::to_string(m.version)));
      }
      ASSIGN_OR_RETURN(Statement ins, tx.Prepare("INSERT INTO schema_migrations (version, "
                                                 "description, applied_at) VALUES (?1, ?2, ?3)"));
      RETURN_IF_ERROR(
          ins.Bind(1, static_cast<int64_t>(m.version)).Bind(2, m.description).Bind(3, Now()).Run());
    }
    return OkStatus();
  });
}

Status Database::Write(const std::function<Status(Connection&)>& fn) {
  std::lock_guard lock(write_mu_);
  RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE").WithContext("starting a write transaction"));
  Status s = fn(*writer_);
  if (!s.ok()) {
    (void)writer_->Exec("ROLLBACK");
    return s;
  }
  Status c = writer_->Exec("COMMIT");
  if (!c.ok()) {
    (void)writer_->Exec("ROLLBACK");
    return c.WithContext("committing");
  }
  return OkStatus();
}

Status Database::Read(const std::function<Status(Connection&)>& fn) {
  if (in_memory_) {
    std::lock_guard lock(write_mu_);
    return fn(*writer_);
  }
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
    conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
  }
  Status s = conn->Exec("BEGIN").WithContext("starting a read transaction");
  if (s.ok()) {
    s = fn(*conn);
    Status c = conn->Exec("COMMIT");
    if (!c.ok()) (void)conn->Exec("ROLLBACK");
    if (s.ok()) s = c;
  }
  {
    std::lock_guard lock(pool_mu_);
    idle_readers_.push_back(std::move(conn));
  }
  pool_cv_.notify_one();
  return s;
}

}  // namespace inet::store::sqlite
