// Versioned schema migrations of the PostgreSQL metadata store. Each migration is a DDL
// script applied once, in order, inside one transaction that first takes a transaction-level
// advisory lock, so several server replicas starting at the same time apply each migration
// exactly once and never see a half-built schema. The applied versions are recorded in
// `schema_migrations` in the connection's current schema (search_path).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "store/postgres/pg_connection.h"

namespace inet::store::postgres {

// The newest schema version this binary knows.
int LatestSchemaVersion();

// Brings the schema to LatestSchemaVersion(), recording each migration as applied at `now_ms`.
// A no-op when already current.
// kFailedPrecondition when the database was migrated by a newer binary; database errors keep
// their code (kUnavailable for connection trouble). `conn` must not be inside a transaction.
Status MigrateSchema(PgConnection& conn, int64_t now_ms);

// "<root>/<id>" without doubling a trailing slash of `root`.
std::string JoinArtifactUri(std::string_view root, std::string_view id);

}  // namespace inet::store::postgres
