// Identity: who is making a request. Carried from authentication through every handler and
// service call so that ownership, audit and (later) team scoping need no new plumbing.
#pragma once

#include <string>

namespace inet {

struct Identity {
  std::string user;      // user name; "admin" for the bootstrap token
  std::string token_id;  // id of the token that authenticated the request
  bool is_admin = false;
};

}  // namespace inet
