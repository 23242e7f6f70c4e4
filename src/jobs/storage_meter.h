// StorageMeter: measures each team's artifact storage for its monthly cost. Every interval it
// lists the whole artifact store once (off every request and controller thread, on a thread
// of its own), sums the sizes under each team's prefix (TeamArtifactPrefix: "workspaces/<team>/";
// everything outside those prefixes is team default's), and adds a sample per team to the
// CostStore: the bytes of the team's previous sample times the hours since it, in GiB-hours,
// priced per GiB-month (730 h) by jobs::CostMeter::Standing. Samples are relative to the stored
// previous one and written atomically, so any number of servers may sample one database
// without counting anything twice. The first sample of a month starts that month's count.
//
// Thread safety: Start/Stop and SampleOnce are thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "artifacts/artifact_store.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/cost_store.h"
#include "store/identity_store.h"

namespace inet::jobs {

struct StorageMeterOptions {
  int64_t interval_millis = 3'600'000;  // how often the store is listed
};

class StorageMeter {
 public:
  // Borrows everything; all must outlive the meter.
  StorageMeter(artifacts::ArtifactStore& artifacts, store::IdentityStore& identity,
               store::CostStore& costs, const Clock& clock, StorageMeterOptions options);
  ~StorageMeter();  // calls Stop()
  StorageMeter(const StorageMeter&) = delete;
  StorageMeter& operator=(const StorageMeter&) = delete;

  // Starts the thread: a sample at once, then one every interval.
  void Start();
  void Stop();

  // One listing and one sample per team, on the calling thread.
  Status SampleOnce();

 private:
  artifacts::ArtifactStore& artifacts_;
  store::IdentityStore& identity_;
  store::CostStore& costs_;
  const Clock& clock_;
  const StorageMeterOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace inet::jobs
