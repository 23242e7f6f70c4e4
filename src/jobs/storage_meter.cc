#include "jobs/storage_meter.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/identity.h"
#include "jobs/pricing.h"

namespace inet::jobs {

StorageMeter::StorageMeter(artifacts::ArtifactStore& artifacts, store::IdentityStore& identity,
                           store::CostStore& costs, const Clock& clock, StorageMeterOptions options)
    : artifacts_(artifacts), identity_(identity), costs_(costs), clock_(clock), options_(options) {}

StorageMeter::~StorageMeter() { Stop(); }

void StorageMeter::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      if (Status s = SampleOnce(); !s.ok()) {
        spdlog::warn("costs: measuring artifact storage: {}", s.ToString());
      }
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_millis),
                   [this] { return stop_; });
    }
  });
}

void StorageMeter::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

Status StorageMeter::SampleOnce() {
  ASSIGN_OR_RETURN(std::vector<store::Team> teams, identity_.ListTeams());
  std::map<std::string, int64_t> bytes;  // by team prefix ("" = default's)
  std::map<std::string, std::string> team_of_prefix;
  for (const store::Team& team : teams) {
    const std::string prefix = TeamArtifactPrefix(team.name);
    bytes[prefix] = 0;
    team_of_prefix[prefix] = team.name;
  }
  artifacts::ListOptions list;
  list.delimited = false;
  while (true) {
    ASSIGN_OR_RETURN(artifacts::ListResult page, artifacts_.List(list));
    for (const artifacts::ObjectInfo& object : page.objects) {
      std::string prefix;
      if (object.key.starts_with("workspaces/")) {
        const size_t slash = object.key.find('/', 11);
        if (slash != std::string::npos) {
          std::string candidate = object.key.substr(0, slash + 1);
          if (bytes.count(candidate) != 0) {
            prefix = std::move(candidate);
          }
        }
      }
      bytes[prefix] += object.size;
    }
    if (page.next_page_token.empty()) {
      break;
    }
    list.page_token = page.next_page_token;
  }
  const int64_t now = clock_.NowMillis();
  const std::string month = MonthOf(now);
  for (const auto& [prefix, size] : bytes) {
    auto team = team_of_prefix.find(prefix);
    const std::string name =
        team != team_of_prefix.end() ? team->second : std::string(kDefaultTeam);
    RETURN_IF_ERROR(costs_.AddStorageSample(name, month, size, now));
  }
  return OkStatus();
}

}  // namespace inet::jobs
