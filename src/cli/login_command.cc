// `inet login`: token in (flag, prompt or stdin), checked against the server, saved 0600.
#include "cli/login_command.h"

#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "cli/platform_commands.h"
#include "client/api_client.h"
#include "client/client_config.h"

namespace inet::cli {
namespace {

struct LoginState {
  CommandContext* context = nullptr;
  std::string url;
  std::string token;
};

std::string Trim(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) {
    return "";
  }
  return text.substr(text.find_first_not_of(" \t\r\n"),
                     end - text.find_first_not_of(" \t\r\n") + 1);
}

// Reads a line from the terminal on stdin with echo off, restoring the terminal afterwards
// (also when Ctrl-C interrupts the read). nullopt when interrupted or at end of input.
std::optional<std::string> ReadSecretLine(CommandContext& context, const std::string& prompt) {
  *context.err << prompt << std::flush;
  termios saved{};
  bool restore = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool ok = static_cast<bool>(std::getline(*context.in, line));
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  }
  *context.err << "\n";
  if (!ok) {
    return std::nullopt;
  }
  return line;
}

int RunLogin(LoginState& state) {
  CommandContext& context = *state.context;
  std::string url = state.url;
  if (url.empty()) {
    // Where the other commands would go; a broken config file is about to be rewritten, so
    // it does not stop a login.
    StatusOr<client::ClientConfig> resolved = client::ResolveClientConfig({}, context.env);
    url = resolved.ok() ? resolved->url : std::string(client::kDefaultUrl);
  }
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }

  std::string token = state.token;
  if (token.empty()) {
    if (context.stdin_is_tty) {
      if (context.own_signals) {
        WatchInterrupts();  // so Ctrl-C restores the terminal first
      }
      std::optional<std::string> line = ReadSecretLine(context, "Token for " + url + ": ");
      if (!line) {
        *context.err << "inet login: cancelled\n";
        return 130;
      }
      token = Trim(*line);
    } else {
      std::string line;
      std::getline(*context.in, line);
      token = Trim(line);
    }
  }
  if (token.empty()) {
    *context.err << "inet login: no token given; pass --token, type it at the prompt, or pipe it "
                    "in (the local server's admin token is in ~/.inet/admin-token)\n";
    return 2;
  }

  client::ApiClient api(url, token);
  StatusOr<boost::json::value> check = api.GetJson("/api/v1/capacity");
  if (!check.ok()) {
    *context.err << "inet: login to " << url << " failed: " << check.status().message() << "\n";
    return 1;
  }
  StatusOr<std::string> path = client::ConfigFilePath(context.env);
  if (!path.ok()) {
    *context.err << "inet: " << path.status().message() << "\n";
    return 1;
  }
  if (Status saved = client::SaveLogin(*path, {.url = url, .token = token}); !saved.ok()) {
    *context.err << "inet: " << saved.message() << "\n";
    return 1;
  }
  *context.out << "Logged in to " << url << ". Saved the server and token to " << *path
               << " (readable only by you); `inet platform ...` commands now use them.\n";
  return 0;
}

}  // namespace

void AddLoginCommand(CLI::App& app, CommandContext& context) {
  // Shared with the callback, which CLI11 copies; the options are bound to it.
  auto state = std::make_shared<LoginState>();
  state->context = &context;
  CLI::App* cmd = app.add_subcommand(
      "login",
      "Save the server URL and your API token for the other commands, after checking them "
      "against the server. Without --token it prompts for the token (or reads it from stdin).");
  cmd->add_option("--url", state->url,
                  "Server URL [default: INET_URL, the saved one, or http://127.0.0.1:8080]");
  cmd->add_option("--token", state->token,
                  "API token (prefer the prompt: flags end up in your shell history)");
  cmd->footer(
      "Examples:\n"
      "  inet login --url http://inet.example.com:8080\n"
      "  cat ~/.inet/admin-token | inet login --url http://127.0.0.1:8080");
  cmd->callback([state] {
    if (state->context->own_signals) {
      DefaultInterrupts();
    }
    state->context->exit_code = RunLogin(*state);
  });
}

}  // namespace inet::cli
