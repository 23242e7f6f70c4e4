#include "teams/team_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/text.h"

namespace inet::teams {
namespace {

bool IsLowerAlnum(char c) { return IsAsciiLower(c) || IsAsciiDigit(c); }

// The name made valid: lowercase, other characters as '-', no '-' at the ends, 63 at most.
std::string SuggestedTeamName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const char lower = AsciiToLower(c);
    out += IsLowerAlnum(lower) ? lower : '-';
  }
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

Status RefuseScoped(const Identity& caller, std::string_view action) {
  if (caller.scoped()) return OutOfScopeError(caller, action);
  return OkStatus();
}

Status RequirePlatformAdmin(const Identity& caller, std::string_view action) {
  RETURN_IF_ERROR(RefuseScoped(caller, action));
  if (caller.is_admin) return OkStatus();
  return PermissionDeniedError("Only platform admins can " + std::string(action) + "; user '" +
                               caller.user + "' is not one (ask a platform admin)");
}

}  // namespace

Status ValidateTeamName(std::string_view name) {
  const std::string rule =
      ": a team name is a DNS-1123 label (a Kubernetes namespace name): 1 to 63 lowercase "
      "letters, digits and '-', starting and ending with a letter or digit";
  if (name.empty()) return InvalidArgumentError("The team name is empty" + rule);
  std::string problem;
  if (name.size() > 63) {
    problem = "is " + std::to_string(name.size()) + " characters long";
  } else if (std::any_of(name.begin(), name.end(), IsAsciiUpper)) {
    problem = "has uppercase letters";
  } else if (auto bad = std::find_if(name.begin(), name.end(),
                                     [](char c) { return !IsLowerAlnum(c) && c != '-'; });
             bad != name.end()) {
    problem = "has the character '" + std::string(1, *bad) + "'";
  } else if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) {
    problem = "starts or ends with '-'";
  } else {
    return OkStatus();
  }
  const std::string suggestion = SuggestedTeamName(name);
  return InvalidArgumentError("The team name " + Quoted(name) + " " + problem + rule +
                              (suggestion.empty() ? "" : " (try " + Quoted(suggestion) + ")"));
}

Status ValidateUserName(std::string_view name) {
  const std::string rule =
      ": a user name is 1 to 64 letters, digits, '.', '_', '-' or '@' (an e-mail address works)";
  if (name.empty()) return InvalidArgumentError("The user name is empty" + rule);
  if (name.size() > 64) {
    return InvalidArgumentError("The user name " + Quoted(name) + " is too long" + rule);
  }
  for (char c : name) {
    if (!IsAsciiLower(c) && !IsAsciiUpper(c) && !IsAsciiDigit(c) && c != '.' && c != '_' &&
        c != '-' && c != '@') {
      return InvalidArgumentError("The user name " + Quoted(name) + " has the character '" +
                                  std::string(1, c) + "'" + rule);
    }
  }
  return OkStatus();
}

StatusOr<store::User> TeamService::CreateUser(const Identity& caller, const std::string& name,
                                              bool platform_admin) {
  RETURN_IF_ERROR(RequirePlatformAdmin(caller, "create users"));
  RETURN_IF_ERROR(ValidateUserName(name));
  RETURN_IF_ERROR(identity_.CreateUser(store::User{name, platform_admin, 0}));
  return identity_.GetUser(name);
}

StatusOr<std::vector<store::User>> TeamService::ListUsers(const Identity& caller) {
  RETURN_IF_ERROR(RefuseScoped(caller, "listing users"));
  if (!caller.is_admin) {
    ASSIGN_OR_RETURN(std::vector<store::Membership> mine, identity_.ListUserTeams(caller.user));
    const bool team_admin = std::any_of(mine.begin(), mine.end(), [](const store::Membership& m) {
      return m.role == store::TeamRole::kTeamAdmin;
    });
    if (!team_admin) {
      return PermissionDeniedError("Only platform admins and team admins can list users; user '" +
                                   caller.user + "' is neither");
    }
  }
  return identity_.ListUsers();
}

StatusOr<store::Team> TeamService::CreateTeam(const Identity& caller, const std::string& name) {
  RETURN_IF_ERROR(RequirePlatformAdmin(caller, "create teams"));
  RETURN_IF_ERROR(ValidateTeamName(name));
  RETURN_IF_ERROR(identity_.CreateTeam(store::Team{name, 0}));
  return identity_.GetTeam(name);
}

StatusOr<std::vector<store::Team>> TeamService::ListTeams(const Identity& caller) {
  RETURN_IF_ERROR(RefuseScoped(caller, "listing teams"));
  if (caller.is_admin) return identity_.ListTeams();
  ASSIGN_OR_RETURN(std::vector<store::Membership> mine, identity_.ListUserTeams(caller.user));
  std::vector<store::Team> teams;
  for (const store::Membership& m : mine) {
    StatusOr<store::Team> team = identity_.GetTeam(m.team);
    if (team.ok()) teams.push_back(*std::move(team));
  }
  return teams;
}

