// Creates the PostgreSQL QuotaStore on a postgres::Database. Used by the PostgreSQL
// MetadataStore (postgres_metadata_store.cc), which owns the database.
#pragma once

#include <memory>

#include "store/postgres/postgres_database.h"
#include "store/quota_store.h"

namespace inet::store::postgres {

// `db` is borrowed and must outlive the store.
std::unique_ptr<QuotaStore> NewPostgresQuotaStore(Database& db);

}  // namespace inet::store::postgres
