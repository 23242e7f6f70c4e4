#include "api/mlflow/json_codec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "tracking/validation.h"

namespace inet::api::mlflow {
namespace {

namespace json = boost::json;

constexpr std::string_view kSeeDocs =
    " See the API docs for more information about request parameters.";

std::string_view PyTypeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return "str";
    case json::kind::int64:
    case json::kind::uint64:
      return "int";
    case json::kind::double_:
      return "float";
    case json::kind::bool_:
      return "bool";
    case json::kind::array:
      return "list";
    case json::kind::object:
      return "dict";
    case json::kind::null:
      return "NoneType";
  }
  return "object";
}

// Shortest round-trip decimal form of a double; Python-style ".0" for integral values when
// `python_style`.
std::string FormatDouble(double v, bool python_style) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (python_style && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  s = Trim(s);
  if (s.starts_with("+")) s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  s = Trim(s);
  if (s == "NaN" || EqualsIgnoreCase(s, "nan")) return std::numeric_limits<double>::quiet_NaN();
  if (s == "Infinity" || EqualsIgnoreCase(s, "inf") || EqualsIgnoreCase(s, "+inf")) {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-Infinity" || EqualsIgnoreCase(s, "-inf")) {
    return -std::numeric_limits<double>::infinity();
  }
  if (s.starts_with("+")) s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

void AppendPyJson(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      return;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      return;
    case json::kind::double_: {
      double d = v.get_double();
      if (std::isnan(d)) {
        out += "NaN";
      } else if (std::isinf(d)) {
        out += d > 0 ? "Infinity" : "-Infinity";
      } else {
        out += FormatDouble(d, /*python_style=*/true);
      }
      return;
    }
    case json::kind::string:
      out += tracking::PyJsonString(v.get_string());
      return;
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendPyJson(e, out);
      }
      out.push_back(']');
      return;
    }
    case json::kind::object: {
      std::map<std::string_view, const json::value*> sorted;
      for (const auto& kv : v.get_object()) sorted[kv.key()] = &kv.value();
      out.push_back('{');
      bool first = true;
      for (const auto& [k, val] : sorted) {
        if (!first) out.push_back(',');
        first = false;
        out += tracking::PyJsonString(k);
        out.push_back(':');
        AppendPyJson(*val, out);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string PyJsonDumps(const boost::json::value& value) {
  std::string out;
  AppendPyJson(value, out);
  return out;
}

StatusOr<boost::json::object> DecodeJsonBody(std::string_view body) {
  if (Trim(body).empty()) return json::object();
  boost::system::error_code ec;
  // One arena per request body: a batch of 1,000 metrics is 1,000 objects, and allocating
  // each from the heap (then freeing each) cost as much as parsing them. The returned object
  // keeps the arena alive and releases it whole.
  json::storage_ptr arena = json::make_shared_resource<json::monotonic_resource>();
  json::value v = json::parse(body, ec, arena);
  if (ec) return InvalidArgumentError("Malformed JSON in request body: " + ec.message());
  if (v.is_string()) {
    // Old clients post their JSON double-encoded as a string.
    std::string inner(v.get_string());
    v = json::parse(inner, ec, arena);
    if (ec) return InvalidArgumentError("Malformed JSON in request body: " + ec.message());
  }
  if (v.is_null()) return json::object();
  if (!v.is_object()) {
    return InvalidArgumentError("Malformed JSON in request body: expected a JSON object, got " +
                                std::string(PyTypeName(v)));
  }
  return std::move(v.get_object());
}

StatusOr<boost::json::object> DecodeRequestParams(const http::Request& request) {
  if (request.method == http::Method::kGet || request.method == http::Method::kHead) {
    json::object params;
    for (const auto& [key, value] : request.query) {
      json::value* existing = params.if_contains(key);
      if (existing == nullptr) {
        params.emplace(key, value);
      } else if (existing->is_array()) {
        existing->get_array().emplace_back(value);
      } else {
        json::array list;
        list.emplace_back(std::move(*existing));
        list.emplace_back(value);
        *existing = std::move(list);
      }
    }
    return params;
  }
  if ((request.method == http::Method::kPost || request.method == http::Method::kPut) &&
      !Trim(request.body).empty()) {
    std::string_view content_type = request.Header("content-type");
    if (content_type.empty()) {
      return InvalidArgumentError("Bad Request. Content-Type header is missing.");
    }
    std::string_view base = Trim(content_type.substr(0, content_type.find(';')));
    if (!EqualsIgnoreCase(base, "application/json")) {
      return InvalidArgumentError("Bad Request. Content-Type must be one of ['application/json'].");
    }
  }
  return DecodeJsonBody(request.body);
}

// --- FieldReader -----------------------------------------------------------------------------

FieldReader::FieldReader(const boost::json::object& object, std::string path)
    : object_(&object), path_(std::move(path)) {}

const boost::json::value* FieldReader::Find(std::string_view key) const {
  const json::value* v = object_->if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  return v;
}

bool FieldReader::Has(std::string_view key) const { return Find(key) != nullptr; }

std::string FieldReader::PathOf(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

Status FieldReader::TypeError(std::string_view key, const boost::json::value& value) const {
  return InvalidArgumentError(tracking::InvalidValueMessage(PathOf(key), PyJsonDumps(value),
                                                            " Hint: Value was of type '" +
                                                                std::string(PyTypeName(value)) +
                                                                "'." + std::string(kSeeDocs)));
}

Status FieldReader::Missing(std::string_view key) const {
  return InvalidArgumentError(tracking::MissingValueMessage(PathOf(key)) + std::string(kSeeDocs));
}

StatusOr<std::optional<std::string>> FieldReader::OptionalString(std::string_view key,
                                                                 bool allow_number) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (v->is_string()) return std::optional<std::string>(std::string(v->get_string()));
  if (allow_number && v->is_int64())
    return std::optional<std::string>(std::to_string(v->get_int64()));
  if (allow_number && v->is_uint64()) {
    return std::optional<std::string>(std::to_string(v->get_uint64()));
  }
  return TypeError(key, *v);
}

StatusOr<std::string> FieldReader::RequiredString(std::string_view key, bool allow_number) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, OptionalString(key, allow_number));
  if (!v || v->empty()) return Missing(key);
  return std::move(*v);
}

