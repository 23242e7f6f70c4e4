#include "jobs/job_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <exception>
#include <initializer_list>
#include <limits>
#include <optional>
#include <utility>

#include "common/text.h"

namespace inet::jobs {
namespace {

namespace json = boost::json;

// ---------------------------------------------------------------------------------------------
// Validation helpers

constexpr size_t kMaxNameLength = 50;

// A fixed version of a would-be DNS label: lowercase, runs of other characters become one '-',
// a leading non-letter gets `prefix`, at most 50 characters. "" when nothing usable is left.
std::string FixLabel(std::string_view s, std::string_view prefix) {
  std::string out;
  for (char c : s) {
    char l = AsciiToLower(c);
    if (IsAsciiLower(l) || IsAsciiDigit(l)) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty()) return out;
  if (!IsAsciiLower(out[0])) out = std::string(prefix) + "-" + out;
  if (out.size() > kMaxNameLength) out.resize(kMaxNameLength);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

Status CheckLabel(std::string_view field, std::string_view value, std::string_view prefix) {
  auto with_fix = [&](std::string message) {
    std::string fix = FixLabel(value, prefix);
    if (!fix.empty() && fix != value) message += "; try " + Quoted(fix);
    return InvalidArgumentError(std::move(message));
  };
  std::string head = std::string(field) + " " + Quoted(value);
  for (char c : value) {
    if (!IsAsciiLower(c) && !IsAsciiDigit(c) && c != '-') {
      return with_fix(head + " must be lowercase letters, digits and '-'");
    }
  }
  if (!IsAsciiLower(value.front())) return with_fix(head + " must start with a letter");
  if (value.back() == '-') return with_fix(head + " must end with a letter or digit");
  if (value.size() > kMaxNameLength) {
    return with_fix(head + " is longer than " + std::to_string(kMaxNameLength) + " characters");
  }
  return OkStatus();
}

bool HasDotDotComponent(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

// A path that must stay inside the job's code directory.
Status CheckRelativePath(std::string_view field, std::string_view path) {
  if (!path.empty() && path.front() == '/') {
    return InvalidArgumentError(std::string(field) + " " + Quoted(path) +
                                " must be relative to the code directory");
  }
  if (HasDotDotComponent(path)) {
    return InvalidArgumentError(std::string(field) + " " + Quoted(path) +
                                " must not contain \"..\"; give a path inside the code directory");
  }
  return OkStatus();
}

// A program's arguments and environment end each string at a NUL, so a spec string with one
// would run something other than what was asked (an argument cut short).
Status CheckNoNul(const std::string& field, std::string_view value) {
  if (value.find('\0') == std::string_view::npos) return OkStatus();
  return InvalidArgumentError(field +
                              " contains a NUL character (\\x00), which a program's arguments "
                              "and environment cannot carry; remove it");
}

Status CheckNoNulInSpec(const JobSpec& spec) {
  for (const auto& [field, value] :
       std::initializer_list<std::pair<const char*, const std::string*>>{
           {"name", &spec.name},
           {"image", &spec.image},
           {"script", &spec.script},
           {"resources.cpu", &spec.resources.cpu},
           {"resources.memory", &spec.resources.memory},
           {"distributed backend", &spec.distributed_backend},
           {"code_snapshot", &spec.code_snapshot},
           {"workdir", &spec.workdir},
           {"team", &spec.team},
           {"priority_class", &spec.priority_class},
           {"experiment", &spec.experiment}}) {
    RETURN_IF_ERROR(CheckNoNul(field, *value));
  }
  for (size_t i = 0; i < spec.command.size(); ++i) {
    RETURN_IF_ERROR(CheckNoNul("command[" + std::to_string(i) + "]", spec.command[i]));
  }
  for (size_t i = 0; i < spec.args.size(); ++i) {
    RETURN_IF_ERROR(CheckNoNul("args[" + std::to_string(i) + "]", spec.args[i]));
  }
  for (const auto& [key, value] : spec.env) {
    RETURN_IF_ERROR(CheckNoNul("an env name", key));
    RETURN_IF_ERROR(CheckNoNul("env " + key, value));
  }
  for (const auto& [name, path] : spec.output_artifacts) {
    RETURN_IF_ERROR(CheckNoNul("an output artifact name", name));
    RETURN_IF_ERROR(CheckNoNul("output artifact " + name + " path", path));
  }
  return OkStatus();
}

constexpr std::array<std::string_view, 14> kReservedEnv = {"MLFLOW_RUN_ID",
                                                           "MLFLOW_TRACKING_URI",
                                                           "MLFLOW_TRACKING_TOKEN",
                                                           "INET_JOB_ID",
                                                           "INET_TOKEN",
                                                           "INET_URL",
                                                           "INET_OUTPUT_DIR",
                                                           "INET_CHECKPOINT_DIR",
                                                           "CUDA_VISIBLE_DEVICES",
                                                           "WORLD_SIZE",
                                                           "RANK",
                                                           "LOCAL_RANK",
                                                           "MASTER_ADDR",
                                                           "MASTER_PORT"};

bool IsEnvName(std::string_view key) {
  if (key.empty() || IsAsciiDigit(key.front())) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return IsAsciiLower(c) || IsAsciiUpper(c) || IsAsciiDigit(c) || c == '_';
  });
}

std::string FixEnvName(std::string_view key) {
  std::string out;
  for (char c : key) out += (IsAsciiLower(c) || IsAsciiUpper(c) || IsAsciiDigit(c)) ? c : '_';
  if (!out.empty() && IsAsciiDigit(out.front())) out.insert(out.begin(), '_');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the JSON form

std::string FormatNumber(double d) {
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e15) {
    return std::to_string(static_cast<int64_t>(d));
  }
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  if (ec != std::errc()) return std::to_string(d);
  return std::string(buf.data(), end);
}

std::string_view KindOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "a list";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

std::string Describe(const json::value& v) {
  if (v.is_string()) return Quoted(v.get_string());
  if (v.is_double()) return FormatNumber(v.get_double());
  if (v.is_array() || v.is_object() || v.is_null()) return std::string(KindOf(v));
  return json::serialize(v);
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Splits a command line into words as a POSIX shell does (quotes and backslashes; no expansion).
StatusOr<std::vector<std::string>> SplitShellWords(std::string_view field, std::string_view s) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (IsAsciiSpace(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    if (c == '\\' && i + 1 < s.size() && s[i + 1] == '\n') {
      ++i;  // line continuation
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 < s.size()) {
        word += s[++i];
      } else {
        word += c;
      }
    } else if (c == '\'') {
      size_t close = s.find('\'', i + 1);
      if (close == std::string_view::npos) {
        return InvalidArgumentError(std::string(field) + " " + Quoted(s) +
                                    " has an unterminated single quote");
      }
      word.append(s.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < s.size() && s[j] != '"'; ++j) {
        if (s[j] == '\\' && j + 1 < s.size() &&
            std::string_view("$`\"\\\n").find(s[j + 1]) != std::string_view::npos) {
          if (s[j + 1] != '\n') word += s[j + 1];
          ++j;
        } else {
          word += s[j];
        }
      }
      if (j >= s.size()) {
        return InvalidArgumentError(std::string(field) + " " + Quoted(s) +
                                    " has an unterminated double quote");
      }
      i = j;
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

constexpr std::array<std::string_view, 17> kTopLevelFields = {
    "name",        "image",         "command",       "script",  "args",
    "env",         "resources",     "timeout_hours", "retries", "output_artifacts",
    "distributed", "code_snapshot", "workdir",       "team",    "priority_class",
    "experiment",  "max_cost_usd"};
constexpr std::array<std::string_view, 3> kResourceFields = {"cpu", "memory", "gpu"};
constexpr std::array<std::string_view, 2> kDistributedFields = {"backend", "processes"};

std::string Join(const auto& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out.append(n);
  }
  return out;
}

// "resources" + "gpu" -> "resources.gpu": how errors (and YAML line lookups) name a field.
std::string FieldPath(const std::string& parent, std::string_view key) {
  std::string path = parent;
  if (!path.empty()) path += '.';
  path.append(key);
  return path;
}

// Reads a JSON value into a JobSpec. `lines`, when given, maps field paths ("resources.gpu",
// "args[1]") to the YAML line they came from, so errors in a YAML file name their line.
class SpecReader {
 public:
  explicit SpecReader(const std::map<std::string, int>* lines) : lines_(lines) {}

  StatusOr<JobSpec> Read(const json::value& root) {
    if (!root.is_object()) {
      return Fail("", std::string("a job spec must be an object of fields, got ") +
                          std::string(KindOf(root)));
    }
    JobSpec spec;
    const json::object& o = root.get_object();
    RETURN_IF_ERROR(CheckKnown(o, "", kTopLevelFields));
    for (const auto& [key_view, v] : o) {
      std::string key(key_view);
      if (v.is_null()) continue;  // null means "not given": keep the default
      if (key == "name") {
        RETURN_IF_ERROR(String(v, key, spec.name));
      } else if (key == "image") {
        RETURN_IF_ERROR(String(v, key, spec.image));
      } else if (key == "command") {
        RETURN_IF_ERROR(Words(v, key, spec.command));
      } else if (key == "script") {
        RETURN_IF_ERROR(String(v, key, spec.script));
      } else if (key == "args") {
        RETURN_IF_ERROR(Words(v, key, spec.args));
      } else if (key == "env") {
        RETURN_IF_ERROR(Env(v, key, spec.env));
      } else if (key == "resources") {
        RETURN_IF_ERROR(Resources(v, key, spec.resources));
      } else if (key == "timeout_hours") {
        RETURN_IF_ERROR(Double(v, key, spec.timeout_hours));
      } else if (key == "retries") {
        RETURN_IF_ERROR(Int(v, key, spec.retries));
      } else if (key == "max_cost_usd") {
        RETURN_IF_ERROR(Double(v, key, spec.max_cost_usd));
      } else if (key == "output_artifacts") {
        RETURN_IF_ERROR(Outputs(v, key, spec.output_artifacts));
      } else if (key == "distributed") {
        RETURN_IF_ERROR(Distributed(v, key, spec));
      } else if (key == "code_snapshot") {
        RETURN_IF_ERROR(String(v, key, spec.code_snapshot));
      } else if (key == "workdir") {
        RETURN_IF_ERROR(String(v, key, spec.workdir));
      } else if (key == "team") {
        RETURN_IF_ERROR(String(v, key, spec.team));
      } else if (key == "priority_class") {
        RETURN_IF_ERROR(String(v, key, spec.priority_class));
      } else if (key == "experiment") {
        RETURN_IF_ERROR(Text(v, key, spec.experiment));
      }
    }
    return spec;
  }

 private:
  Status Fail(const std::string& path, std::string message) const {
    if (lines_ != nullptr) {
      auto it = lines_->find(path);
      if (it != lines_->end()) message = "line " + std::to_string(it->second) + ": " + message;
    }
    return InvalidArgumentError(std::move(message));
  }

  template <size_t N>
  Status CheckKnown(const json::object& o, const std::string& path,
                    const std::array<std::string_view, N>& known) const {
    for (const auto& [key, v] : o) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string message = "unknown field " + Quoted(key) + " in " +
                            (path.empty() ? std::string("job spec") : path) +
                            "; known fields: " + Join(known);
      std::string_view best;
      size_t best_distance = 3;
      for (std::string_view k : known) {
        size_t d = EditDistance(key, k);
        if (d < best_distance) best = k, best_distance = d;
      }
      if (path.empty() && (key == "cpu" || key == "memory" || key == "gpu" || key == "gpus")) {
        message += "; cpu, memory and gpu go under \"resources\"";
      } else if (path.empty() && (key == "backend" || key == "processes")) {
        message += "; backend and processes go under \"distributed\"";
      } else if (!best.empty()) {
        message += "; did you mean " + Quoted(best) + "?";
      }
      return Fail(FieldPath(path, key), std::move(message));
    }
    return OkStatus();
  }

  Status String(const json::value& v, const std::string& path, std::string& out) const {
    if (!v.is_string()) return Fail(path, path + " must be a string, got " + Describe(v));
    out = std::string(v.get_string());
    return OkStatus();
  }

  // A string, or a number or boolean taken as its text (env values, args, quantities).
  Status Text(const json::value& v, const std::string& path, std::string& out) const {
    switch (v.kind()) {
      case json::kind::string:
        out = std::string(v.get_string());
        return OkStatus();
      case json::kind::int64:
        out = std::to_string(v.get_int64());
        return OkStatus();
      case json::kind::uint64:
        out = std::to_string(v.get_uint64());
        return OkStatus();
      case json::kind::double_:
        out = FormatNumber(v.get_double());
        return OkStatus();
      case json::kind::bool_:
        out = v.get_bool() ? "true" : "false";
        return OkStatus();
      default:
        return Fail(path, path + " must be a string, got " + Describe(v));
    }
  }

  Status Int(const json::value& v, const std::string& path, int& out) const {
    std::optional<int64_t> n;
    if (v.is_int64()) {
      n = v.get_int64();
    } else if (v.is_uint64()) {
      if (v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        n = static_cast<int64_t>(v.get_uint64());
      }
    } else if (v.is_double()) {
      double d = v.get_double();
      if (d == std::trunc(d) && std::fabs(d) < 1e15) n = static_cast<int64_t>(d);
    } else if (v.is_string()) {
      std::string_view s = v.get_string();
      int64_t parsed = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
      if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) n = parsed;
    }
    if (!n) return Fail(path, path + " must be a whole number, got " + Describe(v));
    if (*n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max()) {
      return Fail(path, path + " " + std::to_string(*n) + " is out of range");
    }
    out = static_cast<int>(*n);
    return OkStatus();
  }

  Status Double(const json::value& v, const std::string& path, double& out) const {
    if (v.is_number()) {
      out = v.to_number<double>();
      return OkStatus();
    }
    if (v.is_string()) {
      std::string_view s = v.get_string();
      double d = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) {
        out = d;
        return OkStatus();
      }
    }
    return Fail(path, path + " must be a number, got " + Describe(v));
  }

