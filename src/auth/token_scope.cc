#include "auth/token_scope.h"

#include <boost/json.hpp>
#include <utility>

namespace inet::auth {
namespace {

namespace json = boost::json;

constexpr std::string_view kAttempt = "attempt";

std::string StringOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string EncodeTokenScope(const TokenScope& scope) {
  if (scope.kind == TokenScope::Kind::kUser) return "";
  json::object o;
  o["kind"] = kAttempt;
  o["job_id"] = scope.job_id;
  o["attempt"] = scope.attempt;
  o["run_id"] = scope.run_id;
  o["experiment_id"] = scope.experiment_id;
  json::array prefixes;
  for (const std::string& p : scope.artifact_prefixes) prefixes.emplace_back(p);
  o["artifact_prefixes"] = std::move(prefixes);
  o["models_prefix"] = scope.models_prefix;
  return json::serialize(o);
}

StatusOr<TokenScope> DecodeTokenScope(std::string_view text) {
  if (text.empty()) return TokenScope{};
  auto unreadable = [&] {
    return InternalError("unreadable token scope '" + std::string(text.substr(0, 200)) + "'");
  };
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return unreadable();
  const json::object& o = v.as_object();
  if (StringOf(o, "kind") != kAttempt) return unreadable();
  TokenScope scope;
  scope.kind = TokenScope::Kind::kAttempt;
  scope.job_id = StringOf(o, "job_id");
  if (scope.job_id.empty()) return unreadable();
  if (const json::value* a = o.if_contains("attempt"); a != nullptr && a->is_int64()) {
    scope.attempt = static_cast<int>(a->as_int64());
  }
  scope.run_id = StringOf(o, "run_id");
  scope.experiment_id = StringOf(o, "experiment_id");
  if (const json::value* p = o.if_contains("artifact_prefixes"); p != nullptr && p->is_array()) {
    for (const json::value& item : p->as_array()) {
      if (!item.is_string() || item.as_string().empty()) return unreadable();
      scope.artifact_prefixes.emplace_back(item.as_string());
    }
  }
  scope.models_prefix = StringOf(o, "models_prefix");
  return scope;
}

}  // namespace inet::auth
