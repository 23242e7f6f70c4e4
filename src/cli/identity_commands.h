// `inet platform user | team | token ...`: users, teams, memberships and API tokens, each a thin
// client of the /api/v1 users, teams and tokens routes, with --json for scripts.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/command_context.h"
#include "client/client_config.h"

namespace inet::cli {

// Adds the subcommands to `platform` (the `inet platform` app). `flags` are its --url/--token,
// shared with the other platform commands; `context` must outlive the app.
void AddIdentityCommands(CLI::App* platform, CommandContext& context,
                         std::shared_ptr<const client::ClientFlags> flags);

}  // namespace inet::cli