  // A list of strings, or one string split like a POSIX shell.
  Status Words(const json::value& v, const std::string& path, std::vector<std::string>& out) const {
    out.clear();
    if (v.is_string()) {
      auto words = SplitShellWords(path, v.get_string());
      if (!words.ok()) return Fail(path, words.status().message());
      out = std::move(words).value();
      return OkStatus();
    }
    if (!v.is_array()) {
      return Fail(path, path + " must be a list of strings or one string, got " + Describe(v));
    }
    const json::array& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string word;
      RETURN_IF_ERROR(Text(a[i], path + "[" + std::to_string(i) + "]", word));
      out.push_back(std::move(word));
    }
    return OkStatus();
  }

  Status Env(const json::value& v, const std::string& path,
             std::map<std::string, std::string>& out) const {
    if (!v.is_object()) {
      return Fail(path, path + " must be an object of NAME: value, got " + Describe(v));
    }
    out.clear();
    for (const auto& [key, value] : v.get_object()) {
      std::string child = FieldPath(path, key);
      std::string text;
      if (value.is_null()) {
        return Fail(child, child + " has no value; give a string (\"\" for empty)");
      }
      RETURN_IF_ERROR(Text(value, child, text));
      out[std::string(key)] = std::move(text);
    }
    return OkStatus();
  }

