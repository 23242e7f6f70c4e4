// The stored form of a token's scope (common/identity.h): a small JSON object in the tokens
// table's `scope` column, "" for a user token. Only auth/ reads or writes that column's text.
#pragma once

#include <string>
#include <string_view>

#include "common/identity.h"
#include "common/status.h"

namespace inet::auth {

// "" for a user scope; otherwise {"kind":"attempt","job_id":...,...}.
std::string EncodeTokenScope(const TokenScope& scope);

// The inverse of EncodeTokenScope. kInternal for text it did not write (a newer server's kind,
// damage): a token whose limits cannot be read must not be accepted as unlimited.
StatusOr<TokenScope> DecodeTokenScope(std::string_view text);

}  // namespace inet::auth
