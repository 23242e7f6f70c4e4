// TokenStore: API tokens (only their SHA-256 is stored), one of the narrow interfaces a
// MetadataStore (store/metadata_store.h) opens on one database. Adapters:
// store/sqlite/sqlite_token_store.cc and store/postgres/postgres_token_store.cc; the contract
// is pinned by store/testing/token_store_conformance.h.
//
// Every method is thread-safe; a write that returned OK is committed. kUnavailable /
// kInternal for database trouble, with context.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/types.h"

namespace inet::store {

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // kAlreadyExists for a taken token_id. A zero created_at means now.
  virtual Status CreateToken(const Token& token) = 0;
  // kNotFound for an unknown or revoked hash.
  virtual StatusOr<Token> GetTokenByHash(std::string_view token_hash) = 0;
  virtual StatusOr<std::vector<Token>> ListTokens() = 0;
  virtual Status RevokeToken(std::string_view token_id) = 0;
};

}  // namespace inet::store