  Status Resources(const json::value& v, const std::string& path, ResourceRequest& out) const {
    if (!v.is_object()) {
      return Fail(path, path + " must be an object such as {\"cpu\": \"4\", \"memory\": " +
                            "\"16Gi\", \"gpu\": 1}, got " + Describe(v));
    }
    const json::object& o = v.get_object();
    RETURN_IF_ERROR(CheckKnown(o, path, kResourceFields));
    for (const auto& [key, value] : o) {
      if (value.is_null()) continue;
      std::string child = FieldPath(path, key);
      if (key == "cpu") {
        RETURN_IF_ERROR(Text(value, child, out.cpu));
      } else if (key == "memory") {
        RETURN_IF_ERROR(Text(value, child, out.memory));
      } else if (key == "gpu") {
        RETURN_IF_ERROR(Int(value, child, out.gpu));
      }
    }
    return OkStatus();
  }

  Status Distributed(const json::value& v, const std::string& path, JobSpec& spec) const {
    if (!v.is_object()) {
      return Fail(path, path + " must be an object such as {\"backend\": \"pytorch\", " +
                            "\"processes\": 2}, got " + Describe(v));
    }
    const json::object& o = v.get_object();
    RETURN_IF_ERROR(CheckKnown(o, path, kDistributedFields));
    for (const auto& [key, value] : o) {
      if (value.is_null()) continue;
      std::string child = FieldPath(path, key);
      if (key == "backend") {
        RETURN_IF_ERROR(String(value, child, spec.distributed_backend));
      } else if (key == "processes") {
        RETURN_IF_ERROR(Int(value, child, spec.processes));
      }
    }
    return OkStatus();
  }

