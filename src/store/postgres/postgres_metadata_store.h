// The PostgreSQL adapter of MetadataStore (store/metadata_store.h), for running several
// stateless server replicas against one database. It talks to libpq directly through a
// bounded connection pool with per-connection prepared statements, writes LogBatch as one
// transaction of set-based statements over array parameters (`unnest`), and shares the
// search translation (store/internal/sql_search.h) and the conformance suite with the SQLite
// adapter. docs/design/store.md describes the schema both adapters use.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "store/metadata_store.h"

namespace inet::store {

// Opens the store at `uri` ("postgresql://user:pw@host:port/db?options", or "postgres://";
// libpq's query options such as sslmode or options=-csearch_path%3Dname pass through), runs
// pending migrations (safe when several processes open it at once) and creates experiment
// "0" if missing. Experiments without an artifact location get
// "<default_artifact_root>/<id>".
// kInvalidArgument when `uri` is not a PostgreSQL URI or does not parse; kUnavailable, with
// the server's reason and the password redacted, when the database cannot be reached or
// refuses the login; kFailedPrecondition when a newer binary migrated the schema.
// The returned store is thread-safe; it keeps at most 16 connections open.
StatusOr<std::unique_ptr<MetadataStore>> OpenPostgresMetadataStore(
    std::string_view uri, std::string_view default_artifact_root);

}  // namespace inet::store
