// CommandContext: what the `inet` client commands (platform_commands.h, login_command.h) read,
// write and report, so main() can hand them the process's streams and tests their own.
//
// Exit codes the commands set: 0 ok; 1 an API, server or connection error; 2 a usage or local
// validation error; `logs -f` and `train -f` 0 when the job Succeeded, else 1 (130 when Ctrl-C
// stops following; the job keeps running).
#pragma once

#include <atomic>
#include <iosfwd>

#include "client/client_config.h"

namespace inet::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

// Borrowed pointers must outlive the CLI11 app the commands are added to.
struct CommandContext {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::istream* in = nullptr;
  client::EnvLookup env;
  bool stdin_is_tty = false;   // `inet login` then prompts for the token without echo
  bool stderr_is_tty = false;  // progress lines while packing and uploading code
  // True in the real binary: the commands then manage SIGINT themselves (`inet` blocks it for
  // the server): Ctrl-C ends a command at once, except while following logs or prompting for a
  // token, where it stops cleanly. Tests leave it false.
  bool own_signals = false;
  // When set (tests, or by the commands once they watch SIGINT), following logs stops cleanly
  // once it becomes true.
  const std::atomic<bool>* interrupt = nullptr;
  int exit_code = 0;  // set by the command that ran
};

}  // namespace inet::cli