  // {name: path}, or a list of paths (or one path) named by their base names.
  Status Outputs(const json::value& v, const std::string& path,
                 std::map<std::string, std::string>& out) const {
    out.clear();
    if (v.is_object()) {
      for (const auto& [key, value] : v.get_object()) {
        std::string child = FieldPath(path, key);
        std::string p;
        RETURN_IF_ERROR(String(value, child, p));
        out[std::string(key)] = std::move(p);
      }
      return OkStatus();
    }
    std::vector<std::pair<std::string, std::string>> paths;  // (field path, artifact path)
    if (v.is_string()) {
      paths.emplace_back(path, std::string(v.get_string()));
    } else if (v.is_array()) {
      const json::array& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        std::string child = path + "[" + std::to_string(i) + "]";
        std::string p;
        RETURN_IF_ERROR(String(a[i], child, p));
        paths.emplace_back(child, std::move(p));
      }
    } else {
      return Fail(path,
                  path + " must be an object of name: path or a list of paths, got " + Describe(v));
    }
    for (auto& [child, p] : paths) {
      std::string_view trimmed = p;
      while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.remove_suffix(1);
      size_t slash = trimmed.rfind('/');
      std::string name(slash == std::string_view::npos ? trimmed : trimmed.substr(slash + 1));
      if (name.empty() || name == "." || name == "..") {
        return Fail(
            child, child + " " + Quoted(p) + " has no file name to use; give {name: path} instead");
      }
      if (out.contains(name)) {
        return Fail(child, path + " names two outputs " + Quoted(name) +
                               "; give {name: path} with distinct names instead");
      }
      out[name] = std::move(p);
    }
    return OkStatus();
  }

  const std::map<std::string, int>* lines_;
};

