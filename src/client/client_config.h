// Where the CLI finds its server and token. In order, the first that gives a value wins:
//   1. flags: --url / --token
//   2. environment: INET_URL / INET_TOKEN, then MLFLOW_TRACKING_URI / MLFLOW_TRACKING_TOKEN (so a
//      shell already set up for the mlflow client works unchanged; a tracking URI that is not
//      http(s) is ignored)
//   3. the config file written by `inet login`: $XDG_CONFIG_HOME/inet/config.json (default
//      ~/.config/inet/config.json, mode 0600); its token is used only with its own URL, so a token
//      is never sent to another server
//   4. defaults: http://127.0.0.1:8080, and, for a server on this machine (loopback) with no
//      token anywhere, the embedded server's admin token from ~/.inet/admin-token
// The environment is read through a lookup function so tests need not touch the process's.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace inet::client {

inline constexpr std::string_view kDefaultUrl = "http://127.0.0.1:8080";

// Returns the value of an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (std::getenv).
EnvLookup ProcessEnv();

struct ClientFlags {
  std::string url;    // --url; empty = not given
  std::string token;  // --token; empty = not given
};

struct ClientConfig {
  std::string url;  // without a trailing '/'
  std::string token;
  std::string url_source;    // "--url", "INET_URL", ..., "config file", "default"
  std::string token_source;  // likewise; "" when there is no token
};

// What `inet login` saved.
struct StoredLogin {
  std::string url;
  std::string token;
};

// $XDG_CONFIG_HOME/inet/config.json, else $HOME/.config/inet/config.json. kFailedPrecondition
// when neither variable is set.
StatusOr<std::string> ConfigFilePath(const EnvLookup& env);

// Reads the config file. kNotFound when it does not exist; kInvalidArgument (naming the file)
// when it is not the JSON object `inet login` writes.
StatusOr<StoredLogin> LoadLogin(const std::string& path);

// Writes the config file with mode 0600 (its directory 0700 when created), replacing it
// atomically. Errors name the path.
Status SaveLogin(const std::string& path, const StoredLogin& login);

// Applies the order in the file comment. A broken config file is an error (kInvalidArgument,
// saying which file) rather than silently ignored; a missing one is not.
StatusOr<ClientConfig> ResolveClientConfig(const ClientFlags& flags, const EnvLookup& env);

// The team a job command acts in (sent as X-MLFLOW-WORKSPACE): `flag` (--team), else INET_TEAM,
// else MLFLOW_WORKSPACE (what the mlflow client reads for the same header), else "" (the server's
// default for the token: its team, the user's only team, or default).
std::string ResolveTeam(std::string_view flag, const EnvLookup& env);

// True for http(s) URLs whose host is localhost, 127.x.x.x or [::1].
bool IsLoopbackUrl(std::string_view url);

}  // namespace inet::client
