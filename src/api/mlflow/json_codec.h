// MLflow proto-JSON on the wire: decoding request parameters and writing responses.
//
// Requests. GET parameters come from the query string (a key given once is a string, a key
// repeated is a list; numbers and booleans arrive as strings). Other methods carry a JSON
// object body: the Content-Type must be application/json unless the body is empty (then it
// is {}), and a body that is a JSON string holding JSON (old clients) is decoded twice. The
// body is parsed once with Boost.JSON; FieldReader then reads typed fields with MLflow's
// messages ("Missing value for required parameter 'x'. ...", "Invalid value \"foo\" for
// parameter 'step' supplied: ..."), naming nested fields by path (metrics[0].timestamp).
// Conventions: int64 fields accept JSON numbers and numeric strings; double fields accept
// numbers, numeric strings and "NaN" / "Infinity" / "-Infinity"; string id fields may accept
// numbers; bools accept true/false and the strings "true"/"false" in any case; enums accept
// their names or their proto numbers.
//
// Responses. JsonWriter appends compact JSON to a string without building a DOM: int64 as
// numbers, NaN and infinities as the strings "NaN", "Infinity", "-Infinity".
//
// All functions are pure or operate on caller-owned objects; thread-compatible.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/http.h"

namespace inet::api::mlflow {

// Parses a request's parameters into a JSON object as described above. Errors are
// kInvalidArgument with MLflow's wording: a wrong Content-Type, malformed JSON, a body that
// is not an object.
StatusOr<boost::json::object> DecodeRequestParams(const http::Request& request);

// Parses a JSON body (no HTTP concerns): empty = {}, a JSON string is decoded again, anything
// but an object is kInvalidArgument. Exposed for the fuzz target.
StatusOr<boost::json::object> DecodeJsonBody(std::string_view body);

// Python's json.dumps(value, sort_keys=True, separators=(",", ":")), used to quote a bad
// value in messages.
std::string PyJsonDumps(const boost::json::value& value);

// A typed, validating view of one JSON object of a request. Borrows the object, which must
// outlive the reader.
class FieldReader {
 public:
  explicit FieldReader(const boost::json::object& object, std::string path = "");

  // True when the key is present and not null.
  bool Has(std::string_view key) const;
  // The JSON path of `key` in messages ("key", "metrics[0].key").
  std::string PathOf(std::string_view key) const;

  // String fields. `allow_number` accepts a JSON integer (rendered in decimal), for ids such
  // as experiment_id. Required variants treat absent, null and "" as missing.
  StatusOr<std::optional<std::string>> OptionalString(std::string_view key,
                                                      bool allow_number = false) const;
  StatusOr<std::string> RequiredString(std::string_view key, bool allow_number = false) const;
  // Like OptionalString but returns "" when absent.
  StatusOr<std::string> StringOr(std::string_view key, std::string fallback = {},
                                 bool allow_number = false) const;
  StatusOr<std::optional<int64_t>> OptionalInt64(std::string_view key) const;
  StatusOr<int64_t> RequiredInt64(std::string_view key) const;
  StatusOr<std::optional<double>> OptionalDouble(std::string_view key) const;
  StatusOr<double> RequiredDouble(std::string_view key) const;
  StatusOr<std::optional<bool>> OptionalBool(std::string_view key) const;
  // A repeated string field; a single string (a query key given once) is a list of one.
  StatusOr<std::vector<std::string>> StringList(std::string_view key,
                                                bool allow_number = false) const;
  // A repeated message field: one reader per element, with path "key[i]".
  StatusOr<std::vector<FieldReader>> ObjectList(std::string_view key) const;
  // A message field, or nullopt when absent.
  StatusOr<std::optional<FieldReader>> Object(std::string_view key) const;
  // An enum field: `names[i]` is the name of proto number `first_number + i`. Returns the
  // index into `names`.
  StatusOr<std::optional<size_t>> OptionalEnum(std::string_view key,
                                               const std::vector<std::string_view>& names,
                                               int first_number) const;

 private:
  const boost::json::value* Find(std::string_view key) const;
  Status TypeError(std::string_view key, const boost::json::value& value) const;
  Status Missing(std::string_view key) const;

  const boost::json::object* object_;
  std::string path_;
};

// Appends compact JSON to a string. Keys and values are written in call order; the writer
// inserts commas. Misuse (a value without a key inside an object) is a programming error.
class JsonWriter {
 public:
  JsonWriter();

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);

  // Shorthands for `Key(k).X(v)`.
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const std::string& value) {
    return Key(key).String(value);
  }
  JsonWriter& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
  // Writes the field only when `value` is not empty (proto3 omits unset strings).
  JsonWriter& FieldIfSet(std::string_view key, std::string_view value);

  // Writes one value whose JSON text `append(std::string& out)` appends to the output itself:
  // the fast path for long arrays of fixed-shape objects (a metric history), which skips the
  // per-key bookkeeping. `append` must append exactly one complete JSON value.
  template <typename Append>
  JsonWriter& RawValue(Append&& append) {
    BeforeValue();
    append(out_);
    return *this;
  }

  // Appends `value` to `out` as a JSON string (quoted, escaped as String() does).
  static void AppendString(std::string& out, std::string_view value);

  // Reserves room for `bytes` more bytes of output (a hint for large responses).
  JsonWriter& Reserve(size_t bytes) {
    out_.reserve(out_.size() + bytes);
    return *this;
  }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  std::vector<bool> needs_comma_;
  bool after_key_ = false;
};

}  // namespace inet::api::mlflow
