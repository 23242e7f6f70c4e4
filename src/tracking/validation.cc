#include "tracking/validation.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <utility>

namespace inet::tracking {
namespace {

constexpr std::string_view kBadCharactersMessage =
    "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), "
    "colon(:) and slashes (/).";

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Python's `\w` on str is Unicode-aware; any non-ASCII byte is taken as part of a word
// character (letters of other scripts are the overwhelmingly common case).
bool IsWordByte(unsigned char c) { return IsAsciiAlnum(c) || c == '_' || c >= 0x80; }

bool IsKeyByte(unsigned char c) {
  return IsWordByte(c) || c == '/' || c == '.' || c == '-' || c == ' ' || c == ':';
}

bool PathNotUnique(std::string_view name) {
  std::string norm = PosixNormPath(name);
  return norm != name || norm == "." || norm.starts_with("..") || norm.starts_with("/");
}

std::string BadPathMessage(std::string_view name) {
  return "Names may be treated as files in certain cases, and must not resolve to other names "
         "when treated as such. This name would resolve to " +
         PyRepr(PosixNormPath(name));
}

Status ValidateKey(std::string_view name, std::string_view path) {
  for (unsigned char c : name) {
    if (!IsKeyByte(c)) {
      return InvalidArgumentError(
          InvalidValueMessage(path, PyJsonString(name), kBadCharactersMessage));
    }
  }
  if (PathNotUnique(name)) {
    return InvalidArgumentError(
        InvalidValueMessage(path, PyJsonString(name), BadPathMessage(name)));
  }
  return OkStatus();
}

// Byte offset of the end of the first `limit` code points of `s`.
size_t CodePointPrefixBytes(std::string_view s, size_t limit) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (count == limit) return i;
      ++count;
    }
  }
  return s.size();
}

// MLflow's _validate_length_limit: over-long values are truncated when allowed.
Status LimitLength(std::string_view entity, size_t limit, std::string& value, bool truncate) {
  if (CodePointLength(value) <= limit) return OkStatus();
  if (truncate) {
    value.resize(CodePointPrefixBytes(value, limit));
    return OkStatus();
  }
  return InvalidArgumentError(ExceedsMaximumLengthMessage(entity, limit));
}

Status CheckLength(std::string_view entity, size_t limit, std::string_view value) {
  if (CodePointLength(value) <= limit) return OkStatus();
  return InvalidArgumentError(ExceedsMaximumLengthMessage(entity, limit));
}

std::string JoinPath(std::string_view base, std::string_view field) {
  if (base.empty()) return std::string(field);
  return std::string(base) + "." + std::string(field);
}

std::string FormatInt(int64_t v) { return std::to_string(v); }

// Python's repr of a float as MLflow messages print it ("41.0", "nan", "inf").
std::string PyFloat(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  // Prefer the shortest representation that round-trips, like Python.
  for (int precision = 1; precision <= 17; ++precision) {
    char candidate[64];
    std::snprintf(candidate, sizeof(candidate), "%.*g", precision, v);
    if (std::strtod(candidate, nullptr) == v) {
      std::snprintf(buf, sizeof(buf), "%s", candidate);
      break;
    }
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string PyJsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
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
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out += buf;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence; invalid bytes become U+FFFD.
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) {
      cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
      len = 2;
    } else if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) {
      cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      len = 3;
    } else if ((c & 0xF8) == 0xF0 && i + 3 < s.size()) {
      cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
           (s[i + 3] & 0x3F);
      len = 4;
    }
    char buf[16];
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
    } else {
      std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
    }
    out += buf;
    i += len;
  }
  out.push_back('"');
  return out;
}

std::string InvalidValueMessage(std::string_view path, std::string_view json_value,
                                std::string_view detail) {
  std::string m = "Invalid value ";
  m += json_value;
  m += " for parameter '";
  m += path;
  m += "' supplied";
  if (detail.empty()) {
    m += ".";
  } else {
    m += ": ";
    m += detail;
  }
  return m;
}

std::string MissingValueMessage(std::string_view path) {
  return "Missing value for required parameter '" + std::string(path) + "'.";
}

std::string ExceedsMaximumLengthMessage(std::string_view path, size_t limit) {
  return "'" + std::string(path) + "' exceeds the maximum length of " + std::to_string(limit) +
         " characters";
}

Status ValidateExperimentIdCount(std::string_view request, size_t count, size_t limit) {
  if (count <= limit) return OkStatus();
  return InvalidArgumentError(std::string(request) + " request cannot specify more than " +
                              std::to_string(limit) + " experiment_ids. Received " +
                              std::to_string(count) + " experiment_ids.");
}

Status ValidateNoNul(std::string_view value, std::string_view path) {
  if (value.find('\0') == std::string_view::npos) return OkStatus();
  return InvalidArgumentError("Invalid value for parameter '" + std::string(path) +
                              "' supplied: it contains a NUL character (\\x00), which is not "
                              "allowed.");
}

