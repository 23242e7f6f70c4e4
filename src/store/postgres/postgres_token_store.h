// Creates the PostgreSQL TokenStore on a postgres::Database. Used by the PostgreSQL
// MetadataStore (postgres_metadata_store.cc), which owns the database.
#pragma once

#include <memory>

#include "store/postgres/postgres_database.h"
#include "store/token_store.h"

namespace inet::store::postgres {

// `db` is borrowed and must outlive the store.
std::unique_ptr<TokenStore> NewPostgresTokenStore(Database& db);

}  // namespace inet::store::postgres
