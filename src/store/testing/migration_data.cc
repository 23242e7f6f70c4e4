#include "store/testing/migration_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace inet::store::testing {

void FillBeforeTeams(MetadataStore& store) {
  Token admin{"tok-admin", "h-admin", "admin", true, 10, std::nullopt, "", "", std::nullopt};
  Token alice{"tok-alice", "h-alice", "alice", false, 20, std::nullopt, "", "", std::nullopt};
  Token attempt{"tok-attempt", "h-attempt",     "bob", false,       30,
                std::nullopt,  R"({"kind":1})", "",    std::nullopt};
  ASSERT_TRUE(store.tokens().CreateToken(admin).ok());
  ASSERT_TRUE(store.tokens().CreateToken(alice).ok());
  ASSERT_TRUE(store.tokens().CreateToken(attempt).ok());
  JobRecord job;
  job.job_id = "train-000001";
  job.name = "train";
  job.team = "default";
  job.user = "carol";
  job.priority_class = "batch";
  job.spec_json = "{}";
  job.created_at = 40;
  JobEvent event;
  event.reason = "submitted";
  event.timestamp = 40;
  ASSERT_TRUE(store.jobs().CreateJob(job, event).ok());
}

void ExpectMigratedToTeams(MetadataStore& store) {
  StatusOr<std::vector<User>> users = store.identity().ListUsers();
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  std::vector<std::string> names;
  for (const User& u : *users) names.push_back(u.name + (u.platform_admin ? "*" : ""));
  EXPECT_THAT(names, ::testing::ElementsAre("admin*", "alice", "carol"));
  StatusOr<std::vector<Membership>> members = store.identity().ListTeamMembers("default");
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  std::vector<std::string> member_names;
  for (const Membership& m : *members) member_names.push_back(m.user);
  EXPECT_THAT(member_names, ::testing::ElementsAre("admin", "alice", "carol"));
  EXPECT_EQ(store.identity().GetUser("alice")->created_at, 20);
}

}  // namespace inet::store::testing
