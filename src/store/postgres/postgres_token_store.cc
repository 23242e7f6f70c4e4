// The PostgreSQL adapter of TokenStore (store/token_store.h).
#include "store/postgres/postgres_token_store.h"

#include <string>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.h"

namespace inet::store::postgres {
namespace {

class PostgresTokenStore : public TokenStore {
 public:
  explicit PostgresTokenStore(Database& db) : db_(db) {}

  Status CreateToken(const Token& token) override {
    return db_.Write("creating token", [&](PgConnection& c) -> Status {
      Status s =
          c.Exec(
               "INSERT INTO tokens (token_id, token_hash, user_name, is_admin, "
               "created_at, revoked_at, scope, team, expires_at) VALUES ($1::text, "
               "$2::text, $3::text, $4::boolean, $5::bigint, $6::bigint, $7::text, "
               "$8::text, $9::bigint)",
               {token.token_id, token.token_hash, token.user, PgBool(token.is_admin),
                PgInt(token.created_at != 0 ? token.created_at : db_.Now()),
                token.revoked_at ? PgParam(PgInt(*token.revoked_at)) : PgParam(std::nullopt),
                token.scope, token.team,
                token.expires_at ? PgParam(PgInt(*token.expires_at)) : PgParam(std::nullopt)})
              .status();
      if (s.code() == StatusCode::kAlreadyExists) {
        return AlreadyExistsError(Cat({"Token with id '", token.token_id, "' already exists."}));
      }
      return s;
    });
  }

  StatusOr<Token> GetTokenByHash(std::string_view token_hash) override {
    std::vector<Token> tokens;
    RETURN_IF_ERROR(db_.Read("getting token", [&](PgConnection& c) -> Status {
      return LoadTokens(c, "WHERE token_hash = $1::text AND revoked_at IS NULL",
                        {std::string(token_hash)}, tokens);
    }));
    if (tokens.empty()) {
      return NotFoundError("Token not found or revoked");
    }
    return std::move(tokens[0]);
  }

  StatusOr<std::vector<Token>> ListTokens() override {
    std::vector<Token> tokens;
    RETURN_IF_ERROR(db_.Read("listing tokens", [&](PgConnection& c) -> Status {
      return LoadTokens(c, "", {}, tokens);
    }));
    return tokens;
  }

  Status RevokeToken(std::string_view token_id) override {
    return db_.Write("revoking token", [&](PgConnection& c) -> Status {
      ASSIGN_OR_RETURN(PgResult res, c.Exec("UPDATE tokens SET revoked_at = COALESCE(revoked_at, "
                                            "$2::bigint) WHERE token_id = $1::text",
                                            {std::string(token_id), PgInt(db_.Now())}));
      if (res.affected_rows() == 0) {
        return NotFoundError(Cat({"Token with id '", token_id, "' not found"}));
      }
      return OkStatus();
    });
  }

 private:
  Status LoadTokens(PgConnection& c, std::string_view where, const PgParams& args,
                    std::vector<Token>& out) {
    out.clear();
    ASSIGN_OR_RETURN(PgResult res,
                     c.Exec(Cat({"SELECT token_id, token_hash, user_name, is_admin, created_at, "
                                 "revoked_at, scope, team, expires_at FROM tokens ",
                                 where, " ORDER BY created_at, token_id"}),
                            args));
    for (int i = 0; i < res.rows(); ++i) {
      Token t;
      t.token_id = res.GetString(i, 0);
      t.token_hash = res.GetString(i, 1);
      t.user = res.GetString(i, 2);
      t.is_admin = res.GetBool(i, 3);
      t.created_at = res.GetInt64(i, 4);
      t.revoked_at = res.GetOptionalInt64(i, 5);
      t.scope = res.GetString(i, 6);
      t.team = res.GetString(i, 7);
      t.expires_at = res.GetOptionalInt64(i, 8);
      out.push_back(std::move(t));
    }
    return OkStatus();
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<TokenStore> NewPostgresTokenStore(Database& db) {
  return std::make_unique<PostgresTokenStore>(db);
}

}  // namespace inet::store::postgres
