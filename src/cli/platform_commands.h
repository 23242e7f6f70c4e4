// The client side of the job workflow: `inet platform train | status | logs | cancel | jobs |
// events | capacity`, registered on the `inet` binary's CLI11 app. Each command is a thin
// client of the REST API (client::ApiClient); what it prints comes from job_format.h and what
// `train` submits from train_spec.h. Exit codes: see command_context.h.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>

#include "cli/command_context.h"

namespace inet::cli {

// Adds `platform` and its subcommands to `app`. They run from CLI11 callbacks after parsing
// and store their exit code in `context`, which must outlive `app`.
void AddPlatformCommands(CLI::App& app, CommandContext& context);

// Makes SIGINT set the returned flag instead of killing the process, and unblocks it in the
// calling thread (`inet` blocks it for the server), so following logs or a prompt can stop
// cleanly. Call from the main thread; later calls return the same flag.
const std::atomic<bool>* WatchInterrupts();

// Gives SIGINT its default effect (end the process) and unblocks it in the calling thread.
void DefaultInterrupts();

}  // namespace inet::cli
