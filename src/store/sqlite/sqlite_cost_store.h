// Creates the SQLite CostStore on a sqlite::Database. Used by the SQLite MetadataStore
// (sqlite_metadata_store.cc), which owns the database.
#pragma once

#include <memory>

#include "store/cost_store.h"
#include "store/sqlite/sqlite_database.h"

namespace inet::store::sqlite {

// `db` is borrowed and must outlive the store.
std::unique_ptr<CostStore> NewSqliteCostStore(Database& db);

}  // namespace inet::store::sqlite
