#include "store/testing/quota_store_conformance.h"

#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "store/testing/conformance_helpers.h"

namespace inet::store::testing {
namespace {

std::vector<std::string> Ids(const std::vector<QuotaRequest>& requests) {
  std::vector<std::string> out;
  for (const QuotaRequest& r : requests) out.push_back(r.request_id);
  return out;
}

QuotaRequest Request(std::string id, std::string team, int64_t created_at) {
  QuotaRequest r;
  r.request_id = std::move(id);
  r.team = std::move(team);
  r.user = "bob";
  r.resource = QuotaResource::kGpu;
  r.current = 4;
  r.requested = 8;
  r.justification = "Scaling bert-finetuning to larger batches";
  r.duration_weeks = 4;
  r.created_at = created_at;
  return r;
}

QuotaRequestQuery OfTeams(std::vector<std::string> teams) {
  QuotaRequestQuery q;
  q.teams = std::move(teams);
  return q;
}

QuotaRequestQuery WithStatus(QuotaRequestStatus status) {
  QuotaRequestQuery q;
  q.status = status;
  return q;
}

QuotaRequestQuery ActiveAt(int64_t at) {
  QuotaRequestQuery q;
  q.active_at = at;
  return q;
}

}  // namespace

TEST_P(QuotaStoreConformanceTest, ATeamWithoutARowHasNoQuota) {
  EXPECT_EQ(store().GetTeamQuota("default").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ValueOrDie(store().ListTeamQuotas()).empty());
}

// Every limit round-trips, unset ones as unset (no limit), and a put replaces the whole row.
TEST_P(QuotaStoreConformanceTest, PutReplacesTheTeamsQuota) {
  ASSERT_OK(metadata().identity().CreateTeam(Team{"nlp-team", 0}));
  TeamQuota q;
  q.team = "nlp-team";
  q.hard = QuotaLimits{4, 32000, int64_t{128} << 30, 3};
  q.per_job_max.gpus = 2;
  q.per_job_max.memory_bytes = int64_t{64} << 30;
  q.per_job_default.cpu_millis = 2000;
  q.per_job_default.memory_bytes = int64_t{8} << 30;
  q.updated_at = 1000;
  q.updated_by = "admin";
  ASSERT_OK(store().PutTeamQuota(q));
  EXPECT_EQ(ValueOrDie(store().GetTeamQuota("nlp-team")), q);

  TeamQuota looser;
  looser.team = "nlp-team";
  looser.hard.gpus = 8;
  looser.updated_by = "alice";
  ASSERT_OK(store().PutTeamQuota(looser));
  TeamQuota got = ValueOrDie(store().GetTeamQuota("nlp-team"));
  EXPECT_EQ(got.hard, (QuotaLimits{8, std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(got.per_job_max, QuotaLimits{});
  EXPECT_EQ(got.per_job_default, JobDefaults{});
  EXPECT_GT(got.updated_at, 0) << "0 on put means now";
  EXPECT_EQ(got.updated_by, "alice");
  ASSERT_EQ(ValueOrDie(store().ListTeamQuotas()).size(), 1u);

  TeamQuota unknown;
  unknown.team = "cv-team";
  EXPECT_EQ(store().PutTeamQuota(unknown).code(), StatusCode::kNotFound);
}

TEST_P(QuotaStoreConformanceTest, RequestsAreListedNewestFirstAndFiltered) {
  ASSERT_OK(metadata().identity().CreateTeam(Team{"nlp-team", 0}));
  ASSERT_OK(metadata().identity().CreateTeam(Team{"cv-team", 0}));
  ASSERT_OK(store().CreateQuotaRequest(Request("qr-1", "nlp-team", 100)));
  ASSERT_OK(store().CreateQuotaRequest(Request("qr-2", "cv-team", 200)));
  ASSERT_OK(store().CreateQuotaRequest(Request("qr-3", "nlp-team", 300)));
  EXPECT_EQ(store().CreateQuotaRequest(Request("qr-1", "nlp-team", 400)).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store().CreateQuotaRequest(Request("qr-9", "no-team", 400)).code(),
            StatusCode::kNotFound);

  EXPECT_EQ(ValueOrDie(store().GetQuotaRequest("qr-1")), Request("qr-1", "nlp-team", 100));
  EXPECT_EQ(store().GetQuotaRequest("qr-7").status().code(), StatusCode::kNotFound);
  EXPECT_THAT(Ids(ValueOrDie(store().ListQuotaRequests({}))),
              ::testing::ElementsAre("qr-3", "qr-2", "qr-1"));
  EXPECT_THAT(Ids(ValueOrDie(store().ListQuotaRequests(OfTeams({"nlp-team"})))),
              ::testing::ElementsAre("qr-3", "qr-1"));
  EXPECT_THAT(Ids(ValueOrDie(store().ListQuotaRequests(OfTeams({"nlp-team", "cv-team"})))),
              ::testing::ElementsAre("qr-3", "qr-2", "qr-1"));

  QuotaRequest approve = Request("qr-1", "nlp-team", 100);
  approve.status = QuotaRequestStatus::kApproved;
  approve.decided_by = "admin";
  approve.comment = "ok for the launch";
  approve.decided_at = 1000;
  approve.expires_at = 5000;
  ASSERT_OK(store().DecideQuotaRequest(approve));
  EXPECT_EQ(ValueOrDie(store().GetQuotaRequest("qr-1")), approve);
  QuotaRequest deny = Request("qr-2", "cv-team", 200);
  deny.status = QuotaRequestStatus::kDenied;
  deny.decided_by = "admin";
  deny.comment = "no";
  ASSERT_OK(store().DecideQuotaRequest(deny));

  EXPECT_THAT(Ids(ValueOrDie(store().ListQuotaRequests(WithStatus(QuotaRequestStatus::kPending)))),
              ::testing::ElementsAre("qr-3"));
  EXPECT_THAT(Ids(ValueOrDie(store().ListQuotaRequests(ActiveAt(4999)))),
              ::testing::ElementsAre("qr-1"));
  EXPECT_TRUE(ValueOrDie(store().ListQuotaRequests(ActiveAt(5000))).empty())
      << "an increase ends at expires_at";
}

// Deciding is compare-and-set on "pending": of two admins deciding at once, one wins.
TEST_P(QuotaStoreConformanceTest, ARequestIsDecidedOnce) {
  ASSERT_OK(metadata().identity().CreateTeam(Team{"nlp-team", 0}));
  ASSERT_OK(store().CreateQuotaRequest(Request("qr-1", "nlp-team", 100)));
  QuotaRequest approve = Request("qr-1", "nlp-team", 100);
  approve.status = QuotaRequestStatus::kApproved;
  approve.decided_by = "admin";
  approve.expires_at = 9000;
  ASSERT_OK(store().DecideQuotaRequest(approve));
  QuotaRequest deny = approve;
  deny.status = QuotaRequestStatus::kDenied;
  Status again = store().DecideQuotaRequest(deny);
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.message(), ::testing::HasSubstr("already approved"));
  EXPECT_EQ(ValueOrDie(store().GetQuotaRequest("qr-1")).status, QuotaRequestStatus::kApproved);
  deny.request_id = "qr-404";
  EXPECT_EQ(store().DecideQuotaRequest(deny).code(), StatusCode::kNotFound);
}

}  // namespace inet::store::testing
