// JobSpec: what a user asks to run, in one struct shared by the CLI (flags and
// `--config job.yaml`), the REST API (JSON) and the controller. Validation with messages that say
// how to fix the input (resource quantities through common/quantity.h) and the JSON and YAML
// forms live here, so every entry point accepts and rejects exactly the same specs.
//
// JSON / YAML form (field names are the same in both; all optional but name and command/script):
//   name: bert-finetuning          # [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 50 characters
//   image: ml-training:latest      # container image (the local executor runs on the host)
//   command: ["python", "train.py"]  # or a single string, split like a POSIX shell
//   script: train.py               # instead of command: .py runs with python, .sh with bash
//   args: ["--epochs", "3"]
//   env: {KEY: value}
//   resources: {cpu: "4", memory: "16Gi", gpu: 1}
//   timeout_hours: 24              # > 0; default 24
//   retries: 2                     # 0..10; default 0
//   max_cost_usd: 50               # > 0: stop the job once it has cost this much; default none
//   output_artifacts: {model.pt: model.pt}   # name -> path (relative to workdir); a list of
//                                            # paths is accepted too (name = base name)
//   distributed: {backend: pytorch, processes: 2}
//   code_snapshot: <id from POST /api/v1/snapshots>
//   workdir: src                   # relative to the code root
//   team: default
//   priority_class: batch          # interactive | batch
//   experiment: bert-finetuning    # MLflow experiment for the job's run; default: name
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/quantity.h"
#include "common/resources.h"
#include "common/status.h"

namespace inet::jobs {

struct ResourceRequest {
  std::string cpu;     // Kubernetes quantity as given ("4", "500m"); "" = none
  std::string memory;  // Kubernetes quantity ("16Gi", "512M"); "" = none
  int gpu = 0;
};

struct JobSpec {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::string script;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  ResourceRequest resources;
  double timeout_hours = 24;
  int retries = 0;
  // Runaway protection: the job is stopped once its attempts together have cost this much
  // (USD, at the server's prices); 0 = no limit of its own (the team's hard ceiling applies).
  double max_cost_usd = 0;
  std::map<std::string, std::string> output_artifacts;
  std::string distributed_backend;  // "" or "pytorch"
  int processes = 1;
  std::string code_snapshot;
  std::string workdir;
  std::string team;  // "" = the team the submitting request acts in
  std::string priority_class = "batch";
  std::string experiment;
};

// Checks every field and fills defaults (experiment = name). kInvalidArgument naming the field
// and what to do, e.g. `name "Bert_Finetuning" must be lowercase letters, digits and '-'; try
// "bert-finetuning"`. Collects only the first problem.
Status Validate(JobSpec& spec);

// What a validated spec requests, as the one resource vector (an empty CPU or memory is no
// request). Computed once, at submission: the job record keeps it (store::JobRecord::resources).
Resources RequestedResources(const JobSpec& spec);

// The argv to run: command + args, or the script's interpreter + script + args. `python` is the
// interpreter for .py scripts.
std::vector<std::string> ResolveArgv(const JobSpec& spec, std::string_view python);

// JSON form (see the header comment). FromJson accepts the YAML/JSON aliases (command as a
// string, output_artifacts as a list); kInvalidArgument for malformed JSON or wrong types,
// naming the field. ToJson writes the canonical form (command as a list, outputs as a map).
StatusOr<JobSpec> JobSpecFromJson(std::string_view json);
std::string JobSpecToJson(const JobSpec& spec);

// YAML form (`inet platform train --config job.yaml`), same fields as JSON.
StatusOr<JobSpec> JobSpecFromYaml(std::string_view yaml);

}  // namespace inet::jobs
