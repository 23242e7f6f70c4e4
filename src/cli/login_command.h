// `inet login`: asks for (or takes) a token, checks it against the server with
// GET /api/v1/capacity, and saves URL and token to the config file (client_config.h) so later
// commands need neither flags nor environment variables.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command_context.h"

namespace inet::cli {

// Adds `login` to `app`; it runs from a CLI11 callback and stores its exit code in `context`,
// which must outlive `app`.
void AddLoginCommand(CLI::App& app, CommandContext& context);

}  // namespace inet::cli
