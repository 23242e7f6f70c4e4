#include "store/postgres/pg_connection.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace inet::store::postgres {
namespace {

// libpq prints NOTICEs (e.g. "relation already exists, skipping") to stderr by default.
void IgnoreNotice(void*, const char*) {}

std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

}  // namespace

std::string PgInt(int64_t v) { return std::to_string(v); }

std::string PgDouble(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "Infinity" : "-Infinity";
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

std::string PgBool(bool v) { return v ? "t" : "f"; }

std::string PgArray(const std::vector<PgParam>& elements) {
  std::string out = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    if (!elements[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *elements[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string PgArray(const std::vector<std::string>& elements) {
  std::vector<PgParam> params(elements.begin(), elements.end());
  return PgArray(params);
}

std::string RedactConninfo(std::string_view conninfo) {
  std::string s(conninfo);
  // URI userinfo: scheme://user:password@host
  if (size_t scheme = s.find("://"); scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t slash = s.find('/', start);
    size_t at = s.rfind('@', slash == std::string::npos ? s.size() : slash);
    if (at != std::string::npos && at > start) {
      size_t colon = s.find(':', start);
      if (colon != std::string::npos && colon < at) {
        s.replace(colon + 1, at - colon - 1, "***");
      }
    }
  }
  // password=... in a query string or in key=value form.
  for (size_t pos = s.find("password="); pos != std::string::npos;
       pos = s.find("password=", pos + 1)) {
    size_t value = pos + std::strlen("password=");
    size_t end = s.find_first_of(" &", value);
    if (end == std::string::npos) {
      end = s.size();
    }
    s.replace(value, end - value, "***");
  }
  return s;
}

std::string PgResult::GetString(int row, int col) const {
  const char* v = PQgetvalue(res_.get(), row, col);
  return std::string(v, static_cast<size_t>(PQgetlength(res_.get(), row, col)));
}

int64_t PgResult::GetInt64(int row, int col) const {
  const char* v = PQgetvalue(res_.get(), row, col);
  int64_t out = 0;
  std::from_chars(v, v + PQgetlength(res_.get(), row, col), out);
  return out;
}

double PgResult::GetDouble(int row, int col) const {
  std::string_view v(PQgetvalue(res_.get(), row, col),
                     static_cast<size_t>(PQgetlength(res_.get(), row, col)));
  if (v == "NaN") {
    return std::nan("");
  }
  if (v == "Infinity") {
    return HUGE_VAL;
  }
  if (v == "-Infinity") {
    return -HUGE_VAL;
  }
  double out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

bool PgResult::GetBool(int row, int col) const {
  return PQgetvalue(res_.get(), row, col)[0] == 't';
}

std::optional<int64_t> PgResult::GetOptionalInt64(int row, int col) const {
  if (IsNull(row, col)) {
    return std::nullopt;
  }
  return GetInt64(row, col);
}

int64_t PgResult::affected_rows() const {
  const char* n = PQcmdTuples(res_.get());
  return n[0] == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

StatusCode SqlStateToStatusCode(std::string_view sqlstate, bool connection_ok) {
  if (!connection_ok) {
    return StatusCode::kUnavailable;
  }
  if (sqlstate.size() != 5) {
    return StatusCode::kInternal;
  }
  std::string_view cls = sqlstate.substr(0, 2);
  if (cls == "08" || cls == "53" || cls == "57") {
    return StatusCode::kUnavailable;
  }
  if (sqlstate == "23505") {
    return StatusCode::kAlreadyExists;
  }
  if (sqlstate == "23503") {
    return StatusCode::kNotFound;
  }
  if (cls == "22" || cls == "23") {
    return StatusCode::kInvalidArgument;
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return StatusCode::kAborted;
  }
  return StatusCode::kInternal;
}

StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(std::string_view conninfo) {
  std::string info(conninfo);
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(info.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string why = parse_error != nullptr ? TrimTrailingNewlines(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return InvalidArgumentError("invalid PostgreSQL connection string '" +
                                RedactConninfo(conninfo) + "': " + why);
  }
  PQconninfoFree(parsed);

  // Defaults first: the caller's string (expanded from dbname) overrides them.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "inet", info.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return UnavailableError("connecting to PostgreSQL: out of memory");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = TrimTrailingNewlines(PQerrorMessage(conn));
    PQfinish(conn);
    return UnavailableError("cannot connect to PostgreSQL at '" + RedactConninfo(conninfo) + "': " +
                            why + " (is the server running and are the credentials right?)");
  }
  PQsetNoticeProcessor(conn, &IgnoreNotice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Reusable() const {
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

StatusOr<PgResult> PgConnection::Check(PGresult* res, std::string_view sql) {
  PgResult result(res);
  ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    return result;
  }
  bool connection_ok = PQstatus(conn_) == CONNECTION_OK;
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string message;
  if (res != nullptr && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) != nullptr) {
    message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) {
      message += " (";
      message += detail;
      message += ")";
    }
  } else {
    message = TrimTrailingNewlines(PQerrorMessage(conn_));
  }
  StatusCode code = SqlStateToStatusCode(state != nullptr ? state : "", connection_ok);
  std::string prefix =
      code == StatusCode::kUnavailable ? "PostgreSQL unavailable: " : "PostgreSQL: ";
  std::string stmt(sql.substr(0, 80));
  return Status(code,
                prefix + message +
                    (state != nullptr ? std::string(" [SQLSTATE ") + state + "]" : std::string()) +
                    " in: " + stmt);
}

namespace {

// libpq passes parameters as C strings, so an embedded NUL would silently cut the value;
// PostgreSQL text cannot hold NUL anyway.
Status RejectNul(const PgParams& params) {
  for (const PgParam& p : params) {
    if (p && p->find('\0') != std::string::npos) {
      return InvalidArgumentError("PostgreSQL cannot store text containing NUL (\\0) bytes");
    }
  }
  return OkStatus();
}

struct ParamArrays {
  std::vector<const char*> values;
  explicit ParamArrays(const PgParams& params) {
    values.reserve(params.size());
    for (const PgParam& p : params) {
      values.push_back(p ? p->c_str() : nullptr);
    }
  }
};

}  // namespace

StatusOr<PgResult> PgConnection::Exec(std::string_view sql, const PgParams& params) {
  RETURN_IF_ERROR(RejectNul(params));
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "inet_s" + std::to_string(prepared_.size());
    PGresult* res = PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr);
    ASSIGN_OR_RETURN(PgResult prepared, Check(res, sql));
    (void)prepared;
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  ParamArrays p(params);
  PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                 p.values.data(), nullptr, nullptr, 0);
  return Check(res, sql);
}

StatusOr<PgResult> PgConnection::ExecUnprepared(std::string_view sql, const PgParams& params) {
  RETURN_IF_ERROR(RejectNul(params));
  std::string text(sql);
  ParamArrays p(params);
  PGresult* res = PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                               p.values.data(), nullptr, nullptr, 0);
  return Check(res, sql);
}

Status PgConnection::ExecScript(std::string_view sql) {
  std::string text(sql);
  PGresult* res = PQexec(conn_, text.c_str());
  ASSIGN_OR_RETURN(PgResult r, Check(res, sql));
  (void)r;
  return OkStatus();
}

}  // namespace inet::store::postgres
