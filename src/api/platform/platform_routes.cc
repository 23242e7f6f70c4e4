#include "api/platform/platform_routes.h"

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/platform/handler_common.h"
#include "api/platform/job_json.h"
#include "jobs/job_spec.h"
#include "store/job_types.h"

namespace inet::api {
namespace {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;
using platform::BoolQuery;
using platform::IntegerQuery;
using platform::JsonResponse;

constexpr std::string_view kLogContentType = "text/plain; charset=utf-8";
constexpr std::string_view kValidStates =
    "Pending, Queued, Running, Succeeded, Failed, Cancelled, TimedOut";

// `state` may repeat and each value may be a comma-separated list; names are case-insensitive.
StatusOr<std::vector<store::JobState>> StateFilter(const Request& request) {
  std::vector<store::JobState> states;
  for (const std::string& value : request.QueryAll("state")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item.empty()) continue;
      std::optional<store::JobState> state = store::ParseJobState(item);
      if (!state) {
        return InvalidArgumentError("Invalid job state '" + std::string(item) +
                                    "'; valid states are " + std::string(kValidStates));
      }
      states.push_back(*state);
    }
  }
  return states;
}

const std::string& JobId(const Request& request) { return request.path_params.at("job_id"); }

// Counts the bytes the service reads, for the snapshot's reported size.
class CountingByteSource : public ByteSource {
 public:
  explicit CountingByteSource(ByteSource& inner) : inner_(inner) {}
  StatusOr<size_t> Read(char* buf, size_t n) override {
    StatusOr<size_t> got = inner_.Read(buf, n);
    if (got.ok()) count_ += static_cast<int64_t>(*got);
    return got;
  }
  int64_t count() const { return count_; }

 private:
  ByteSource& inner_;
  int64_t count_ = 0;
};

class PlatformHandlers {
 public:
  PlatformHandlers(jobs::JobService& jobs, PlatformRouteOptions options)
      : jobs_(jobs), options_(std::move(options)) {}

  // POST /api/v1/jobs: a JobSpec -> 201 {"job": Job}.
  Response Submit(Request& req) {
    StatusOr<jobs::JobSpec> spec = jobs::JobSpecFromJson(req.body);
    if (!spec.ok()) return http::ErrorResponse(spec.status());
    StatusOr<jobs::JobView> job = jobs_.Submit(req.identity, std::move(spec).value());
    if (!job.ok()) return http::ErrorResponse(job.status());
    return JobResponse(*job, 201);
  }

  // GET /api/v1/jobs?team=&user=&name=&state=&max_results=&page_token=
  Response List(Request& req) {
    jobs::ListJobsRequest list;
    list.team = req.Query("team").value_or("");
    list.user = req.Query("user").value_or("");
    list.name = req.Query("name").value_or("");
    list.page_token = req.Query("page_token").value_or("");
    StatusOr<std::vector<store::JobState>> states = StateFilter(req);
    if (!states.ok()) return http::ErrorResponse(states.status());
    list.states = std::move(states).value();
    StatusOr<int64_t> max_results = platform::MaxResultsQuery(req, 100);
    if (!max_results.ok()) return http::ErrorResponse(max_results.status());
    list.max_results = *max_results;
    StatusOr<store::Page<jobs::JobView>> page = jobs_.List(req.identity, list);
    if (!page.ok()) return http::ErrorResponse(page.status());
    json::array items;
    for (const jobs::JobView& job : page->items) {
      items.push_back(JobToJson(job, options_.external_url));
    }
    json::object body;
    body["jobs"] = std::move(items);
    if (!page->next_page_token.empty()) body["next_page_token"] = page->next_page_token;
    return JsonResponse(body);
  }

  // GET /api/v1/jobs/{job_id}
  Response Get(Request& req) {
    StatusOr<jobs::JobView> job = jobs_.Get(req.identity, JobId(req));
    if (!job.ok()) return http::ErrorResponse(job.status());
    return JobResponse(*job, 200);
  }

  // POST /api/v1/jobs/{job_id}/cancel with an empty body or a JSON object (ignored).
  Response Cancel(Request& req) {
    if (!req.body.empty()) {
      boost::system::error_code ec;
      json::value v = json::parse(req.body, ec);
      if (ec || !v.is_object()) {
        return http::ErrorResponse(
            InvalidArgumentError("Request body must be empty or a JSON object"));
      }
    }
    StatusOr<jobs::JobView> job = jobs_.Cancel(req.identity, JobId(req));
    if (!job.ok()) return http::ErrorResponse(job.status());
    return JobResponse(*job, 200);
  }

  // GET /api/v1/jobs/{job_id}/events
  Response Events(Request& req) {
    StatusOr<std::vector<store::JobEvent>> events = jobs_.Events(req.identity, JobId(req));
    if (!events.ok()) return http::ErrorResponse(events.status());
    json::array items;
    for (const store::JobEvent& e : *events) items.push_back(JobEventToJson(e));
    json::object body;
    body["events"] = std::move(items);
    return JsonResponse(body);
  }

