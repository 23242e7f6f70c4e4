// Opens the SQLite TrackingStore on a sqlite::Database. Used by the SQLite MetadataStore
// (sqlite_metadata_store.cc), which owns the database.
#pragma once

#include <memory>

#include "common/status.h"
#include "store/sqlite/sqlite_database.h"
#include "store/tracking_store.h"

namespace inet::store::sqlite {

// The tracking store over `db`, which is borrowed and must outlive the store.
StatusOr<std::unique_ptr<TrackingStore>> OpenSqliteTrackingStore(Database& db);

}  // namespace inet::store::sqlite
