#include "store/types.h"

#include <string>

namespace inet::store {

std::string_view LifecycleStageName(LifecycleStage s) {
  switch (s) {
    case LifecycleStage::kActive:
      return "active";
    case LifecycleStage::kDeleted:
      return "deleted";
  }
  return "active";
}

StatusOr<LifecycleStage> ParseLifecycleStage(std::string_view name) {
  if (name == "active") return LifecycleStage::kActive;
  if (name == "deleted") return LifecycleStage::kDeleted;
  return InvalidArgumentError("Invalid lifecycle stage '" + std::string(name) + "'");
}

std::string_view RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kScheduled:
      return "SCHEDULED";
    case RunStatus::kFinished:
      return "FINISHED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kKilled:
      return "KILLED";
  }
  return "RUNNING";
}

StatusOr<RunStatus> ParseRunStatus(std::string_view name) {
  for (RunStatus s : {RunStatus::kRunning, RunStatus::kScheduled, RunStatus::kFinished,
                      RunStatus::kFailed, RunStatus::kKilled}) {
    if (RunStatusName(s) == name) return s;
  }
  return InvalidArgumentError("Invalid run status '" + std::string(name) + "'");
}

std::string_view LoggedModelStatusName(LoggedModelStatus s) {
  switch (s) {
    case LoggedModelStatus::kPending:
      return "LOGGED_MODEL_PENDING";
    case LoggedModelStatus::kReady:
      return "LOGGED_MODEL_READY";
    case LoggedModelStatus::kUploadFailed:
      return "LOGGED_MODEL_UPLOAD_FAILED";
  }
  return "LOGGED_MODEL_PENDING";
}

StatusOr<LoggedModelStatus> ParseLoggedModelStatus(std::string_view name) {
  for (LoggedModelStatus s :
       {LoggedModelStatus::kPending, LoggedModelStatus::kReady, LoggedModelStatus::kUploadFailed}) {
    if (LoggedModelStatusName(s) == name) return s;
  }
  return InvalidArgumentError("Invalid logged model status '" + std::string(name) + "'");
}

}  // namespace inet::store
