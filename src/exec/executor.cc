#include "exec/executor.h"

namespace inet::exec {

Resources TotalAllocatable(const std::vector<NodePool>& pools) {
  Resources total;
  for (const NodePool& pool : pools) total += pool.allocatable;
  return total;
}

const char* PhaseName(ExecutionPhase phase) {
  switch (phase) {
    case ExecutionPhase::kPending:
      return "pending";
    case ExecutionPhase::kRunning:
      return "running";
    case ExecutionPhase::kFinished:
      return "finished";
  }
  return "unknown";
}

const char* EndName(ExecutionEnd end) {
  switch (end) {
    case ExecutionEnd::kNone:
      return "";
    case ExecutionEnd::kExited:
      return "exited";
    case ExecutionEnd::kKilled:
      return "killed";
    case ExecutionEnd::kOutOfMemory:
      return "out of memory";
    case ExecutionEnd::kPreempted:
      return "preempted";
    case ExecutionEnd::kLost:
      return "lost";
  }
  return "unknown";
}

}  // namespace inet::exec