StatusOr<std::string> FieldReader::StringOr(std::string_view key, std::string fallback,
                                            bool allow_number) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, OptionalString(key, allow_number));
  if (!v) return fallback;
  return std::move(*v);
}

StatusOr<std::optional<int64_t>> FieldReader::OptionalInt64(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<int64_t>();
  switch (v->kind()) {
    case json::kind::int64:
      return std::optional<int64_t>(v->get_int64());
    case json::kind::uint64:
      if (v->get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return std::optional<int64_t>(static_cast<int64_t>(v->get_uint64()));
      }
      break;
    case json::kind::double_: {
      double d = v->get_double();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
        return std::optional<int64_t>(static_cast<int64_t>(d));
      }
      break;
    }
    case json::kind::string:
      if (auto parsed = ParseInt64(v->get_string())) return std::optional<int64_t>(*parsed);
      break;
    default:
      break;
  }
  return TypeError(key, *v);
}

StatusOr<int64_t> FieldReader::RequiredInt64(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr || (v->is_string() && v->get_string().empty())) return Missing(key);
  ASSIGN_OR_RETURN(std::optional<int64_t> i, OptionalInt64(key));
  return *i;
}

StatusOr<std::optional<double>> FieldReader::OptionalDouble(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<double>();
  switch (v->kind()) {
    case json::kind::int64:
      return std::optional<double>(static_cast<double>(v->get_int64()));
    case json::kind::uint64:
      return std::optional<double>(static_cast<double>(v->get_uint64()));
    case json::kind::double_:
      return std::optional<double>(v->get_double());
    case json::kind::string:
      if (auto parsed = ParseDouble(v->get_string())) return std::optional<double>(*parsed);
      break;
    default:
      break;
  }
  return TypeError(key, *v);
}

StatusOr<double> FieldReader::RequiredDouble(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr || (v->is_string() && v->get_string().empty())) return Missing(key);
  ASSIGN_OR_RETURN(std::optional<double> d, OptionalDouble(key));
  return *d;
}

StatusOr<std::optional<bool>> FieldReader::OptionalBool(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<bool>();
  if (v->is_bool()) return std::optional<bool>(v->get_bool());
  if (v->is_string()) {
    std::string_view s = v->get_string();
    if (EqualsIgnoreCase(s, "true")) return std::optional<bool>(true);
    if (EqualsIgnoreCase(s, "false")) return std::optional<bool>(false);
    return InvalidArgumentError("Invalid boolean value: " + std::string(s) +
                                ", must be 'true' or 'false'.");
  }
  return TypeError(key, *v);
}

