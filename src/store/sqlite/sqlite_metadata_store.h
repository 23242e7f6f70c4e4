// The SQLite adapter of MetadataStore: the embedded default, one database file in WAL mode,
// with one file per kind of data (sqlite_tracking_store.cc, sqlite_token_store.cc,
// sqlite_job_store.cc) over the shared sqlite::Database (sqlite_database.h).
//
// Concurrency: one writer connection (writes serialised by a mutex, each a single
// transaction) and a small pool of read-only connections, so reads run concurrently with each
// other and with the writer. Durability: PRAGMA synchronous=NORMAL by default, which in WAL
// mode survives a process crash (kill -9) but may lose the last transactions on power loss;
// add "?synchronous=full" to the URI for power-loss durability. See docs/design/store.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "store/metadata_store.h"

namespace inet::store {

// Where and how to open a SQLite store, parsed from a URI.
struct SqliteLocation {
  std::string path;  // file path, or ":memory:"
  bool synchronous_full = false;
};

// Parses "sqlite:///relative.db", "sqlite:////abs/path.db" (as SQLAlchemy and MLflow read
// them: the path is whatever follows "sqlite:///"), "sqlite://relative.db", "sqlite://" or
// "sqlite:///:memory:" (in-memory), or a bare path. Query options: synchronous=normal|full.
// kInvalidArgument for another scheme, an empty path or an unknown option.
StatusOr<SqliteLocation> ParseSqliteUri(std::string_view uri);

// Opens (creating the file and its parent directories if needed) the store at `uri`, runs
// pending schema migrations (experiment "0" is tracking::TrackingService's to create). `clock`
// (borrowed, must outlive the store; null means the system clock) supplies creation and update
// times the caller did not set. Errors: kInvalidArgument for a bad URI, kUnavailable when the file
// cannot be opened, kFailedPrecondition when the database was written by a newer inet (schema too
// new).
StatusOr<std::unique_ptr<MetadataStore>> OpenSqliteMetadataStore(
    std::string_view uri, std::string_view default_artifact_root, const Clock* clock = nullptr);

// The schema version this binary migrates databases to.
int SqliteSchemaVersion();

}  // namespace inet::store