// Converts a YAML document to the JSON value SpecReader reads, recording each node's line.
// Scalars stay strings (numeric fields accept numeric strings), so "1.10" in args keeps its text.
class YamlConverter {
 public:
  StatusOr<json::value> Convert(const YAML::Node& node, const std::string& path, int depth) {
    if (++nodes_ > kMaxNodes) return InvalidArgumentError("job spec YAML is too large");
    if (depth > kMaxDepth) return Error(node, "job spec YAML is nested too deeply");
    YAML::Mark mark = node.Mark();
    if (!mark.is_null()) lines_.emplace(path, mark.line + 1);
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return json::value(nullptr);
      case YAML::NodeType::Scalar: {
        const std::string& s = node.Scalar();
        if (node.Tag() == "?" &&
            (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")) {
          return json::value(nullptr);
        }
        return json::value(s);
      }
      case YAML::NodeType::Sequence: {
        json::array a;
        for (size_t i = 0; i < node.size(); ++i) {
          ASSIGN_OR_RETURN(json::value child,
                           Convert(node[i], path + "[" + std::to_string(i) + "]", depth + 1));
          a.push_back(std::move(child));
        }
        return json::value(std::move(a));
      }
      case YAML::NodeType::Map: {
        json::object o;
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) return Error(kv.first, "keys must be plain text");
          const std::string& key = kv.first.Scalar();
          std::string child_path = FieldPath(path, key);
          if (o.contains(key)) return Error(kv.first, Quoted(key) + " is given twice");
          ASSIGN_OR_RETURN(json::value child, Convert(kv.second, child_path, depth + 1));
          o.emplace(key, std::move(child));
        }
        return json::value(std::move(o));
      }
    }
    return json::value(nullptr);
  }

  const std::map<std::string, int>& lines() const { return lines_; }

 private:
  static constexpr int kMaxNodes = 10000;  // aliases can make a small file expand hugely
  static constexpr int kMaxDepth = 32;

  static Status Error(const YAML::Node& node, const std::string& message) {
    YAML::Mark mark = node.Mark();
    if (mark.is_null()) return InvalidArgumentError(message);
    return InvalidArgumentError("line " + std::to_string(mark.line + 1) + ": " + message);
  }

  std::map<std::string, int> lines_;
  int nodes_ = 0;
};

}  // namespace

