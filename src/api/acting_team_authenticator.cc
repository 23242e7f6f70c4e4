#include "api/acting_team_authenticator.h"

#include <string>
#include <utility>

#include "common/text.h"

namespace inet::api {

StatusOr<Identity> ActingTeamAuthenticator::Authenticate(const http::Request& request) {
  ASSIGN_OR_RETURN(Identity identity, tokens_.Authenticate(request));
  ASSIGN_OR_RETURN(std::string team,
                   teams_.ActingTeam(identity, TrimAsciiSpace(request.Header(kTeamHeader))));
  identity.team = std::move(team);
  return identity;
}

}  // namespace inet::api
