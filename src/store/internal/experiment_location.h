// Where an experiment created without an artifact location keeps its artifacts, for both
// adapters: "<root>/<id>" for team "default" (as before teams), "<root>/workspaces/<team>/<id>"
// for the others (MLflow's layout for workspaces, which the artifact routes confine each team
// to).
#pragma once

#include <string>
#include <string_view>

#include "common/identity.h"

namespace inet::store::internal {

inline std::string DefaultExperimentLocation(std::string_view root, std::string_view team,
                                             std::string_view experiment_id) {
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  return std::string(root) + "/" + TeamArtifactPrefix(team) + std::string(experiment_id);
}

}  // namespace inet::store::internal
