#include "exec/local/supervisor_protocol.h"

#include <boost/json.hpp>

namespace inet::exec::local {
namespace json = boost::json;

namespace {

json::array StringArray(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

// Small typed readers over a parsed object: each returns false when the field is missing or
// has the wrong type, so parsers can report which field is bad.
bool GetString(const json::object& o, std::string_view key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return false;
  out = std::string(v->as_string());
  return true;
}

bool GetInt(const json::object& o, std::string_view key, int64_t& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return false;
  if (v->is_int64()) {
    out = v->as_int64();
    return true;
  }
  if (v->is_uint64()) {
    out = static_cast<int64_t>(v->as_uint64());
    return true;
  }
  return false;
}

bool GetBool(const json::object& o, std::string_view key, bool& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_bool()) return false;
  out = v->as_bool();
  return true;
}

bool GetStrings(const json::value& v, std::vector<std::string>& out) {
  if (!v.is_array()) return false;
  out.clear();
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) return false;
    out.emplace_back(e.as_string());
  }
  return true;
}

StatusOr<json::object> ParseObject(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return InvalidArgumentError(std::string(what) + " is not a JSON object" +
                                (ec ? ": " + ec.message() : std::string()));
  }
  return std::move(v.as_object());
}

Status Missing(std::string_view what, std::string_view field) {
  return InvalidArgumentError(std::string(what) + ": missing or malformed field '" +
                              std::string(field) + "'");
}

}  // namespace

std::string AttemptSpecToJson(const AttemptSpec& spec) {
  json::array envs;
  for (const auto& env : spec.process_env) envs.emplace_back(StringArray(env));
  json::object o{{"job_id", spec.job_id},
                 {"attempt", spec.attempt},
                 {"program", spec.program},
                 {"argv", StringArray(spec.argv)},
                 {"process_env", std::move(envs)},
                 {"cwd", spec.cwd},
                 {"log_path", spec.log_path},
                 {"exit_path", spec.exit_path},
                 {"cgroup_path", spec.cgroup_path},
                 {"rlimit_as_bytes", spec.rlimit_as_bytes},
                 {"rlimit_nproc", spec.rlimit_nproc},
                 {"rlimit_fsize_bytes", spec.rlimit_fsize_bytes},
                 {"max_log_bytes", spec.max_log_bytes},
                 {"run_as_uid", spec.run_as_uid},
                 {"run_as_gid", spec.run_as_gid},
                 {"drop_capabilities", spec.drop_capabilities},
                 {"landlock_hidden", StringArray(spec.landlock_hidden)},
                 {"landlock_allowed", StringArray(spec.landlock_allowed)},
                 {"memory_limit_bytes", spec.memory_limit_bytes},
                 {"default_grace_seconds", spec.default_grace_seconds},
                 {"gang_grace_seconds", spec.gang_grace_seconds}};
  return json::serialize(o);
}

StatusOr<AttemptSpec> AttemptSpecFromJson(std::string_view text) {
  constexpr std::string_view kWhat = "attempt spec";
  ASSIGN_OR_RETURN(json::object o, ParseObject(text, kWhat));
  AttemptSpec spec;
  int64_t n = 0;
  if (!GetString(o, "job_id", spec.job_id)) return Missing(kWhat, "job_id");
  if (!GetInt(o, "attempt", n)) return Missing(kWhat, "attempt");
  spec.attempt = static_cast<int>(n);
  if (!GetString(o, "program", spec.program)) return Missing(kWhat, "program");
  const json::value* argv = o.if_contains("argv");
  if (argv == nullptr || !GetStrings(*argv, spec.argv) || spec.argv.empty()) {
    return Missing(kWhat, "argv");
  }
  const json::value* envs = o.if_contains("process_env");
  if (envs == nullptr || !envs->is_array() || envs->as_array().empty()) {
    return Missing(kWhat, "process_env");
  }
  for (const auto& e : envs->as_array()) {
    std::vector<std::string> env;
    if (!GetStrings(e, env)) return Missing(kWhat, "process_env");
    spec.process_env.push_back(std::move(env));
  }
  if (!GetString(o, "cwd", spec.cwd)) return Missing(kWhat, "cwd");
  if (!GetString(o, "log_path", spec.log_path)) return Missing(kWhat, "log_path");
  if (!GetString(o, "exit_path", spec.exit_path)) return Missing(kWhat, "exit_path");
  if (!GetString(o, "cgroup_path", spec.cgroup_path)) return Missing(kWhat, "cgroup_path");
  if (!GetInt(o, "rlimit_as_bytes", spec.rlimit_as_bytes)) return Missing(kWhat, "rlimit_as_bytes");
  if (!GetInt(o, "memory_limit_bytes", spec.memory_limit_bytes)) {
    return Missing(kWhat, "memory_limit_bytes");
  }
  if (!GetInt(o, "default_grace_seconds", n)) return Missing(kWhat, "default_grace_seconds");
  spec.default_grace_seconds = static_cast<int>(n);
  if (!GetInt(o, "gang_grace_seconds", n)) return Missing(kWhat, "gang_grace_seconds");
  spec.gang_grace_seconds = static_cast<int>(n);
  // The confinement fields; a missing one (a spec written by hand) means "none".
  GetInt(o, "rlimit_nproc", spec.rlimit_nproc);
  GetInt(o, "rlimit_fsize_bytes", spec.rlimit_fsize_bytes);
  GetInt(o, "max_log_bytes", spec.max_log_bytes);
  GetInt(o, "run_as_uid", spec.run_as_uid);
  GetInt(o, "run_as_gid", spec.run_as_gid);
  GetBool(o, "drop_capabilities", spec.drop_capabilities);
  for (auto [key, out] : {std::pair{"landlock_hidden", &spec.landlock_hidden},
                          std::pair{"landlock_allowed", &spec.landlock_allowed}}) {
    const json::value* v = o.if_contains(key);
    if (v != nullptr && !GetStrings(*v, *out)) return Missing(kWhat, key);
  }
  return spec;
}

