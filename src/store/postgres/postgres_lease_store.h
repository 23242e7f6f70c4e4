// Creates the PostgreSQL LeaseStore on a postgres::Database. Used by the PostgreSQL
// MetadataStore (postgres_metadata_store.cc), which owns the database.
#pragma once

#include <memory>

#include "store/lease_store.h"
#include "store/postgres/postgres_database.h"

namespace inet::store::postgres {

// `db` is borrowed and must outlive the store and every lease it hands out.
std::unique_ptr<LeaseStore> NewPostgresLeaseStore(Database& db);

}  // namespace inet::store::postgres
