// A thin RAII layer over libpq for the PostgreSQL metadata store: one connection with a
// per-connection prepared-statement cache, query results, text encoding of parameters
// (including array literals for `unnest(...)` bulk writes), and the mapping from SQLSTATE
// codes to inet Status codes. Nothing outside store/postgres includes this header.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace inet::store::postgres {

// A query parameter in libpq's text format; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;
using PgParams = std::vector<PgParam>;

// Text encodings of values for parameters.
std::string PgInt(int64_t v);
// Shortest round-trip text of a double, with PostgreSQL's spellings of NaN and +-Infinity.
std::string PgDouble(double v);
std::string PgBool(bool v);
// A one-dimensional array literal (`{"a","b"}`) of already-encoded elements; nullopt
// elements become NULL. Used with `$n::text[]`, `$n::float8[]`, ... and `unnest`.
std::string PgArray(const std::vector<PgParam>& elements);
std::string PgArray(const std::vector<std::string>& elements);

// Replaces the password in a libpq URI or key=value string with "***", for messages.
std::string RedactConninfo(std::string_view conninfo);

// An owned query result. Accessors take a row and a column index and must be in range.
class PgResult {
 public:
  explicit PgResult(PGresult* res) : res_(res, &PQclear) {}

  int rows() const { return PQntuples(res_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string GetString(int row, int col) const;
  int64_t GetInt64(int row, int col) const;
  double GetDouble(int row, int col) const;  // parses NaN / Infinity / -Infinity
  bool GetBool(int row, int col) const;      // 't' / 'f'
  std::optional<int64_t> GetOptionalInt64(int row, int col) const;
  // Rows touched by an INSERT / UPDATE / DELETE.
  int64_t affected_rows() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

// One connection to the server. Not thread-safe: the pool hands it to one user at a time.
class PgConnection {
 public:
  // Connects with a postgresql:// URI or a key=value string. kInvalidArgument when the
  // string does not parse; kUnavailable (with the server's reason, password redacted) when
  // the server cannot be reached or refuses the login.
  static StatusOr<std::unique_ptr<PgConnection>> Connect(std::string_view conninfo);

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with $n parameters, prepared on first use and reused afterwards on
  // this connection. Errors are mapped by SqlStateToStatusCode; a parameter containing a NUL
  // byte (which PostgreSQL text cannot hold) is kInvalidArgument.
  StatusOr<PgResult> Exec(std::string_view sql, const PgParams& params = {});
  // Runs one statement without preparing it (for SQL built at run time, like searches).
  StatusOr<PgResult> ExecUnprepared(std::string_view sql, const PgParams& params = {});
  // Runs a parameterless script that may hold several statements.
  Status ExecScript(std::string_view sql);

  // False once the connection broke or was left inside a transaction; the pool drops it.
  bool Reusable() const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  StatusOr<PgResult> Check(PGresult* res, std::string_view sql);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

// Maps a SQLSTATE (and the connection's state) to a Status code: connection and resource
// trouble -> kUnavailable, unique violation -> kAlreadyExists, foreign-key violation ->
// kNotFound, data/constraint errors -> kInvalidArgument, serialization failure and deadlock
// -> kAborted (retryable), anything else -> kInternal.
StatusCode SqlStateToStatusCode(std::string_view sqlstate, bool connection_ok);

}  // namespace inet::store::postgres
