// TeamService: users, teams and memberships, and who may change them. A team is the unit of
// tenancy (an MLflow workspace, the SDK's namespace, a Kubernetes namespace), so its name is a
// DNS-1123 label. Platform admins create users and teams; a team's team-admins (and platform
// admins) manage its members; everyone sees the teams they belong to. Scoped (attempt) tokens
// may do none of it.
//
// Stateless over store::IdentityStore: any server replica serves it. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/identity.h"
#include "common/status.h"
#include "store/identity_store.h"

namespace inet::teams {

using ::inet::kDefaultTeam;

// Team names are DNS-1123 labels: 1-63 lowercase letters, digits and '-', starting and ending
// with a letter or digit. kInvalidArgument saying what is wrong and how to fix it.
Status ValidateTeamName(std::string_view name);
// User names: 1-64 letters, digits, '.', '_', '-' or '@' (so an e-mail address works).
Status ValidateUserName(std::string_view name);

struct TeamDetails {
  store::Team team;
  std::vector<store::Membership> members;
};

class TeamService {
 public:
  // Borrows `identity`, which must outlive the service.
  explicit TeamService(store::IdentityStore& identity) : identity_(identity) {}

  // Platform admins only. kAlreadyExists for a taken name.
  StatusOr<store::User> CreateUser(const Identity& caller, const std::string& name,
                                   bool platform_admin);
  // Platform admins and team admins (who add users to their teams by name).
  StatusOr<std::vector<store::User>> ListUsers(const Identity& caller);

  // Platform admins only. kAlreadyExists for a taken name.
  StatusOr<store::Team> CreateTeam(const Identity& caller, const std::string& name);
  // Every team for platform admins; the caller's own teams for everyone else.
  StatusOr<std::vector<store::Team>> ListTeams(const Identity& caller);
  // The team and its members, for its members and platform admins; kPermissionDenied for a
  // team the caller is not in, kNotFound for one that does not exist.
  StatusOr<TeamDetails> GetTeam(const Identity& caller, std::string_view name);

  // Adds `user` to `team` with `role`, or changes their role: the team's team-admins and
  // platform admins. kNotFound for an unknown team or user.
  StatusOr<store::Membership> AddMember(const Identity& caller, std::string_view team,
                                        std::string_view user, store::TeamRole role);
  // Removes `user` from `team`: the team's team-admins and platform admins.
  Status RemoveMember(const Identity& caller, std::string_view team, std::string_view user);

  // The team a request of `caller` (authenticated, with its token's team in caller.team) acts
  // in, given the team it names (`requested`, the X-MLFLOW-WORKSPACE header; "" for none):
  //   - an attempt token acts only in its job's team (kPermissionDenied for another);
  //   - a named team must be one the user belongs to (any existing team for platform admins):
  //     kPermissionDenied otherwise, kInvalidArgument for a malformed name, kNotFound for a
  //     platform admin naming a team that does not exist;
  //   - without a name: the token's team (while the user still belongs to it), else the user's
  //     only team, else "default" when the user is in it (and always for platform admins), else
  //     "" (several teams, none the default, or none at all: the services that need a team say
  //     how to name one).
  StatusOr<std::string> ActingTeam(const Identity& caller, std::string_view requested);

  // The memberships of `user` (no permission check: for the layers that resolve a caller's
  // teams).
  StatusOr<std::vector<store::Membership>> MembershipsOf(std::string_view user);

 private:
  // OK for platform admins and the team's team-admins; kPermissionDenied saying who may
  // `action` otherwise (kNotFound first when the team does not exist).
  Status CheckTeamAdmin(const Identity& caller, std::string_view team, std::string_view action);

  store::IdentityStore& identity_;
};

}  // namespace inet::teams
