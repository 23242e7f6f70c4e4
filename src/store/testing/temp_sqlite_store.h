// TempSqliteStore: a SQLite MetadataStore in a fresh temporary directory, for tests above the
// store (services, routes, token issuers) that want the real adapter and a scratch directory
// beside it. Header-only: the tests that use it already link inet_store_sqlite.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/clock.h"
#include "common/status.h"
#include "store/metadata_store.h"
#include "store/sqlite/sqlite_metadata_store.h"

namespace inet::store::testing {

class TempSqliteStore {
 public:
  // Opens "<new temporary directory>/t.db" with `artifact_root` as the default artifact root;
  // `clock` is borrowed (null: the system clock) and must outlive the store. kInternal when no
  // directory can be made; the store's own errors otherwise.
  static StatusOr<std::unique_ptr<TempSqliteStore>> Open(
      const Clock* clock, std::string_view artifact_root = "mlflow-artifacts:/") {
    std::string tmpl = (std::filesystem::temp_directory_path() / "inet-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return InternalError("mkdtemp " + tmpl + " failed");
    std::unique_ptr<TempSqliteStore> opened(new TempSqliteStore(tmpl));
    ASSIGN_OR_RETURN(opened->store_, OpenSqliteMetadataStore(opened->uri(), artifact_root, clock));
    return opened;
  }

  TempSqliteStore(const TempSqliteStore&) = delete;
  TempSqliteStore& operator=(const TempSqliteStore&) = delete;

  // Closes the store, then removes the directory and everything in it.
  ~TempSqliteStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  MetadataStore& store() { return *store_; }
  // The scratch directory (the database file is "t.db" in it).
  const std::string& dir() const { return dir_; }
  // The store's URI, for opening the same database again (a second server).
  std::string uri() const { return "sqlite:///" + dir_ + "/t.db"; }

 private:
  explicit TempSqliteStore(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
  std::unique_ptr<MetadataStore> store_;
};

}  // namespace inet::store::testing
