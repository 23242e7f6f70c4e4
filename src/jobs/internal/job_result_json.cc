#include "jobs/internal/job_result_json.h"

#include <boost/json.hpp>

namespace inet::jobs::internal {
namespace {

namespace json = boost::json;

std::string StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return "";
  return std::string(v->as_string());
}

int64_t IntField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return 0;
  return v->as_int64();
}

bool BoolField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

}  // namespace

std::string EncodeResult(const PersistedResult& persisted) {
  const JobResult& r = persisted.result;
  json::object o;
  if (r.exit_code) o["exit_code"] = *r.exit_code;
  if (r.signal != 0) o["signal"] = r.signal;
  json::array gpus;
  for (int g : r.gpu_indices) gpus.push_back(g);
  o["gpus"] = std::move(gpus);
  json::array artifacts;
  for (const JobArtifact& a : r.artifacts) {
    artifacts.push_back(json::object{{"name", a.name}, {"uri", a.uri}, {"size", a.size}});
  }
  o["artifacts"] = std::move(artifacts);
  if (!r.last_failure.empty()) o["last_failure"] = r.last_failure;
  if (persisted.attempt_started_at != 0) o["attempt_started_at"] = persisted.attempt_started_at;
  if (!persisted.token_id.empty()) o["token_id"] = persisted.token_id;
  if (!persisted.stopping.empty()) o["stopping"] = persisted.stopping;
  if (!persisted.stopping_reason.empty()) o["stopping_reason"] = persisted.stopping_reason;
  if (persisted.preemptions != 0) o["preemptions"] = persisted.preemptions;
  if (persisted.launching_attempt != 0) o["launching_attempt"] = persisted.launching_attempt;
  if (!persisted.cancelled_by.empty()) o["cancelled_by"] = persisted.cancelled_by;
  if (const EndedAttempt& e = persisted.finalizing; e.attempt != 0) {
    o["finalizing"] = json::object{{"attempt", e.attempt},       {"exit_code", e.exit_code},
                                   {"signal", e.signal},         {"vanished", e.vanished},
                                   {"oom_killed", e.oom_killed}, {"preempted", e.preempted},
                                   {"message", e.message}};
  }
  return json::serialize(o);
}

StatusOr<PersistedResult> DecodeResult(std::string_view text) {
  PersistedResult out;
  if (text.empty()) return out;
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return InvalidArgumentError("malformed job result JSON");
  const json::object& o = parsed.as_object();
  if (const json::value* v = o.if_contains("exit_code"); v != nullptr && v->is_int64()) {
    out.result.exit_code = static_cast<int>(v->as_int64());
  }
  out.result.signal = static_cast<int>(IntField(o, "signal"));
  if (const json::value* v = o.if_contains("gpus"); v != nullptr && v->is_array()) {
    for (const json::value& g : v->as_array()) {
      if (g.is_int64()) out.result.gpu_indices.push_back(static_cast<int>(g.as_int64()));
    }
  }
  if (const json::value* v = o.if_contains("artifacts"); v != nullptr && v->is_array()) {
    for (const json::value& a : v->as_array()) {
      if (!a.is_object()) return InvalidArgumentError("malformed artifact in job result JSON");
      const json::object& ao = a.as_object();
      out.result.artifacts.push_back(
          JobArtifact{StringField(ao, "name"), StringField(ao, "uri"), IntField(ao, "size")});
    }
  }
  out.result.last_failure = StringField(o, "last_failure");
  out.attempt_started_at = IntField(o, "attempt_started_at");
  out.token_id = StringField(o, "token_id");
  out.stopping = StringField(o, "stopping");
  out.stopping_reason = StringField(o, "stopping_reason");
  out.preemptions = static_cast<int>(IntField(o, "preemptions"));
  out.launching_attempt = static_cast<int>(IntField(o, "launching_attempt"));
  out.cancelled_by = StringField(o, "cancelled_by");
  if (const json::value* v = o.if_contains("finalizing"); v != nullptr && v->is_object()) {
    const json::object& f = v->as_object();
    EndedAttempt& e = out.finalizing;
    e.attempt = static_cast<int>(IntField(f, "attempt"));
    e.exit_code = static_cast<int>(IntField(f, "exit_code"));
    e.signal = static_cast<int>(IntField(f, "signal"));
    e.vanished = BoolField(f, "vanished");
    e.oom_killed = BoolField(f, "oom_killed");
    e.preempted = BoolField(f, "preempted");
    e.message = StringField(f, "message");
  }
  return out;
}

}  // namespace inet::jobs::internal
