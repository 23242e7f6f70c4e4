#include "teams/team_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_metadata_store.h"

namespace inet::teams {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TeamServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteMetadataStore("sqlite://", "file:///a");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    service_ = std::make_unique<TeamService>(store_->identity());
    Must(service_->CreateUser(admin_, "alice", false));
    Must(service_->CreateUser(admin_, "bob", false));
    Must(service_->CreateTeam(admin_, "nlp-team"));
  }

  template <typename T>
  T Must(StatusOr<T> v) {
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? std::move(v).value() : T{};
  }

  static std::vector<std::string> TeamNames(const std::vector<store::Team>& teams) {
    std::vector<std::string> out;
    for (const store::Team& t : teams) out.push_back(t.name);
    return out;
  }

  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<TeamService> service_;
  Identity admin_{"admin", "tok-admin", true};
  Identity alice_{"alice", "tok-alice", false};
  Identity bob_{"bob", "tok-bob", false};
};

TEST(TeamNameTest, AreDns1123LabelsWithAMessageThatSaysWhatIsWrong) {
  EXPECT_TRUE(ValidateTeamName("nlp-team").ok());
  EXPECT_TRUE(ValidateTeamName("a").ok());
  EXPECT_TRUE(ValidateTeamName(std::string(63, 'a')).ok());
  EXPECT_THAT(ValidateTeamName("").message(), HasSubstr("empty"));
  EXPECT_THAT(ValidateTeamName(std::string(64, 'a')).message(), HasSubstr("64 characters long"));
  Status upper = ValidateTeamName("NLP-Team");
  EXPECT_EQ(upper.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(upper.message(), HasSubstr("uppercase"));
  EXPECT_THAT(upper.message(), HasSubstr("try \"nlp-team\""));
  EXPECT_THAT(ValidateTeamName("nlp_team").message(), HasSubstr("the character '_'"));
  EXPECT_THAT(ValidateTeamName("NLP_Team").message(), HasSubstr("(try \"nlp-team\")"));
  EXPECT_THAT(ValidateTeamName("-nlp").message(), HasSubstr("starts or ends with '-'"));
  EXPECT_THAT(ValidateTeamName("nlp-").message(), HasSubstr("DNS-1123"));
}

TEST(UserNameTest, AllowsEmailAddresses) {
  EXPECT_TRUE(ValidateUserName("alice@example.com").ok());
  EXPECT_TRUE(ValidateUserName("svc_ci-1.bot").ok());
  EXPECT_EQ(ValidateUserName("").code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(ValidateUserName("a b").message(), HasSubstr("the character ' '"));
  EXPECT_EQ(ValidateUserName(std::string(65, 'a')).code(), StatusCode::kInvalidArgument);
}

TEST_F(TeamServiceTest, OnlyPlatformAdminsCreateUsersAndTeams) {
  Status user = service_->CreateUser(alice_, "carol", false).status();
  EXPECT_EQ(user.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(user.message(), HasSubstr("Only platform admins can create users"));
  EXPECT_EQ(service_->CreateTeam(alice_, "cv-team").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->CreateTeam(admin_, "nlp-team").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(service_->CreateTeam(admin_, "Bad_Name").status().code(), StatusCode::kInvalidArgument);
  store::User carol = Must(service_->CreateUser(admin_, "carol", true));
  EXPECT_TRUE(carol.platform_admin);
  EXPECT_GT(carol.created_at, 0);
}

TEST_F(TeamServiceTest, MembersSeeTheirTeamsAndAdminsSeeAll) {
  Must(service_->AddMember(admin_, "nlp-team", "alice", store::TeamRole::kMember));
  EXPECT_THAT(TeamNames(Must(service_->ListTeams(alice_))), ElementsAre("nlp-team"));
  EXPECT_TRUE(Must(service_->ListTeams(bob_)).empty());
  EXPECT_THAT(TeamNames(Must(service_->ListTeams(admin_))), ElementsAre("default", "nlp-team"));
  TeamDetails details = Must(service_->GetTeam(alice_, "nlp-team"));
  ASSERT_EQ(details.members.size(), 1u);
  EXPECT_EQ(details.members[0].user, "alice");
  Status foreign = service_->GetTeam(bob_, "nlp-team").status();
  EXPECT_EQ(foreign.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(foreign.message(), HasSubstr("not a member of team 'nlp-team'"));
  EXPECT_EQ(service_->GetTeam(admin_, "cv-team").status().code(), StatusCode::kNotFound);
}

TEST_F(TeamServiceTest, TeamAdminsManageTheirOwnTeamsMembersOnly) {
  Must(service_->CreateTeam(admin_, "cv-team"));
  Must(service_->AddMember(admin_, "nlp-team", "alice", store::TeamRole::kTeamAdmin));
  store::Membership bob =
      Must(service_->AddMember(alice_, "nlp-team", "bob", store::TeamRole::kMember));
  EXPECT_EQ(bob.role, store::TeamRole::kMember);
  // A member is not a team admin; a team admin of one team is not one of another.
  EXPECT_EQ(
      service_->AddMember(bob_, "nlp-team", "bob", store::TeamRole::kTeamAdmin).status().code(),
      StatusCode::kPermissionDenied);
  Status other = service_->AddMember(alice_, "cv-team", "alice", store::TeamRole::kMember).status();
  EXPECT_EQ(other.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(other.message(), HasSubstr("Only team admins of team 'cv-team'"));
  Status unknown =
      service_->AddMember(alice_, "nlp-team", "carol", store::TeamRole::kMember).status();
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("inet platform user create carol"));
  EXPECT_EQ(Must(service_->ListUsers(alice_)).size(), 2u) << "team admins see users to add";
  EXPECT_EQ(service_->ListUsers(bob_).status().code(), StatusCode::kPermissionDenied);

  ASSERT_TRUE(service_->RemoveMember(alice_, "nlp-team", "bob").ok());
  EXPECT_EQ(service_->RemoveMember(alice_, "nlp-team", "bob").code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->RemoveMember(bob_, "nlp-team", "alice").code(),
            StatusCode::kPermissionDenied);
}

TEST_F(TeamServiceTest, AttemptTokensManageNothing) {
  Identity attempt{"alice", "tok-attempt", false};
  attempt.scope.kind = TokenScope::Kind::kAttempt;
  attempt.scope.job_id = "train-abc123";
  attempt.scope.attempt = 1;
  EXPECT_EQ(service_->ListTeams(attempt).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(
      service_->AddMember(attempt, "nlp-team", "alice", store::TeamRole::kMember).status().code(),
      StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace inet::teams

namespace inet::teams {
namespace {

// A request's token identity as the authenticator leaves it: the token's team ("" for none).
Identity Token(std::string user, std::string token_team = "", bool admin = false) {
  Identity identity{std::move(user), "tok", admin};
  identity.team = std::move(token_team);
  return identity;
}

class ActingTeamTest : public TeamServiceTest {
 protected:
  void SetUp() override {
    TeamServiceTest::SetUp();
    Must(service_->CreateTeam(admin_, "cv-team"));
    Must(service_->AddMember(admin_, "nlp-team", "alice", store::TeamRole::kMember));
    Must(service_->AddMember(admin_, "nlp-team", "bob", store::TeamRole::kMember));
    Must(service_->AddMember(admin_, "cv-team", "bob", store::TeamRole::kMember));
  }

  std::string Acting(const Identity& caller, std::string_view requested) {
    return Must(service_->ActingTeam(caller, requested));
  }
};

TEST_F(ActingTeamTest, TheHeaderThenTheTokensTeamThenTheOnlyTeamThenDefault) {
  EXPECT_EQ(Acting(Token("alice"), ""), "nlp-team");  // her only team
  EXPECT_EQ(Acting(Token("alice"), "nlp-team"), "nlp-team");
  EXPECT_EQ(Acting(Token("bob", "cv-team"), ""), "cv-team");           // the token's team
  EXPECT_EQ(Acting(Token("bob", "cv-team"), "nlp-team"), "nlp-team");  // the header wins
  // Two teams, neither of them default, and a token made for none: no team; the services that
  // need one say how to name it.
  EXPECT_EQ(Acting(Token("bob"), ""), "");
  Must(service_->AddMember(admin_, "default", "bob", store::TeamRole::kMember));
  EXPECT_EQ(Acting(Token("bob"), ""), "default");
  EXPECT_EQ(Acting(Token("admin", "", true), ""), "default");
  EXPECT_EQ(Acting(Token("admin", "", true), "cv-team"), "cv-team");  // any team, member or not
}

TEST_F(ActingTeamTest, ATeamTheUserIsNotInIsRefusedWithWhoCanAddThem) {
  StatusOr<std::string> other = service_->ActingTeam(Token("alice"), "cv-team");
  EXPECT_EQ(other.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(), HasSubstr("not a member of team \"cv-team\""));
  EXPECT_THAT(other.status().message(), HasSubstr("inet platform team add-member cv-team alice"));
  // A missing team reads the same for members (nothing is disclosed) ...
  EXPECT_EQ(service_->ActingTeam(Token("alice"), "no-such-team").status().code(),
            StatusCode::kPermissionDenied);
  // ... and is named as missing for platform admins.
  StatusOr<std::string> missing = service_->ActingTeam(Token("admin", "", true), "no-such-team");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("inet platform team create no-such-team"));
  EXPECT_EQ(service_->ActingTeam(Token("alice"), "Bad_Name").status().code(),
            StatusCode::kInvalidArgument);
  // A token made for a team its user has since left acts nowhere.
  ASSERT_TRUE(service_->RemoveMember(admin_, "cv-team", "bob").ok());
  StatusOr<std::string> left = service_->ActingTeam(Token("bob", "cv-team"), "");
  EXPECT_EQ(left.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(left.status().message(), HasSubstr("no longer belongs to it"));
}

TEST_F(ActingTeamTest, AnAttemptTokenActsOnlyInItsJobsTeam) {
  Identity attempt = Token("alice", "nlp-team");
  attempt.scope.kind = TokenScope::Kind::kAttempt;
  attempt.scope.job_id = "train-abc123";
  EXPECT_EQ(Acting(attempt, ""), "nlp-team");
  EXPECT_EQ(Acting(attempt, "nlp-team"), "nlp-team");
  StatusOr<std::string> elsewhere = service_->ActingTeam(attempt, "cv-team");
  EXPECT_EQ(elsewhere.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(elsewhere.status().message(), HasSubstr("acts only there"));
}

}  // namespace
}  // namespace inet::teams