Status Validate(JobSpec& spec) {
  RETURN_IF_ERROR(CheckNoNulInSpec(spec));
  if (spec.name.empty()) {
    return InvalidArgumentError(
        "name is required: lowercase letters, digits and '-', starting with a letter, such as "
        "\"bert-finetuning\"");
  }
  RETURN_IF_ERROR(CheckLabel("name", spec.name, "job"));

  if (!spec.command.empty() && !spec.script.empty()) {
    return InvalidArgumentError(
        "give either a script (--script) or a command (--command), not both");
  }
  if (spec.command.empty() && spec.script.empty()) {
    return InvalidArgumentError(
        "nothing to run: give a script (--script train.py) or a command (--command \"python "
        "train.py\")");
  }
  if (!spec.command.empty() && spec.command.front().empty()) {
    return InvalidArgumentError("command starts with an empty word; give the program to run first");
  }
  if (!spec.script.empty()) RETURN_IF_ERROR(CheckRelativePath("script", spec.script));
  if (!spec.workdir.empty()) RETURN_IF_ERROR(CheckRelativePath("workdir", spec.workdir));

  if (spec.retries < 0 || spec.retries > 10) {
    return InvalidArgumentError("retries must be between 0 and 10, got " +
                                std::to_string(spec.retries));
  }
  if (!(spec.timeout_hours > 0 && spec.timeout_hours <= 720)) {
    return InvalidArgumentError(
        "timeout_hours must be more than 0 and at most 720 (30 days), got " +
        FormatNumber(spec.timeout_hours));
  }
  if (!(spec.max_cost_usd >= 0 && spec.max_cost_usd <= 1e9)) {
    return InvalidArgumentError(
        "max_cost_usd must be a USD amount of at least 0 (0 = no limit) and at most "
        "1,000,000,000, got " +
        FormatNumber(spec.max_cost_usd));
  }

  if (!spec.resources.cpu.empty()) {
    ASSIGN_OR_RETURN(int64_t millis, ParseCpuQuantity(spec.resources.cpu));
    if (millis == 0) {
      return InvalidArgumentError("cpu " + Quoted(spec.resources.cpu) +
                                  " must be more than 0; leave it out to request no CPU");
    }
  }
  if (!spec.resources.memory.empty()) {
    ASSIGN_OR_RETURN(int64_t bytes, ParseMemoryQuantity(spec.resources.memory));
    if (bytes == 0) {
      return InvalidArgumentError("memory " + Quoted(spec.resources.memory) +
                                  " must be more than 0; leave it out to request no memory");
    }
  }
  if (spec.resources.gpu < 0 || spec.resources.gpu > 64) {
    return InvalidArgumentError("gpu must be between 0 and 64, got " +
                                std::to_string(spec.resources.gpu));
  }

  const std::string& backend = spec.distributed_backend;
  if (!backend.empty() && backend != "pytorch") {
    std::string lower = AsciiLowercase(backend);
    std::string message = "distributed backend " + Quoted(backend) + " is not supported";
    if (lower == "pytorch" || lower == "torch" || lower == "ddp" || lower == "torchrun" ||
        lower == "torch.distributed" || lower == "nccl" || lower == "gloo") {
      return InvalidArgumentError(message + "; did you mean \"pytorch\"?");
    }
    return InvalidArgumentError(message + "; the supported backend is \"pytorch\"");
  }
  if (spec.processes < 1 || spec.processes > 64) {
    return InvalidArgumentError("processes must be between 1 and 64, got " +
                                std::to_string(spec.processes));
  }
  if (spec.processes > 1 && backend.empty()) {
    return InvalidArgumentError("processes is " + std::to_string(spec.processes) +
                                " but no distributed backend is set; add --distributed-backend "
                                "pytorch (\"distributed\": {\"backend\": \"pytorch\"})");
  }

  if (spec.priority_class.empty()) spec.priority_class = "batch";
  if (spec.priority_class != "interactive" && spec.priority_class != "batch") {
    std::string message =
        "priority_class " + Quoted(spec.priority_class) + " must be \"interactive\" or \"batch\"";
    std::string lower = AsciiLowercase(spec.priority_class);
    if (lower == "interactive" || lower == "batch")
      message += "; did you mean " + Quoted(lower) + "?";
    return InvalidArgumentError(message);
  }

  for (const auto& [key, value] : spec.env) {
    if (!IsEnvName(key)) {
      std::string message =
          "env name " + Quoted(key) + " must be letters, digits and '_', not starting with a digit";
      std::string fix = FixEnvName(key);
      if (!fix.empty()) message += "; try " + Quoted(fix);
      return InvalidArgumentError(message);
    }
    if (std::find(kReservedEnv.begin(), kReservedEnv.end(), key) != kReservedEnv.end()) {
      return InvalidArgumentError("env " + key +
                                  " is set by the platform; remove it from the spec");
    }
  }

  for (const auto& [name, path] : spec.output_artifacts) {
    std::string head = "output artifact " + Quoted(name);
    if (name.empty()) {
      return InvalidArgumentError("an output artifact has an empty name; name each output");
    }
    if (name.find('/') != std::string::npos) {
      return InvalidArgumentError(head + " must not contain '/'; use a plain name such as " +
                                  Quoted(name.substr(name.rfind('/') + 1)));
    }
    if (name.find("..") != std::string::npos || name == ".") {
      return InvalidArgumentError(head + " must not contain \"..\"");
    }
    if (path.empty()) return InvalidArgumentError(head + " has an empty path");
    if (path.front() != '/' && HasDotDotComponent(path)) {
      return InvalidArgumentError(head + " path " + Quoted(path) +
                                  " must not contain \"..\"; give a path inside the job's "
                                  "directory or an absolute path");
    }
  }

  // No team: the service puts the job in the team the request acts in.
  if (!spec.team.empty()) RETURN_IF_ERROR(CheckLabel("team", spec.team, "team"));
  if (spec.experiment.empty()) spec.experiment = spec.name;
  return OkStatus();
}

