// QuotaStore: each team's quota (Kubernetes ResourceQuota and LimitRange semantics) and the
// quota increase requests with their approval, one of the narrow interfaces a MetadataStore
// (store/metadata_store.h) opens on one database. Adapters: store/sqlite/sqlite_quota_store.cc
// and store/postgres/postgres_quota_store.cc; the contract is pinned by
// store/testing/quota_store_conformance.h. What a quota means (the effective limits with
// approved increases, admission, who may change what) is teams/quota_service.h's; the store
// only stores and fetches.
//
// Every method is thread-safe; a write that returned OK is committed. kUnavailable /
// kInternal for database trouble, with context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/quota_limits.h"
#include "common/status.h"

namespace inet::store {

using ::inet::kQuotaResources;
using ::inet::ParseQuotaResource;
using ::inet::QuotaLimits;
using ::inet::QuotaResource;
using ::inet::QuotaResourceName;

// The request a job gets in a dimension it leaves out (LimitRange "default"); nullopt = none.
struct JobDefaults {
  std::optional<int64_t> cpu_millis;
  std::optional<int64_t> memory_bytes;
  friend bool operator==(const JobDefaults&, const JobDefaults&) = default;
};

// A team's quota as its platform admins set it. A team without a row has no limits.
struct TeamQuota {
  std::string team;
  // ResourceQuota "hard": what the team's running jobs may hold together.
  QuotaLimits hard;
  // LimitRange "max": what one job may request (the jobs dimension is unused).
  QuotaLimits per_job_max;
  // LimitRange "default": the CPU and memory of a job that leaves them out.
  JobDefaults per_job_default;
  int64_t updated_at = 0;  // ms since epoch; 0 on put means now
  std::string updated_by;

  friend bool operator==(const TeamQuota&, const TeamQuota&) = default;
};

enum class QuotaRequestStatus { kPending, kApproved, kDenied };
// "pending", "approved", "denied".
std::string_view QuotaRequestStatusName(QuotaRequestStatus status);
std::optional<QuotaRequestStatus> ParseQuotaRequestStatus(std::string_view name);

// A request to raise one dimension of a team's hard quota for a while.
struct QuotaRequest {
  std::string request_id;  // "qr-" + random, unique
  std::string team;
  std::string user;  // who asked
  QuotaResource resource = QuotaResource::kGpu;
  int64_t current = 0;  // the hard limit the requester saw
  int64_t requested = 0;
  std::string justification;
  int duration_weeks = 0;
  QuotaRequestStatus status = QuotaRequestStatus::kPending;
  std::string decided_by;  // "" while pending
  std::string comment;     // the decider's
  int64_t created_at = 0;  // ms; 0 on create means now
  int64_t decided_at = 0;  // 0 while pending
  int64_t expires_at = 0;  // approved: when the increase ends; else 0

  friend bool operator==(const QuotaRequest&, const QuotaRequest&) = default;
};

// ListQuotaRequests filter; empty fields match everything. Newest first.
struct QuotaRequestQuery {
  std::vector<std::string> teams;  // any of these
  std::optional<QuotaRequestStatus> status;
  // Only approved requests whose increase is still in force at this time (expires_at > it).
  std::optional<int64_t> active_at;
};

class QuotaStore {
 public:
  virtual ~QuotaStore() = default;

  // kNotFound when the team has no quota row (it has no limits).
  virtual StatusOr<TeamQuota> GetTeamQuota(std::string_view team) = 0;
  // Every team's quota row, by team.
  virtual StatusOr<std::vector<TeamQuota>> ListTeamQuotas() = 0;
  // Creates or replaces the team's row. kNotFound when the team does not exist.
  virtual Status PutTeamQuota(const TeamQuota& quota) = 0;

  // kAlreadyExists for a taken id; kNotFound when the team does not exist.
  virtual Status CreateQuotaRequest(const QuotaRequest& request) = 0;
  // kNotFound.
  virtual StatusOr<QuotaRequest> GetQuotaRequest(std::string_view request_id) = 0;
  virtual StatusOr<std::vector<QuotaRequest>> ListQuotaRequests(const QuotaRequestQuery& query) = 0;
  // Records the decision on a pending request (status, decided_by, comment, decided_at,
  // expires_at from `decision`), atomically: kFailedPrecondition when it is no longer pending
  // (someone decided first), kNotFound when it does not exist.
  virtual Status DecideQuotaRequest(const QuotaRequest& decision) = 0;
};

}  // namespace inet::store
