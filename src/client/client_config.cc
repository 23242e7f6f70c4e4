// Resolution of the CLI's server URL and token; the login file's reading and writing.
#include "client/client_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace inet::client {
namespace {

std::string StripTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

bool IsHttpUrl(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

std::string Errno(int error) { return std::strerror(error); }

// Reads a whole small file; nullopt when it cannot be read.
std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string TrimWhitespace(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) {
    return "";
  }
  size_t begin = text.find_first_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

StatusOr<std::string> ConfigFilePath(const EnvLookup& env) {
  std::optional<std::string> xdg = env("XDG_CONFIG_HOME");
  if (xdg && !xdg->empty()) {
    return *xdg + "/inet/config.json";
  }
  std::optional<std::string> home = env("HOME");
  if (home && !home->empty()) {
    return *home + "/.config/inet/config.json";
  }
  return FailedPreconditionError(
      "neither XDG_CONFIG_HOME nor HOME is set, so there is no place for the inet config file");
}

StatusOr<StoredLogin> LoadLogin(const std::string& path) {
  std::optional<std::string> contents = ReadSmallFile(path);
  if (!contents) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
      return NotFoundError("no config file at " + path);
    }
    return PermissionDeniedError("cannot read the inet config file " + path);
  }
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(*contents, ec);
  if (ec || !parsed.is_object()) {
    return InvalidArgumentError("the inet config file " + path +
                                " is not a JSON object; run `inet login` again to rewrite it");
  }
  StoredLogin login;
  const boost::json::object& object = parsed.get_object();
  for (auto [field, target] : {std::pair{"url", &login.url}, std::pair{"token", &login.token}}) {
    const boost::json::value* value = object.if_contains(field);
    if (value == nullptr) {
      continue;
    }
    if (!value->is_string()) {
      return InvalidArgumentError("the inet config file " + path + ": \"" + field +
                                  "\" must be a string; run `inet login` again to rewrite it");
    }
    *target = std::string(value->get_string());
  }
  login.url = StripTrailingSlashes(login.url);
  return login;
}

Status SaveLogin(const std::string& path, const StoredLogin& login) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    // Create missing parents; only the last level (".../inet") gets the private mode, the rest
    // (e.g. ~/.config) the usual one.
    std::string dir = path.substr(0, slash);
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
      if (pos != dir.size() && dir[pos] != '/') {
        continue;
      }
      std::string prefix = dir.substr(0, pos);
      mode_t mode = pos == dir.size() ? 0700 : 0755;
      if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
        return PermissionDeniedError("cannot create " + prefix + ": " + Errno(errno));
      }
    }
  }
  boost::json::object object;
  object["url"] = StripTrailingSlashes(login.url);
  object["token"] = login.token;
  std::string contents = boost::json::serialize(object) + "\n";

  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return PermissionDeniedError("cannot write " + temp + ": " + Errno(errno));
  }
  // The mode given to open() is filtered by the umask and ignored for an existing file.
  bool ok = ::fchmod(fd, 0600) == 0;
  size_t written = 0;
  while (ok && written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      ok = false;
    } else {
      written += static_cast<size_t>(n);
    }
  }
  int saved_errno = errno;
  if (::close(fd) != 0) {
    ok = false;
  }
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    saved_errno = ok ? errno : saved_errno;
    ::unlink(temp.c_str());
    return InternalError("cannot write " + path + ": " + Errno(saved_errno));
  }
  return OkStatus();
}

bool IsLoopbackUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || !IsHttpUrl(url)) {
    return false;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  std::string_view host;
  if (rest.starts_with('[')) {
    host = rest.substr(0, rest.find(']') + 1);
  } else {
    host = rest.substr(0, rest.find(':'));
  }
  return host == "localhost" || host == "[::1]" || host.starts_with("127.");
}

std::string ResolveTeam(std::string_view flag, const EnvLookup& env) {
  if (!flag.empty()) {
    return std::string(flag);
  }
  for (const char* name : {"INET_TEAM", "MLFLOW_WORKSPACE"}) {
    if (std::optional<std::string> value = env(name); value && !value->empty()) {
      return *value;
    }
  }
  return std::string();
}

StatusOr<ClientConfig> ResolveClientConfig(const ClientFlags& flags, const EnvLookup& env) {
  ClientConfig config;
  auto from_env = [&env](const char* name) {
    std::optional<std::string> value = env(name);
    return value && !value->empty() ? *value : std::string();
  };

  if (!flags.url.empty()) {
    config.url = flags.url;
    config.url_source = "--url";
  } else if (std::string v = from_env("INET_URL"); !v.empty()) {
    config.url = v;
    config.url_source = "INET_URL";
  } else if (std::string m = from_env("MLFLOW_TRACKING_URI"); IsHttpUrl(m)) {
    config.url = m;
    config.url_source = "MLFLOW_TRACKING_URI";
  }

  if (!flags.token.empty()) {
    config.token = flags.token;
    config.token_source = "--token";
  } else if (std::string v = from_env("INET_TOKEN"); !v.empty()) {
    config.token = v;
    config.token_source = "INET_TOKEN";
  } else if (std::string m = from_env("MLFLOW_TRACKING_TOKEN"); !m.empty()) {
    config.token = m;
    config.token_source = "MLFLOW_TRACKING_TOKEN";
  }

  if (config.url.empty() || config.token.empty()) {
    StatusOr<std::string> path = ConfigFilePath(env);
    if (path.ok()) {
      StatusOr<StoredLogin> login = LoadLogin(*path);
      if (!login.ok() && login.status().code() != StatusCode::kNotFound) {
        return login.status();
      }
      if (login.ok()) {
        if (config.url.empty() && !login->url.empty()) {
          config.url = login->url;
          config.url_source = "config file " + *path;
        }
        if (config.token.empty() && !login->token.empty() &&
            StripTrailingSlashes(config.url) == login->url) {
          config.token = login->token;
          config.token_source = "config file " + *path;
        }
      }
    }
  }

  if (config.url.empty()) {
    config.url = std::string(kDefaultUrl);

    config.url_source = "default";
  }
  config.url = StripTrailingSlashes(config.url);

  if (config.token.empty() && IsLoopbackUrl(config.url)) {
    if (std::optional<std::string> home = env("HOME"); home && !home->empty()) {
      std::string path = *home + "/.inet/admin-token";
      if (std::optional<std::string> token = ReadSmallFile(path)) {
        config.token = TrimWhitespace(*token);
        if (!config.token.empty()) {
          config.token_source = path;
        }
      }
    }
  }
  return config;
}

}  // namespace inet::client
