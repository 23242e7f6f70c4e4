#include "store/testing/identity_store_conformance.h"

#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "store/testing/conformance_helpers.h"

namespace inet::store::testing {
namespace {

std::vector<std::string> Names(const std::vector<Membership>& ms, bool by_user) {
  std::vector<std::string> out;
  for (const Membership& m : ms) out.push_back(by_user ? m.user : m.team);
  return out;
}

}  // namespace

// A fresh store has team "default" (everything made before teams belongs to it) and no users.
TEST_P(IdentityStoreConformanceTest, AFreshStoreHasTheDefaultTeam) {
  std::vector<Team> teams = ValueOrDie(store().ListTeams());
  ASSERT_EQ(teams.size(), 1u);
  EXPECT_EQ(teams[0].name, "default");
  EXPECT_GT(teams[0].created_at, 0);
  EXPECT_TRUE(ValueOrDie(store().ListUsers()).empty());
}

TEST_P(IdentityStoreConformanceTest, Users) {
  ASSERT_OK(store().CreateUser(User{"bob", false, 0}));
  ASSERT_OK(store().CreateUser(User{"alice", true, 42}));
  EXPECT_EQ(store().CreateUser(User{"alice", false, 0}).code(), StatusCode::kAlreadyExists);
  User alice = ValueOrDie(store().GetUser("alice"));
  EXPECT_TRUE(alice.platform_admin);
  EXPECT_EQ(alice.created_at, 42);
  EXPECT_GT(ValueOrDie(store().GetUser("bob")).created_at, 0) << "0 on create means now";
  EXPECT_EQ(store().GetUser("carol").status().code(), StatusCode::kNotFound);
  std::vector<User> users = ValueOrDie(store().ListUsers());
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "alice");
  EXPECT_EQ(users[1].name, "bob");
  ASSERT_OK(store().SetPlatformAdmin("alice", false));
  EXPECT_FALSE(ValueOrDie(store().GetUser("alice")).platform_admin);
  EXPECT_EQ(store().SetPlatformAdmin("carol", true).code(), StatusCode::kNotFound);
}

TEST_P(IdentityStoreConformanceTest, TeamsAndMemberships) {
  ASSERT_OK(store().CreateTeam(Team{"nlp-team", 0}));
  EXPECT_EQ(store().CreateTeam(Team{"nlp-team", 0}).code(), StatusCode::kAlreadyExists);
  EXPECT_GT(ValueOrDie(store().GetTeam("nlp-team")).created_at, 0);
  EXPECT_EQ(store().GetTeam("cv-team").status().code(), StatusCode::kNotFound);
  ASSERT_OK(store().CreateUser(User{"alice", false, 0}));
  ASSERT_OK(store().CreateUser(User{"bob", false, 0}));

  ASSERT_OK(store().PutMembership(Membership{"nlp-team", "bob", TeamRole::kMember, 0}));
  ASSERT_OK(store().PutMembership(Membership{"nlp-team", "alice", TeamRole::kMember, 0}));
  ASSERT_OK(store().PutMembership(Membership{"default", "alice", TeamRole::kMember, 0}));
  // Putting again changes the role.
  ASSERT_OK(store().PutMembership(Membership{"nlp-team", "alice", TeamRole::kTeamAdmin, 0}));
  std::vector<Membership> members = ValueOrDie(store().ListTeamMembers("nlp-team"));
  EXPECT_THAT(Names(members, true), ::testing::ElementsAre("alice", "bob"));
  EXPECT_EQ(members[0].role, TeamRole::kTeamAdmin);
  EXPECT_EQ(members[1].role, TeamRole::kMember);
  EXPECT_THAT(Names(ValueOrDie(store().ListUserTeams("alice")), false),
              ::testing::ElementsAre("default", "nlp-team"));
  EXPECT_TRUE(ValueOrDie(store().ListTeamMembers("cv-team")).empty());

  Status no_team = store().PutMembership(Membership{"cv-team", "alice", TeamRole::kMember, 0});
  EXPECT_EQ(no_team.code(), StatusCode::kNotFound);
  EXPECT_THAT(no_team.message(), ::testing::HasSubstr("Team 'cv-team'"));
  Status no_user = store().PutMembership(Membership{"nlp-team", "carol", TeamRole::kMember, 0});
  EXPECT_EQ(no_user.code(), StatusCode::kNotFound);
  EXPECT_THAT(no_user.message(), ::testing::HasSubstr("User 'carol'"));

  ASSERT_OK(store().RemoveMembership("nlp-team", "bob"));
  EXPECT_EQ(store().RemoveMembership("nlp-team", "bob").code(), StatusCode::kNotFound);
  EXPECT_THAT(Names(ValueOrDie(store().ListTeamMembers("nlp-team")), true),
              ::testing::ElementsAre("alice"));
}

}  // namespace inet::store::testing