StatusOr<std::vector<std::string>> FieldReader::StringList(std::string_view key,
                                                           bool allow_number) const {
  std::vector<std::string> out;
  const json::value* v = Find(key);
  if (v == nullptr) return out;
  if (v->is_string()) {
    out.emplace_back(v->get_string());
    return out;
  }
  if (!v->is_array()) return TypeError(key, *v);
  out.reserve(v->get_array().size());
  for (const json::value& e : v->get_array()) {
    if (e.is_string()) {
      out.emplace_back(e.get_string());
    } else if (allow_number && e.is_int64()) {
      out.push_back(std::to_string(e.get_int64()));
    } else if (allow_number && e.is_uint64()) {
      out.push_back(std::to_string(e.get_uint64()));
    } else {
      return TypeError(key, *v);
    }
  }
  return out;
}

StatusOr<std::vector<FieldReader>> FieldReader::ObjectList(std::string_view key) const {
  std::vector<FieldReader> out;
  const json::value* v = Find(key);
  if (v == nullptr) return out;
  if (!v->is_array()) return TypeError(key, *v);
  const json::array& list = v->get_array();
  out.reserve(list.size());
  std::string base = PathOf(key);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string path = base + "[" + std::to_string(i) + "]";
    if (!list[i].is_object()) {
      return InvalidArgumentError(tracking::InvalidValueMessage(
          path, PyJsonDumps(list[i]),
          " Hint: Value was of type '" + std::string(PyTypeName(list[i])) + "'." +
              std::string(kSeeDocs)));
    }
    out.emplace_back(list[i].get_object(), std::move(path));
  }
  return out;
}

StatusOr<std::optional<FieldReader>> FieldReader::Object(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<FieldReader>();
  if (!v->is_object()) return TypeError(key, *v);
  return std::optional<FieldReader>(FieldReader(v->get_object(), PathOf(key)));
}

StatusOr<std::optional<size_t>> FieldReader::OptionalEnum(
    std::string_view key, const std::vector<std::string_view>& names, int first_number) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<size_t>();
  if (v->is_string()) {
    std::string_view s = v->get_string();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == s) return std::optional<size_t>(i);
    }
    // Query strings carry numbers as text.
    if (auto n = ParseInt64(s);
        n && *n >= first_number && *n < first_number + static_cast<int64_t>(names.size())) {
      return std::optional<size_t>(static_cast<size_t>(*n - first_number));
    }
  } else if (v->is_int64() || v->is_uint64()) {
    // A uint64 here is above INT64_MAX and so never a valid enum number.
    int64_t n = v->is_int64() ? v->get_int64() : -1;
    if (n >= first_number && n < first_number + static_cast<int64_t>(names.size())) {
      return std::optional<size_t>(static_cast<size_t>(n - first_number));
    }
  }
  return InvalidArgumentError(tracking::InvalidValueMessage(PathOf(key), PyJsonDumps(*v)) +
                              std::string(kSeeDocs));
}

// --- JsonWriter ------------------------------------------------------------------------------

JsonWriter::JsonWriter() { out_.reserve(256); }

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!needs_comma_.empty()) {
    if (needs_comma_.back()) out_.push_back(',');
    needs_comma_.back() = true;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  needs_comma_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_.push_back('}');
  needs_comma_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  needs_comma_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_.push_back(']');
  needs_comma_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  if (needs_comma_.back()) out_.push_back(',');
  needs_comma_.back() = true;
  AppendString(out_, key);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendString(out_, value);
  return *this;
}

namespace {

// True for the bytes JSON needs escaped: '"', '\\' and the control characters.
constexpr bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

void JsonWriter::AppendString(std::string& out, std::string_view value) {
  out.push_back('"');
  // Runs of bytes that need no escape (nearly every key and id) are appended at once.
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (!NeedsEscape(c)) continue;
    out.append(value.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      }
    }
  }
  out.append(value.data() + start, value.size() - start);
  out.push_back('"');
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  if (std::isnan(value)) return String("NaN");
  if (std::isinf(value)) return String(value > 0 ? "Infinity" : "-Infinity");
  BeforeValue();
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out_.append(buf, ec == std::errc() ? end : buf);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::FieldIfSet(std::string_view key, std::string_view value) {
  if (!value.empty()) Key(key).String(value);
  return *this;
}

}  // namespace inet::api::mlflow
