#include "jobs/internal/job_log.h"

#include <chrono>
#include <utility>

#include "common/live_byte_source.h"

namespace inet::jobs::internal {
namespace {

// Size of the log as it is now: the executor's copy when it has one, else the uploaded one,
// else 0.
StatusOr<int64_t> LogSizeNow(exec::Executor& executor, artifacts::ArtifactStore& artifacts,
                             std::string_view job_id) {
  StatusOr<int64_t> local = executor.LogSize(job_id);
  if (local.ok()) return *local;
  StatusOr<artifacts::ObjectInfo> uploaded = artifacts.Head(LogKey(job_id));
  if (uploaded.ok()) return uploaded->size;
  if (uploaded.status().code() == StatusCode::kNotFound) return int64_t{0};
  return uploaded.status();
}

// Live: each ReadAvailable returns what the log holds now; the server (or LiveByteSource's
// blocking Read) comes back later for more.
class FollowingLogSource : public LiveByteSource {
 public:
  FollowingLogSource(exec::Executor& executor, artifacts::ArtifactStore& artifacts,
                     store::JobStore& store, std::string job_id, int64_t offset, int idle_seconds)
      : executor_(executor),
        artifacts_(artifacts),
        store_(store),
        job_id_(std::move(job_id)),
        offset_(offset),
        idle_(std::chrono::seconds(idle_seconds)),
        last_output_(std::chrono::steady_clock::now()) {}

  StatusOr<size_t> ReadAvailable(char* buf, size_t n) override {
    if (done_ || n == 0) return size_t{0};
    // Twice at most: a log that grew between the end of one read and the size check below is
    // read again at once; otherwise the caller comes back later.
    for (int pass = 0; pass < 2; ++pass) {
      if (current_ == nullptr) {
        ASSIGN_OR_RETURN(current_, OpenJobLog(executor_, artifacts_, job_id_, offset_));
      }
      ASSIGN_OR_RETURN(size_t got, current_->Read(buf, n));
      if (got > 0) {
        offset_ += static_cast<int64_t>(got);
        last_output_ = std::chrono::steady_clock::now();
        return got;
      }
      current_.reset();
      // At the end of what exists now. Read the state before the size: output written before
      // the job became terminal is then always seen.
      StatusOr<store::JobRecord> job = store_.GetJob(job_id_);
      if (!job.ok()) return job.status();
      ASSIGN_OR_RETURN(int64_t size, LogSizeNow(executor_, artifacts_, job_id_));
      if (size > offset_) continue;
      if (store::IsTerminal(job->state) ||
          std::chrono::steady_clock::now() >= last_output_ + idle_) {
        done_ = true;
      }
      break;
    }
    return size_t{0};
  }

  bool ended() const override { return done_; }

 private:
  exec::Executor& executor_;
  artifacts::ArtifactStore& artifacts_;
  store::JobStore& store_;
  const std::string job_id_;
  int64_t offset_;
  const std::chrono::seconds idle_;
  std::chrono::steady_clock::time_point last_output_;
  std::unique_ptr<ByteSource> current_;
  bool done_ = false;
};

}  // namespace

std::string LogKey(std::string_view job_id) { return "jobs/" + std::string(job_id) + "/job.log"; }

StatusOr<std::unique_ptr<ByteSource>> OpenJobLog(exec::Executor& executor,
                                                 artifacts::ArtifactStore& artifacts,
                                                 std::string_view job_id, int64_t offset) {
  StatusOr<std::unique_ptr<ByteSource>> local = executor.OpenLog(job_id, offset);
  if (local.ok()) return local;
  // Past the end of the uploaded copy reads as empty, like the local one.
  StatusOr<artifacts::ObjectInfo> info = artifacts.Head(LogKey(job_id));
  if (info.ok() && offset < info->size) {
    StatusOr<std::unique_ptr<ByteSource>> uploaded = artifacts.Get(LogKey(job_id), offset);
    if (uploaded.ok() || uploaded.status().code() != StatusCode::kNotFound) return uploaded;
  } else if (!info.ok() && info.status().code() != StatusCode::kNotFound) {
    return info.status().WithContext("reading the log of job " + std::string(job_id));
  }
  return std::unique_ptr<ByteSource>(std::make_unique<StringByteSource>(""));
}

std::unique_ptr<ByteSource> FollowJobLog(exec::Executor& executor,
                                         artifacts::ArtifactStore& artifacts,
                                         store::JobStore& store, std::string job_id, int64_t offset,
                                         int idle_seconds) {
  return std::make_unique<FollowingLogSource>(executor, artifacts, store, std::move(job_id), offset,
                                              idle_seconds);
}

}  // namespace inet::jobs::internal
