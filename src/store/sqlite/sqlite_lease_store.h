// Creates the SQLite LeaseStore for the database at `path`. Used by the SQLite MetadataStore
// (sqlite_metadata_store.cc).
#pragma once

#include <memory>
#include <string>

#include "store/lease_store.h"

namespace inet::store::sqlite {

// Leases are lock files next to the database ("<path>.lease-<name>", flock'd); for ":memory:"
// (a database private to its MetadataStore) they are held in this object.
std::unique_ptr<LeaseStore> NewSqliteLeaseStore(std::string path);

}  // namespace inet::store::sqlite