  // GET /api/v1/jobs/{job_id}/logs?offset=0&follow=false: text/plain, the log from `offset`.
  // X-Inet-Job-State carries the state when the response starts; with follow the service's
  // stream waits for new output while the job runs. A job without output answers an empty 200.
  Response Logs(Request& req) {
    StatusOr<int64_t> offset = IntegerQuery(req, "offset", 0);
    if (!offset.ok()) return http::ErrorResponse(offset.status());
    StatusOr<bool> follow = BoolQuery(req, "follow");
    if (!follow.ok()) return http::ErrorResponse(follow.status());
    const std::string& job_id = JobId(req);
    StatusOr<jobs::JobView> job = jobs_.Get(req.identity, job_id);
    if (!job.ok()) return http::ErrorResponse(job.status());

    Response response;
    response.content_type = std::string(kLogContentType);
    std::string_view state = store::JobStateName(job->record.state);
    response.headers.emplace_back("X-Inet-Job-State", std::string(state));
    response.headers.emplace_back("Cache-Control", "no-cache");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    StatusOr<std::unique_ptr<ByteSource>> log =
        jobs_.OpenLogs(req.identity, job_id, *offset, *follow, options_.follow_idle_seconds);
    if (log.ok()) {
      response.stream = std::move(log).value();
      return response;
    }
    // No log yet: an empty body, so `logs -f` right after submit reconnects instead of failing.
    if (log.status().code() != StatusCode::kNotFound) return http::ErrorResponse(log.status());
    return response;
  }

  // POST /api/v1/snapshots: a .tar.gz, streamed -> 201 {"snapshot_id", "size"}.
  Response PutSnapshot(Request& req) {
    StringByteSource buffered(std::move(req.body));
    CountingByteSource body(req.body_stream != nullptr ? *req.body_stream : buffered);
    StatusOr<std::string> id = jobs_.PutSnapshot(req.identity, body);
    if (!id.ok()) {
      if (id.status().code() == StatusCode::kResourceExhausted) {
        // The contract answers an oversized upload 413 (a size limit, not a rate limit) and
        // keeps the RESOURCE_EXHAUSTED code so clients can tell it apart.
        Response r = http::ErrorResponse(id.status(), "RESOURCE_EXHAUSTED");
        r.status = 413;
        return r;
      }
      return http::ErrorResponse(id.status());
    }
    json::object out;
    out["snapshot_id"] = *id;
    out["size"] = body.count();
    return JsonResponse(out, 201);
  }

  // GET /api/v1/capacity
  Response Capacity(Request&) { return JsonResponse(CapacityToJson(jobs_.Capacity())); }

  Response Version(Request&) {
    json::object body;
    body["version"] = options_.version;
    body["mlflow_version"] = options_.mlflow_version;
    return JsonResponse(body);
  }

 private:
  Response JobResponse(const jobs::JobView& job, int status) {
    json::object body;
    body["job"] = JobToJson(job, options_.external_url);
    return JsonResponse(body, status);
  }

  jobs::JobService& jobs_;
  const PlatformRouteOptions options_;
};

}  // namespace

void RegisterPlatformRoutes(http::Router& router, jobs::JobService& jobs,
                            artifacts::ArtifactStore& artifacts, const Authorizer& authorizer,
                            PlatformRouteOptions options) {
  std::string store_kind = options.artifact_store_kind;
  // shared_ptr: owned jointly by every handler the router keeps.
  auto h = std::make_shared<PlatformHandlers>(jobs, std::move(options));
  auto bind = [h](Response (PlatformHandlers::*method)(Request&)) {
    return [h, method](Request& req) { return ((*h).*method)(req); };
  };
  // Reading one job is open to that job's own attempt token; every other route refuses scoped
  // tokens (the server's default without RouteOptions::scoped_tokens).
  auto job_read = [&authorizer, &bind](Response (PlatformHandlers::*method)(Request&)) {
    return [&authorizer, handler = bind(method)](Request& req) {
      Status allowed = authorizer.Job(req.identity, JobId(req));
      return allowed.ok() ? handler(req) : http::ErrorResponse(allowed);
    };
  };
  const http::RouteOptions scoped{.scoped_tokens = true};
  http::RouteOptions streaming;
  streaming.stream_body = true;

  router.Add(Method::kPost, "/api/v1/jobs", bind(&PlatformHandlers::Submit));
  router.Add(Method::kGet, "/api/v1/jobs", bind(&PlatformHandlers::List));
  router.Add(Method::kGet, "/api/v1/jobs/{job_id}", job_read(&PlatformHandlers::Get), scoped);
  router.Add(Method::kPost, "/api/v1/jobs/{job_id}/cancel", bind(&PlatformHandlers::Cancel));
  router.Add(Method::kGet, "/api/v1/jobs/{job_id}/events", job_read(&PlatformHandlers::Events),
             scoped);
  router.Add(Method::kGet, "/api/v1/jobs/{job_id}/logs", job_read(&PlatformHandlers::Logs), scoped);
  router.Add(Method::kPost, "/api/v1/snapshots", bind(&PlatformHandlers::PutSnapshot), streaming);
  router.Add(Method::kGet, "/api/v1/capacity", bind(&PlatformHandlers::Capacity));
  http::RouteOptions public_route;
  public_route.public_route = true;
  router.Add(Method::kGet, "/api/v1/version", bind(&PlatformHandlers::Version), public_route);
  RegisterPlatformArtifactRoutes(router, artifacts, std::move(store_kind));
}

}  // namespace inet::api