Resources RequestedResources(const JobSpec& spec) {
  Resources r;
  if (StatusOr<int64_t> cpu = ParseCpuQuantity(spec.resources.cpu);
      !spec.resources.cpu.empty() && cpu.ok()) {
    r.cpu_millis = *cpu;
  }
  if (StatusOr<int64_t> memory = ParseMemoryQuantity(spec.resources.memory);
      !spec.resources.memory.empty() && memory.ok()) {
    r.memory_bytes = *memory;
  }
  r.gpus = spec.resources.gpu;
  return r;
}

std::vector<std::string> ResolveArgv(const JobSpec& spec, std::string_view python) {
  std::vector<std::string> argv;
  if (!spec.command.empty()) {
    argv = spec.command;
  } else if (!spec.script.empty()) {
    const std::string& script = spec.script;
    if (script.ends_with(".py")) {
      argv = {std::string(python), script};
    } else if (script.ends_with(".sh")) {
      argv = {"bash", script};
    } else if (script.find('/') == std::string::npos) {
      argv = {"./" + script};
    } else {
      argv = {script};
    }
  }
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  return argv;
}

StatusOr<JobSpec> JobSpecFromJson(std::string_view text) {
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < consumed && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return InvalidArgumentError("job spec is not valid JSON (line " + std::to_string(line) +
                                ", column " + std::to_string(column) + "): " + ec.message());
  }
  json::value root = parser.release();
  return SpecReader(nullptr).Read(root);
}

