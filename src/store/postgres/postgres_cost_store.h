// Creates the PostgreSQL CostStore on a postgres::Database. Used by the PostgreSQL
// MetadataStore (postgres_metadata_store.cc), which owns the database.
#pragma once

#include <memory>

#include "store/cost_store.h"
#include "store/postgres/postgres_database.h"

namespace inet::store::postgres {

// `db` is borrowed and must outlive the store.
std::unique_ptr<CostStore> NewPostgresCostStore(Database& db);

}  // namespace inet::store::postgres
