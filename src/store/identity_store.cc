#include "store/identity_store.h"

#include <string>

namespace inet::store {

std::string_view TeamRoleName(TeamRole role) {
  return role == TeamRole::kTeamAdmin ? "team-admin" : "member";
}

StatusOr<TeamRole> ParseTeamRole(std::string_view name) {
  if (name == "member") return TeamRole::kMember;
  if (name == "team-admin") return TeamRole::kTeamAdmin;
  return InvalidArgumentError("unknown team role '" + std::string(name) +
                              "': use 'member' or 'team-admin'");
}

}  // namespace inet::store
