// The flags of `inet platform train` and how they become a JobSpec: a pure function, so the
// mapping (and its precedence over `--config job.yaml`) is unit-tested without a server.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "jobs/job_spec.h"

namespace inet::cli {

// What the user typed; nullopt / empty = the flag was not given.
struct TrainFlags {
  std::optional<std::string> name;
  std::optional<std::string> image;
  std::optional<std::string> script;
  std::optional<std::string> command;  // one string, split like a POSIX shell
  std::optional<std::string> args;     // one string, split like a POSIX shell
  std::optional<int> gpu;
  std::optional<std::string> cpu;
  std::optional<std::string> memory;
  std::vector<std::string> output_artifacts;  // each "name=path" or "path"; commas separate more
  std::vector<std::string> env;               // each "KEY=VALUE"
  std::optional<std::string> workdir;
  std::optional<double> timeout_hours;
  std::optional<int> retries;
  std::optional<double> max_cost_usd;  // --max-cost
  std::optional<std::string> distributed_backend;
  std::optional<int> processes;
  std::optional<std::string> team;
  std::optional<std::string> priority_class;
  std::optional<std::string> experiment;
  std::vector<std::string> trailing;  // the words after `--`
};

// Builds and validates the spec. `config_yaml` is the text of --config (nullopt without it);
// flags given explicitly override its fields: scalars replace, --env and --output-artifacts add
// to (and per key replace) the file's maps, --script replaces a file's command and vice versa.
// The words after `--` are the command, or the script's arguments when there is a script.
// kInvalidArgument with jobs::Validate's messages (the server's), or naming the flag at fault.
StatusOr<jobs::JobSpec> BuildTrainSpec(const TrainFlags& flags,
                                       const std::optional<std::string>& config_yaml);

}  // namespace inet::cli
