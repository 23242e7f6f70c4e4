// FakeAuthenticator: a token table for tests of anything served over http::Server.
#pragma once

#include <map>
#include <string>

#include "http/http.h"

namespace inet::http::testing {

// Accepts "Authorization: Bearer <token>" for tokens added with Allow(); everything else is
// kUnauthenticated. Add tokens before the server starts; Authenticate is then thread-safe.
class FakeAuthenticator : public Authenticator {
 public:
  void Allow(std::string token, Identity identity) {
    tokens_[std::move(token)] = std::move(identity);
  }

  StatusOr<Identity> Authenticate(const Request& request) override {
    std::string_view header = request.Header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!header.starts_with(kBearer)) return UnauthenticatedError("missing bearer token");
    auto it = tokens_.find(std::string(header.substr(kBearer.size())));
    if (it == tokens_.end()) return UnauthenticatedError("unknown token");
    return it->second;
  }

 private:
  std::map<std::string, Identity> tokens_;
};

}  // namespace inet::http::testing
