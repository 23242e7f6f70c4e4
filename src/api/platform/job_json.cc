#include "api/platform/job_json.h"

#include <utility>

#include "jobs/job_spec.h"

namespace inet::api {
namespace {

namespace json = boost::json;

// The spec's canonical JSON as a value, so it nests instead of appearing as a string. Falls
// back to the stored text; null only if neither parses (a bug upstream, but never a crash).
json::value SpecValue(const jobs::JobView& job) {
  boost::system::error_code ec;
  json::value spec = json::parse(jobs::JobSpecToJson(job.spec), ec);
  if (!ec) return spec;
  ec.clear();
  spec = json::parse(job.record.spec_json, ec);
  if (!ec) return spec;
  return nullptr;
}

}  // namespace

std::string RunUrl(std::string_view external_url, std::string_view experiment_id,
                   std::string_view run_id) {
  if (run_id.empty()) return {};
  while (!external_url.empty() && external_url.back() == '/') external_url.remove_suffix(1);
  std::string url(external_url);
  url += "/#/experiments/";
  url += experiment_id;
  url += "/runs/";
  url += run_id;
  return url;
}

json::object JobToJson(const jobs::JobView& job, std::string_view external_url) {
  const store::JobRecord& r = job.record;
  json::object o;
  o["job_id"] = r.job_id;
  o["name"] = r.name;
  o["team"] = r.team;
  o["user"] = r.user;
  std::string_view state = store::JobStateName(r.state);
  o["state"] = json::string_view(state.data(), state.size());
  o["reason"] = r.reason;
  std::string_view stop_reason = store::StopReasonName(r.stop_reason);
  o["stop_reason"] = json::string_view(stop_reason.data(), stop_reason.size());
  o["attempt"] = r.attempt;
  o["max_attempts"] = job.max_attempts;
  o["priority_class"] = r.priority_class;
  o["created_at"] = r.created_at;
  o["updated_at"] = r.updated_at;
  o["started_at"] = r.started_at;
  o["finished_at"] = r.finished_at;
  o["runtime_seconds"] = static_cast<double>(job.runtime_millis) / 1000.0;
  o["cancel_requested"] = r.cancel_requested;
  o["spec"] = SpecValue(job);

  json::object resources;
  resources["cpu"] = job.spec.resources.cpu;
  resources["memory"] = job.spec.resources.memory;
  resources["gpu"] = job.spec.resources.gpu;
  o["resources"] = std::move(resources);

  json::array gpus;
  for (int index : job.result.gpu_indices) gpus.push_back(index);
  o["gpus"] = std::move(gpus);
  if (job.result.exit_code) {
    o["exit_code"] = *job.result.exit_code;
  } else {
    o["exit_code"] = nullptr;
  }
  o["last_failure"] = job.result.last_failure;

  json::object mlflow;
  mlflow["experiment_id"] = r.experiment_id;
  mlflow["run_id"] = r.run_id;
  mlflow["run_url"] = RunUrl(external_url, r.experiment_id, r.run_id);
  o["mlflow"] = std::move(mlflow);

  json::array artifacts;
  for (const jobs::JobArtifact& a : job.result.artifacts) {
    json::object artifact;
    artifact["name"] = a.name;
    artifact["uri"] = a.uri;
    artifact["size"] = a.size;
    artifacts.push_back(std::move(artifact));
  }
  o["artifacts"] = std::move(artifacts);
  o["log_url"] = "/api/v1/jobs/" + r.job_id + "/logs";
  return o;
}

json::object JobEventToJson(const store::JobEvent& event) {
  json::object o;
  o["seq"] = event.seq;
  o["timestamp"] = event.timestamp;
  std::string_view state = store::JobStateName(event.state);
  o["state"] = json::string_view(state.data(), state.size());
  o["attempt"] = event.attempt;
  o["reason"] = event.reason;
  return o;
}

json::object CapacityToJson(const jobs::CapacityView& c) {
  json::object o;
  o["cpu_millis_total"] = c.cpu_millis_total;
  o["cpu_millis_used"] = c.cpu_millis_used;
  o["memory_bytes_total"] = c.memory_bytes_total;
  o["memory_bytes_used"] = c.memory_bytes_used;
  o["gpus_total"] = c.gpus_total;
  o["gpus_used"] = c.gpus_used;
  o["gpu_source"] = c.gpu_source;
  o["isolation"] = c.isolation;
  if (!c.job_python_warning.empty()) o["job_python_warning"] = c.job_python_warning;
  json::array pools;
  for (const jobs::PoolCapacityView& pool : c.pools) {
    json::object p;
    p["name"] = pool.name;
    p["cpu_millis_allocatable"] = pool.allocatable.cpu_millis;
    p["memory_bytes_allocatable"] = pool.allocatable.memory_bytes;
    p["gpus_allocatable"] = pool.allocatable.gpus;
    if (pool.used) {
      p["cpu_millis_used"] = pool.used->cpu_millis;
      p["memory_bytes_used"] = pool.used->memory_bytes;
      p["gpus_used"] = pool.used->gpus;
    }
    if (!pool.gpu_model.empty()) p["gpu_model"] = pool.gpu_model;
    p["gpu_source"] = pool.gpu_source;
    p["isolation"] = pool.isolation;
    pools.push_back(std::move(p));
  }
  o["node_pools"] = std::move(pools);
  return o;
}

}  // namespace inet::api