std::string JobSpecToJson(const JobSpec& spec) {
  json::object o;
  o["name"] = spec.name;
  o["image"] = spec.image;
  o["command"] = json::array(spec.command.begin(), spec.command.end());
  o["script"] = spec.script;
  o["args"] = json::array(spec.args.begin(), spec.args.end());
  json::object env;
  for (const auto& [k, v] : spec.env) env[k] = v;
  o["env"] = std::move(env);
  o["resources"] = {
      {"cpu", spec.resources.cpu}, {"memory", spec.resources.memory}, {"gpu", spec.resources.gpu}};
  double hours = spec.timeout_hours;
  if (std::isfinite(hours) && hours == std::trunc(hours) && std::fabs(hours) < 9.0e15) {
    o["timeout_hours"] = static_cast<int64_t>(hours);
  } else {
    o["timeout_hours"] = hours;
  }
  o["retries"] = spec.retries;
  if (spec.max_cost_usd > 0) {
    o["max_cost_usd"] = spec.max_cost_usd;
  }
  json::object outputs;
  for (const auto& [k, v] : spec.output_artifacts) outputs[k] = v;
  o["output_artifacts"] = std::move(outputs);
  o["distributed"] = {{"backend", spec.distributed_backend}, {"processes", spec.processes}};
  o["code_snapshot"] = spec.code_snapshot;
  o["workdir"] = spec.workdir;
  o["team"] = spec.team;
  o["priority_class"] = spec.priority_class;
  o["experiment"] = spec.experiment;
  return json::serialize(o);
}

StatusOr<JobSpec> JobSpecFromYaml(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return InvalidArgumentError("job spec is not valid YAML: " + e.msg);
    return InvalidArgumentError("job spec is not valid YAML (line " +
                                std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + "): " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("job spec is not valid YAML: ") + e.what());
  }
  if (root.IsNull() || !root.IsDefined()) {
    return InvalidArgumentError("job spec YAML is empty; give at least name and script");
  }
  YamlConverter converter;
  StatusOr<json::value> value = InvalidArgumentError("job spec YAML could not be read");
  try {
    value = converter.Convert(root, "", 0);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("job spec is not valid YAML: ") + e.what());
  }
  if (!value.ok()) return value.status();
  return SpecReader(&converter.lines()).Read(*value);
}

}  // namespace inet::jobs