std::string HandshakeToJson(const Handshake& h) {
  json::array pids;
  for (int pid : h.pids) pids.emplace_back(pid);
  json::object o{{"ok", h.ok},
                 {"error", h.error},
                 {"errno", h.error_errno},
                 {"supervisor_pid", h.supervisor_pid},
                 {"pgid", h.pgid},
                 {"pids", std::move(pids)},
                 {"leader_start_time", h.leader_start_time}};
  return json::serialize(o);
}

StatusOr<Handshake> HandshakeFromJson(std::string_view text) {
  constexpr std::string_view kWhat = "supervisor handshake";
  ASSIGN_OR_RETURN(json::object o, ParseObject(text, kWhat));
  Handshake h;
  int64_t n = 0;
  if (!GetBool(o, "ok", h.ok)) return Missing(kWhat, "ok");
  if (!GetString(o, "error", h.error)) return Missing(kWhat, "error");
  if (!GetInt(o, "errno", n)) return Missing(kWhat, "errno");
  h.error_errno = static_cast<int>(n);
  if (!GetInt(o, "supervisor_pid", n)) return Missing(kWhat, "supervisor_pid");
  h.supervisor_pid = static_cast<int>(n);
  if (!GetInt(o, "pgid", n)) return Missing(kWhat, "pgid");
  h.pgid = static_cast<int>(n);
  const json::value* pids = o.if_contains("pids");
  if (pids == nullptr || !pids->is_array()) return Missing(kWhat, "pids");
  for (const auto& p : pids->as_array()) {
    if (!p.is_int64()) return Missing(kWhat, "pids");
    h.pids.push_back(static_cast<int>(p.as_int64()));
  }
  if (!GetInt(o, "leader_start_time", n)) return Missing(kWhat, "leader_start_time");
  h.leader_start_time = static_cast<uint64_t>(n);
  return h;
}

std::string ExitRecordToJson(const ExitRecord& r) {
  json::object o{{"exit_code", r.exit_code},
                 {"signal", r.signal},
                 {"oom_killed", r.oom_killed},
                 {"message", r.message},
                 {"finished_at", r.finished_at_millis}};
  return json::serialize(o);
}

StatusOr<ExitRecord> ExitRecordFromJson(std::string_view text) {
  constexpr std::string_view kWhat = "exit record";
  ASSIGN_OR_RETURN(json::object o, ParseObject(text, kWhat));
  ExitRecord r;
  int64_t n = 0;
  if (!GetInt(o, "exit_code", n)) return Missing(kWhat, "exit_code");
  r.exit_code = static_cast<int>(n);
  if (!GetInt(o, "signal", n)) return Missing(kWhat, "signal");
  r.signal = static_cast<int>(n);
  if (!GetBool(o, "oom_killed", r.oom_killed)) return Missing(kWhat, "oom_killed");
  if (!GetString(o, "message", r.message)) return Missing(kWhat, "message");
  if (!GetInt(o, "finished_at", r.finished_at_millis)) return Missing(kWhat, "finished_at");
  return r;
}

}  // namespace inet::exec::local
