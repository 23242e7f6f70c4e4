// Creates the SQLite TokenStore on a sqlite::Database. Used by the SQLite MetadataStore
// (sqlite_metadata_store.cc), which owns the database.
#pragma once

#include <memory>

#include "store/sqlite/sqlite_database.h"
#include "store/token_store.h"

namespace inet::store::sqlite {

// `db` is borrowed and must outlive the store.
std::unique_ptr<TokenStore> NewSqliteTokenStore(Database& db);

}  // namespace inet::store::sqlite