std::string PosixNormPath(std::string_view path) {
  if (path.empty()) return ".";
  size_t initial_slashes = 0;
  if (path.starts_with("/")) {
    initial_slashes = (path.starts_with("//") && !path.starts_with("///")) ? 2 : 1;
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(start, end - start);
    start = end + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp != ".." || (initial_slashes == 0 && parts.empty()) ||
        (!parts.empty() && parts.back() == "..")) {
      parts.push_back(comp);
    } else if (!parts.empty()) {
      parts.pop_back();
    }
  }
  std::string out(initial_slashes, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back('/');
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

size_t CodePointLength(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string PyRepr(std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == static_cast<unsigned char>(quote)) {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back(quote);
  return out;
}

Status ValidateMetricName(std::string_view name, std::string_view path) {
  return ValidateKey(name, path);
}
Status ValidateParamName(std::string_view name, std::string_view path) {
  return ValidateKey(name, path);
}
Status ValidateTagName(std::string_view name, std::string_view path) {
  return ValidateKey(name, path);
}

namespace {

// What ValidateMetric checks besides the key (whose checks come before and after these).
Status ValidateMetricPoint(const store::Metric& metric, std::string_view path) {
  for (const auto& [value, field] :
       {std::pair<std::string_view, std::string_view>{metric.model_id, "model_id"},
        {metric.dataset_name, "dataset_name"},
        {metric.dataset_digest, "dataset_digest"}}) {
    if (!value.empty()) RETURN_IF_ERROR(ValidateNoNul(value, JoinPath(path, field)));
  }
  if (metric.timestamp < 0) {
    return InvalidArgumentError(
        InvalidValueMessage(JoinPath(path, "timestamp"), FormatInt(metric.timestamp),
                            "metric '" + metric.key + "' (value=" + PyFloat(metric.value) +
                                "). Timestamp must be a nonnegative long (64-bit integer) "));
  }
  return OkStatus();
}

}  // namespace

Status ValidateMetric(const store::Metric& metric, std::string_view path) {
  // A batch validates thousands of metrics: the field paths of the messages are built only
  // for a metric that fails.
  if (!ValidateMetricName(metric.key, "").ok()) {
    return ValidateMetricName(metric.key, JoinPath(path, "name"));
  }
  RETURN_IF_ERROR(ValidateMetricPoint(metric, path));
  return CheckLength("Metric name", kMaxEntityKeyLength, metric.key);
}

Status ValidateMetrics(const std::vector<store::Metric>& metrics, std::string_view field) {
  // A batch mostly repeats the key of the metric before it (a history of one key, or a few
  // keys logged step by step): a key that passed is not checked again on the next metric.
  // Messages (and their paths) are built only for the metric that fails, by ValidateMetric.
  const std::string* valid_key = nullptr;
  for (size_t i = 0; i < metrics.size(); ++i) {
    const store::Metric& m = metrics[i];
    const bool key_known = valid_key != nullptr && *valid_key == m.key;
    if (!(key_known ? ValidateMetricPoint(m, "") : ValidateMetric(m, "")).ok()) {
      return ValidateMetric(m, std::string(field) + "[" + std::to_string(i) + "]");
    }
    valid_key = &m.key;
  }
  return OkStatus();
}

Status ValidateParam(store::Param& param, std::string_view path, bool truncate) {
  RETURN_IF_ERROR(ValidateParamName(param.key, JoinPath(path, "key")));
  RETURN_IF_ERROR(CheckLength("Param key", kMaxEntityKeyLength, param.key));
  RETURN_IF_ERROR(ValidateNoNul(param.value, JoinPath(path, "value")));
  return LimitLength("Param value", kMaxParamValueLength, param.value, truncate);
}

Status ValidateRunTag(store::Tag& tag, std::string_view path, bool truncate) {
  std::string key_path = JoinPath(path, "key");
  RETURN_IF_ERROR(ValidateTagName(tag.key, key_path));
  RETURN_IF_ERROR(CheckLength(key_path, kMaxEntityKeyLength, tag.key));
  RETURN_IF_ERROR(ValidateNoNul(tag.value, JoinPath(path, "value")));
  return LimitLength(JoinPath(path, "value"), kMaxTagValueLength, tag.value, truncate);
}

Status ValidateExperimentTag(const store::Tag& tag) {
  RETURN_IF_ERROR(ValidateTagName(tag.key, "key"));
  RETURN_IF_ERROR(CheckLength("key", kMaxExperimentTagKeyLength, tag.key));
  RETURN_IF_ERROR(ValidateNoNul(tag.value, "value"));
  return CheckLength("value", kMaxExperimentTagValueLength, tag.value);
}

namespace {
Status BatchLimit(std::string_view entity, size_t limit, size_t length) {
  if (length <= limit) return OkStatus();
  std::string e(entity);
  return InvalidArgumentError("A batch logging request can contain at most " +
                              std::to_string(limit) + " " + e + ". Got " + std::to_string(length) +
                              " " + e + ". Please split up " + e +
                              " across multiple requests and try again.");
}
}  // namespace

Status ValidateBatchLimits(size_t metrics, size_t params, size_t tags) {
  RETURN_IF_ERROR(BatchLimit("metrics", kMaxMetricsPerBatch, metrics));
  RETURN_IF_ERROR(BatchLimit("params", kMaxParamsTagsPerBatch, params));
  RETURN_IF_ERROR(BatchLimit("tags", kMaxParamsTagsPerBatch, tags));
  return BatchLimit("metrics, params, and tags", kMaxEntitiesPerBatch, metrics + params + tags);
}

Status ValidateParamKeysUnique(const std::vector<store::Param>& params) {
  std::set<std::string_view> seen;
  std::vector<std::string_view> dupes;
  for (const auto& p : params) {
    if (!seen.insert(p.key).second) dupes.push_back(p.key);
  }
  if (dupes.empty()) return OkStatus();
  std::string list = "[";
  for (size_t i = 0; i < dupes.size(); ++i) {
    if (i > 0) list += ", ";
    list += PyRepr(dupes[i]);
  }
  list += "]";
  return InvalidArgumentError("Duplicate parameter keys have been submitted: " + list +
                              ". Please ensure the request contains only one param value per "
                              "param key.");
}

Status ValidateExperimentName(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("Invalid experiment name: ''");
  if (CodePointLength(name) > kMaxExperimentNameLength) {
    return InvalidArgumentError(ExceedsMaximumLengthMessage("name", kMaxExperimentNameLength));
  }
  return ValidateNoNul(name, "name");
}

Status ValidateExperimentArtifactLocation(std::string_view location) {
  if (location.starts_with("runs:")) {
    return InvalidArgumentError("Artifact location cannot be a runs:/ URI. Given: '" +
                                std::string(location) + "'");
  }
  return ValidateNoNul(location, "artifact_location");
}

namespace {
bool MatchesIdShape(std::string_view id, size_t max_tail) {
  if (id.empty() || !IsAsciiAlnum(static_cast<unsigned char>(id[0]))) return false;
  if (id.size() - 1 > max_tail) return false;
  for (size_t i = 1; i < id.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(id[i]);
    if (!IsAsciiAlnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}
}  // namespace

Status ValidateRunId(std::string_view run_id, std::string_view path) {
  if (MatchesIdShape(run_id, 255)) return OkStatus();
  return InvalidArgumentError(InvalidValueMessage(path, PyJsonString(run_id)));
}

Status ValidateExperimentId(std::string_view experiment_id) {
  if (MatchesIdShape(experiment_id, 63)) return OkStatus();
  return InvalidArgumentError("Invalid experiment ID: '" + std::string(experiment_id) + "'");
}

Status ValidateLoggedModelName(std::string_view name) {
  if (name.empty() || name.find_first_of("/:.%\"'") != std::string_view::npos) {
    return InvalidArgumentError(
        "Invalid model name (" + PyRepr(name) +
        ") provided. Model name must be a non-empty string and cannot contain the following "
        "characters: ('/', ':', '.', '%', '\"', \"'\")");
  }
  return ValidateNoNul(name, "name");
}

Status ValidateDatasetInput(const store::DatasetInput& input) {
  const store::Dataset& d = input.dataset;
  if (d.name.empty()) return InvalidArgumentError("Dataset name cannot be None");
  if (d.digest.empty()) return InvalidArgumentError("Dataset digest cannot be None");
  if (d.source_type.empty()) return InvalidArgumentError("Dataset source_type cannot be None");
  if (d.source.empty()) return InvalidArgumentError("Dataset source cannot be None");
  RETURN_IF_ERROR(CheckLength("name", kMaxDatasetNameSize, d.name));
  RETURN_IF_ERROR(CheckLength("digest", kMaxDatasetDigestSize, d.digest));
  RETURN_IF_ERROR(CheckLength("source", kMaxDatasetSourceSize, d.source));
  RETURN_IF_ERROR(CheckLength("schema", kMaxDatasetSchemaSize, d.schema));
  RETURN_IF_ERROR(CheckLength("profile", kMaxDatasetProfileSize, d.profile));
  for (const auto& [field, value] : {std::pair<std::string_view, std::string_view>{"name", d.name},
                                     {"digest", d.digest},
                                     {"source_type", d.source_type},
                                     {"source", d.source},
                                     {"schema", d.schema},
                                     {"profile", d.profile}}) {
    RETURN_IF_ERROR(ValidateNoNul(value, field));
  }
  for (const auto& tag : input.tags) {
    if (tag.key.empty()) return InvalidArgumentError("InputTag key cannot be None");
    RETURN_IF_ERROR(CheckLength("key", kMaxInputTagKeySize, tag.key));
    RETURN_IF_ERROR(CheckLength("value", kMaxInputTagValueSize, tag.value));
    RETURN_IF_ERROR(ValidateNoNul(tag.key, "key"));
    RETURN_IF_ERROR(ValidateNoNul(tag.value, "value"));
  }
  return OkStatus();
}

}  // namespace inet::tracking