StatusOr<TeamDetails> TeamService::GetTeam(const Identity& caller, std::string_view name) {
  RETURN_IF_ERROR(RefuseScoped(caller, "reading teams"));
  ASSIGN_OR_RETURN(store::Team team, identity_.GetTeam(name));
  ASSIGN_OR_RETURN(std::vector<store::Membership> members, identity_.ListTeamMembers(name));
  const bool member = std::any_of(members.begin(), members.end(), [&](const store::Membership& m) {
    return m.user == caller.user;
  });
  if (!member && !caller.is_admin) {
    return PermissionDeniedError("User '" + caller.user + "' is not a member of team '" +
                                 std::string(name) + "' (a team admin of it can add you)");
  }
  return TeamDetails{std::move(team), std::move(members)};
}

Status TeamService::CheckTeamAdmin(const Identity& caller, std::string_view team,
                                   std::string_view action) {
  RETURN_IF_ERROR(RefuseScoped(caller, action));
  RETURN_IF_ERROR(identity_.GetTeam(team).status());
  if (caller.is_admin) return OkStatus();
  ASSIGN_OR_RETURN(std::vector<store::Membership> members, identity_.ListTeamMembers(team));
  for (const store::Membership& m : members) {
    if (m.user == caller.user && m.role == store::TeamRole::kTeamAdmin) return OkStatus();
  }
  return PermissionDeniedError("Only team admins of team '" + std::string(team) +
                               "' and platform admins can " + std::string(action) + "; user '" +
                               caller.user + "' is neither");
}

StatusOr<store::Membership> TeamService::AddMember(const Identity& caller, std::string_view team,
                                                   std::string_view user, store::TeamRole role) {
  RETURN_IF_ERROR(CheckTeamAdmin(caller, team, "add members"));
  if (Status exists = identity_.GetUser(user).status(); !exists.ok()) {
    if (exists.code() != StatusCode::kNotFound) return exists;
    return NotFoundError("User '" + std::string(user) +
                         "' not found: a platform admin creates it with `inet platform user "
                         "create " +
                         std::string(user) + "`");
  }
  RETURN_IF_ERROR(
      identity_.PutMembership(store::Membership{std::string(team), std::string(user), role, 0}));
  ASSIGN_OR_RETURN(std::vector<store::Membership> members, identity_.ListTeamMembers(team));
  for (store::Membership& m : members) {
    if (m.user == user) return std::move(m);
  }
  return InternalError("the membership of '" + std::string(user) + "' was not stored");
}

Status TeamService::RemoveMember(const Identity& caller, std::string_view team,
                                 std::string_view user) {
  RETURN_IF_ERROR(CheckTeamAdmin(caller, team, "remove members"));
  return identity_.RemoveMembership(team, user);
}

StatusOr<std::string> TeamService::ActingTeam(const Identity& caller, std::string_view requested) {
  if (caller.scoped()) {
    const std::string own = caller.team.empty() ? std::string(kDefaultTeam) : caller.team;
    if (!requested.empty() && requested != own) {
      return PermissionDeniedError("This token belongs to a job of team " + Quoted(own) +
                                   " and acts only there, not in team " + Quoted(requested));
    }
    return own;
  }
  const std::string_view named = requested.empty() ? std::string_view(caller.team) : requested;
  if (!named.empty()) {
    RETURN_IF_ERROR(ValidateTeamName(named));
    if (caller.is_admin) {
      StatusOr<store::Team> team = identity_.GetTeam(named);
      if (team.status().code() == StatusCode::kNotFound) {
        return NotFoundError("Team " + Quoted(named) + " does not exist: create it with " +
                             "`inet platform team create " + std::string(named) + "`");
      }
      RETURN_IF_ERROR(team.status());
      return std::string(named);
    }
  }
  if (named.empty() && caller.is_admin) return std::string(kDefaultTeam);  // no read needed
  ASSIGN_OR_RETURN(std::vector<store::Membership> mine, identity_.ListUserTeams(caller.user));
  auto is_member = [&](std::string_view team) {
    return std::any_of(mine.begin(), mine.end(),
                       [&](const store::Membership& m) { return m.team == team; });
  };
  if (!named.empty()) {
    if (is_member(named)) return std::string(named);
    const std::string how = "ask a team admin of " + Quoted(named) +
                            " or a platform admin to add you (inet platform team add-member " +
                            std::string(named) + " " + caller.user + ")";
    if (requested.empty()) {
      return PermissionDeniedError("This token was made for team " + Quoted(named) + ", and user " +
                                   Quoted(caller.user) + " no longer belongs to it: " + how);
    }
    return PermissionDeniedError("User " + Quoted(caller.user) + " is not a member of team " +
                                 Quoted(named) + ": " + how +
                                 ", or name one of your teams (inet platform team list)");
  }
  if (is_member(kDefaultTeam)) return std::string(kDefaultTeam);
  if (mine.size() == 1) return mine.front().team;
  return std::string();
}

StatusOr<std::vector<store::Membership>> TeamService::MembershipsOf(std::string_view user) {
  return identity_.ListUserTeams(user);
}

}  // namespace inet::teams
