// Flags -> JobSpec. The spec is assembled in its JSON form (the file's canonical JSON with the
// flags laid over it) and parsed by jobs::JobSpecFromJson, so a flag accepts exactly what the
// same field accepts in the API and in YAML.
#include "cli/train_spec.h"

#include <boost/json.hpp>

namespace inet::cli {
namespace {

namespace json = boost::json;

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

json::array ToJsonArray(const std::vector<std::string>& words) {
  json::array array;
  for (const std::string& word : words) {
    array.emplace_back(word);
  }
  return array;
}

// The file's map field as an object (the canonical JSON writes maps as objects).
json::object& ObjectField(json::object& spec, std::string_view key) {
  json::value& field = spec[key];
  if (!field.is_object()) {
    field = json::object();
  }
  return field.as_object();
}

}  // namespace

StatusOr<jobs::JobSpec> BuildTrainSpec(const TrainFlags& flags,
                                       const std::optional<std::string>& config_yaml) {
  json::object spec;
  if (config_yaml) {
    StatusOr<jobs::JobSpec> from_file = jobs::JobSpecFromYaml(*config_yaml);
    if (!from_file.ok()) {
      return from_file.status().WithContext("--config");
    }
    boost::system::error_code ec;
    json::value canonical = json::parse(jobs::JobSpecToJson(*from_file), ec);
    if (!ec && canonical.is_object()) {
      spec = std::move(canonical.as_object());
    }
  }

  auto set_string = [&spec](const char* key, const std::optional<std::string>& value) {
    if (value) {
      spec[key] = *value;
    }
  };
  set_string("name", flags.name);
  set_string("image", flags.image);
  set_string("workdir", flags.workdir);
  set_string("team", flags.team);
  set_string("priority_class", flags.priority_class);
  set_string("experiment", flags.experiment);
  if (flags.timeout_hours) {
    spec["timeout_hours"] = *flags.timeout_hours;
  }
  if (flags.retries) {
    spec["retries"] = *flags.retries;
  }
  if (flags.max_cost_usd) {
    spec["max_cost_usd"] = *flags.max_cost_usd;
  }

  if (flags.cpu || flags.memory || flags.gpu) {
    json::object& resources = ObjectField(spec, "resources");
    if (flags.cpu) {
      resources["cpu"] = *flags.cpu;
    }
    if (flags.memory) {
      resources["memory"] = *flags.memory;
    }
    if (flags.gpu) {
      resources["gpu"] = *flags.gpu;
    }
  }
  if (flags.distributed_backend || flags.processes) {
    json::object& distributed = ObjectField(spec, "distributed");
    if (flags.distributed_backend) {
      distributed["backend"] = *flags.distributed_backend;
    }
    if (flags.processes) {
      distributed["processes"] = *flags.processes;
    }
  }

  if (flags.script && flags.command) {
    return InvalidArgumentError(
        "give either --script or --command, not both: --script train.py runs a file from your "
        "code, --command \"python -m pkg.train\" runs any command");
  }
  if (flags.script) {
    spec["script"] = *flags.script;
    spec.erase("command");
  }
  if (flags.command) {
    if (!flags.trailing.empty()) {
      return InvalidArgumentError("give the command either with --command or after `--`, not both");
    }
    spec["command"] = *flags.command;
    spec.erase("script");
  }
  bool has_script =
      spec.contains("script") && spec["script"].is_string() && !spec["script"].get_string().empty();
  if (flags.args) {
    if (!flags.trailing.empty()) {
      return InvalidArgumentError("give the arguments either with --args or after `--`, not both");
    }
    spec["args"] = *flags.args;  // split by JobSpecFromJson, as the API does
  }
  if (!flags.trailing.empty()) {
    if (has_script) {
      spec["args"] = ToJsonArray(flags.trailing);
    } else {
      spec["command"] = ToJsonArray(flags.trailing);
      spec.erase("script");
    }
  }

  if (!flags.env.empty()) {
    json::object& env = ObjectField(spec, "env");
    for (const std::string& item : flags.env) {
      size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        return InvalidArgumentError("--env \"" + item + "\" must look like KEY=VALUE");
      }
      env[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }
  if (!flags.output_artifacts.empty()) {
    json::value& existing = spec["output_artifacts"];
    json::object outputs;
    if (existing.is_object()) {
      outputs = existing.as_object();
    }
    for (const std::string& value : flags.output_artifacts) {
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string item =
            value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? value.size() + 1 : comma + 1;
        if (item.empty()) {
          continue;
        }
        size_t eq = item.find('=');
        std::string name = eq == std::string::npos ? BaseName(item) : item.substr(0, eq);
        std::string path = eq == std::string::npos ? item : item.substr(eq + 1);
        if (name.empty() || path.empty()) {
          return InvalidArgumentError("--output-artifacts \"" + item +
                                      "\" must be a path (model.pt) or name=path "
                                      "(model=out/model.pt)");
        }
        outputs[name] = path;
      }
    }
    existing = std::move(outputs);
  }

  StatusOr<jobs::JobSpec> built = jobs::JobSpecFromJson(json::serialize(spec));
  if (!built.ok()) {
    return built.status();
  }
  jobs::JobSpec result = std::move(built).value();
  RETURN_IF_ERROR(jobs::Validate(result));
  return result;
}

}  // namespace inet::cli
