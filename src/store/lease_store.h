// LeaseStore: named leases held by one process at a time per database, the narrow interface a
// MetadataStore (store/metadata_store.h) opens for leader election. Several servers may share
// one database; whatever must run once per database (the JobController: a job must never run
// twice) runs only in the process that holds its lease.
//
// A lease belongs to the process that acquired it and ends when the Lease is destroyed or the
// process dies (kill -9 included): nothing has to expire before another process takes over.
// Adapters: an advisory lock on a dedicated connection (store/postgres), a lock file next to
// the database (store/sqlite). Pinned by store/testing/lease_store_conformance.h.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"

namespace inet::store {

class Lease {
 public:
  virtual ~Lease() = default;  // releases the lease
  // OK while the lease is held. An error once it may have been lost (the connection holding it
  // broke): another process may hold it now, so the holder must stop what the lease guards at
  // once. A lost lease stays lost; acquire a new one.
  virtual Status Check() = 0;
};

// Lease names: 1 to 64 letters, digits, '-' and '.'.
bool IsValidLeaseName(std::string_view name);

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // The lease `name`, or nullptr when another process (or another MetadataStore on the same
  // database) holds it. kInvalidArgument for an invalid name; kUnavailable when the database
  // cannot be reached. Thread-safe.
  virtual StatusOr<std::unique_ptr<Lease>> TryAcquire(std::string_view name) = 0;
};

}  // namespace inet::store
