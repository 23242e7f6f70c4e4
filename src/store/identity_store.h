// IdentityStore: users, teams and team memberships, one of the narrow interfaces a
// MetadataStore (store/metadata_store.h) opens on one database. Adapters:
// store/sqlite/sqlite_identity_store.cc and store/postgres/postgres_identity_store.cc; the
// contract is pinned by store/testing/identity_store_conformance.h. Names are validated by
// the service that owns the rules (teams/); the store only stores and fetches.
//
// Every method is thread-safe; a write that returned OK is committed. kUnavailable /
// kInternal for database trouble, with context.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inet::store {

struct User {
  std::string name;
  bool platform_admin = false;  // sees and acts in every team
  int64_t created_at = 0;       // ms since epoch; 0 on create means now
};

struct Team {
  std::string name;  // a DNS-1123 label (a Kubernetes namespace name)
  int64_t created_at = 0;
};

enum class TeamRole { kMember, kTeamAdmin };

// "member" / "team-admin".
std::string_view TeamRoleName(TeamRole role);
// kInvalidArgument naming the valid roles.
StatusOr<TeamRole> ParseTeamRole(std::string_view name);

struct Membership {
  std::string team;
  std::string user;
  TeamRole role = TeamRole::kMember;
  int64_t created_at = 0;
};

class IdentityStore {
 public:
  virtual ~IdentityStore() = default;

  // kAlreadyExists for a taken name.
  virtual Status CreateUser(const User& user) = 0;
  // kNotFound.
  virtual StatusOr<User> GetUser(std::string_view name) = 0;
  // By name.
  virtual StatusOr<std::vector<User>> ListUsers() = 0;
  // Sets the platform-admin flag. kNotFound for an unknown user.
  virtual Status SetPlatformAdmin(std::string_view name, bool platform_admin) = 0;

  // kAlreadyExists for a taken name.
  virtual Status CreateTeam(const Team& team) = 0;
  // kNotFound.
  virtual StatusOr<Team> GetTeam(std::string_view name) = 0;
  // By name.
  virtual StatusOr<std::vector<Team>> ListTeams() = 0;

  // Adds the user to the team, or changes their role there. kNotFound when the team or the
  // user does not exist (the message says which).
  virtual Status PutMembership(const Membership& membership) = 0;
  // kNotFound when the user is not a member of the team.
  virtual Status RemoveMembership(std::string_view team, std::string_view user) = 0;
  // The members of `team` by user name (empty for an unknown team).
  virtual StatusOr<std::vector<Membership>> ListTeamMembers(std::string_view team) = 0;
  // The teams `user` belongs to, by team name.
  virtual StatusOr<std::vector<Membership>> ListUserTeams(std::string_view user) = 0;
};

}  // namespace inet::store
