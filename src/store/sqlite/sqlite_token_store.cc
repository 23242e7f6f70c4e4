// The SQLite adapter of TokenStore (store/token_store.h).
#include "store/sqlite/sqlite_token_store.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_connection.h"

namespace inet::store::sqlite {
namespace {

class SqliteTokenStore : public TokenStore {
 public:
  explicit SqliteTokenStore(Database& db) : db_(db) {}

  Status CreateToken(const Token& token) override;
  StatusOr<Token> GetTokenByHash(std::string_view token_hash) override;
  StatusOr<std::vector<Token>> ListTokens() override;
  Status RevokeToken(std::string_view token_id) override;

 private:
  Status Write(const std::function<Status(Connection&)>& fn) { return db_.Write(fn); }
  Status Read(const std::function<Status(Connection&)>& fn) { return db_.Read(fn); }
  int64_t Now() const { return db_.Now(); }

  Database& db_;
};

Token ReadTokenRow(const Statement& q) {
  Token t;
  t.token_id = q.Text(0);
  t.token_hash = q.Text(1);
  t.user = q.Text(2);
  t.is_admin = q.Int(3) != 0;
  t.created_at = q.Int(4);
  if (!q.IsNull(5)) t.revoked_at = q.Int(5);
  t.scope = q.Text(6);
  t.team = q.Text(7);
  if (!q.IsNull(8)) t.expires_at = q.Int(8);
  return t;
}

constexpr char kTokenColumns[] =
    "SELECT token_id, token_hash, user_name, is_admin, created_at, revoked_at, scope, team, "
    "expires_at FROM tokens ";

Status SqliteTokenStore::CreateToken(const Token& token) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(
        Statement ins,
        db.Prepare("INSERT INTO tokens (token_id, token_hash, user_name, is_admin, "
                   "created_at, revoked_at, scope, team, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                   "?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING"));
    ins.Bind(1, token.token_id)
        .Bind(2, token.token_hash)
        .Bind(3, token.user)
        .Bind(4, static_cast<int64_t>(token.is_admin ? 1 : 0))
        .Bind(5, token.created_at != 0 ? token.created_at : Now());
    if (token.revoked_at) {
      ins.Bind(6, *token.revoked_at);
    } else {
      ins.BindNull(6);
    }
    ins.Bind(7, token.scope).Bind(8, token.team);
    if (token.expires_at) {
      ins.Bind(9, *token.expires_at);
    } else {
      ins.BindNull(9);
    }
    RETURN_IF_ERROR(ins.Run());
    if (db.Changes() == 0) {
      return AlreadyExistsError("Token with id '" + token.token_id + "' already exists.");
    }
    return OkStatus();
  });
}

StatusOr<Token> SqliteTokenStore::GetTokenByHash(std::string_view token_hash) {
  std::optional<Token> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string(kTokenColumns) +
                                             "WHERE token_hash = ?1 AND revoked_at IS NULL"));
    ASSIGN_OR_RETURN(bool row, q.Bind(1, token_hash).Step());
    if (!row) return NotFoundError("Token not found or revoked");
    out = ReadTokenRow(q);
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<std::vector<Token>> SqliteTokenStore::ListTokens() {
  std::vector<Token> out;
  RETURN_IF_ERROR(Read([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q,
                     db.Prepare(std::string(kTokenColumns) + "ORDER BY created_at, token_id"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return OkStatus();
      out.push_back(ReadTokenRow(q));
    }
  }));
  return out;
}

Status SqliteTokenStore::RevokeToken(std::string_view token_id) {
  return Write([&](Connection& db) -> Status {
    ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT 1 FROM tokens WHERE token_id = ?1"));
    ASSIGN_OR_RETURN(bool row, q.Bind(1, token_id).Step());
    if (!row) return NotFoundError("Token with id '" + std::string(token_id) + "' not found");
    q.Reset();
    ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE tokens SET revoked_at = ?1 WHERE token_id "
                                               "= ?2 AND revoked_at IS NULL"));
    return upd.Bind(1, Now()).Bind(2, token_id).Run();
  });
}

}  // namespace

std::unique_ptr<TokenStore> NewSqliteTokenStore(Database& db) {
  return std::make_unique<SqliteTokenStore>(db);
}

}  // namespace inet::store::sqlite
