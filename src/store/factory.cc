// OpenMetadataStore: picks the adapter by URI scheme. Lives in its own target
// (inet_store_factory) so the adapters can depend on inet_store without a cycle.
#include <string>

#include "store/metadata_store.h"
#include "store/sqlite/sqlite_metadata_store.h"
#ifdef INET_HAVE_POSTGRES
#include "store/postgres/postgres_metadata_store.h"
#endif

namespace inet::store {

StatusOr<std::unique_ptr<MetadataStore>> OpenMetadataStore(std::string_view uri,
                                                           std::string_view default_artifact_root) {
  if (uri.starts_with("postgresql://") || uri.starts_with("postgres://")) {
#ifdef INET_HAVE_POSTGRES
    ASSIGN_OR_RETURN(auto store, OpenPostgresMetadataStore(uri, default_artifact_root));
    return std::unique_ptr<MetadataStore>(std::move(store));
#else
    return InvalidArgumentError(
        "This inet build has no PostgreSQL metadata store; use a "
        "sqlite:/// URI");
#endif
  }
  if (uri.starts_with("sqlite:") || uri.find("://") == std::string_view::npos) {
    return OpenSqliteMetadataStore(uri, default_artifact_root);
  }
  return InvalidArgumentError("Unsupported backend store URI '" + std::string(uri) +
                              "': expected sqlite:///<path>, a file path, or "
                              "postgresql://user:password@host:port/database");
}

}  // namespace inet::store
