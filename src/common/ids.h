// Random identifiers and secrets: run ids, logged-model ids, tokens, default run names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace inet {

// `bytes` random bytes from the OS CSPRNG, hex-encoded (lowercase). Thread-safe.
std::string RandomHex(size_t bytes);

// A 32-char lowercase hex id, the shape MLflow uses for runs.
inline std::string NewRunId() { return RandomHex(16); }

// "m-" + 32 hex, MLflow's logged-model id shape.
inline std::string NewLoggedModelId() { return "m-" + RandomHex(16); }

// A readable "adjective-noun-NNN" name, as MLflow generates for unnamed runs.
std::string RandomRunName();

// Lowercase hex of arbitrary bytes, and its inverse (nullopt for odd length or a character
// other than 0-9a-f).
std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

// Lowercase hex SHA-256 of `data` (tokens are stored only as their hash).
std::string Sha256Hex(std::string_view data);

}  // namespace inet
