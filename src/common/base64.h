// Base64 (RFC 4648) for page tokens and Basic auth: encoding with the standard alphabet and
// padding, as Python's base64.b64encode does; decoding that also takes the URL-safe alphabet and
// missing padding, since tokens travel through query strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace inet {

std::string Base64Encode(std::string_view bytes);

// The decoded bytes, or nullopt for a character outside both alphabets, padding anywhere but
// at the end, or a length that no encoding produces.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace inet
