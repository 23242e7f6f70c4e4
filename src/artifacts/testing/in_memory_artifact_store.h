// InMemoryArtifactStore: an ArtifactStore kept in a map, for unit tests of code above the
// artifact store (routes, services). It follows the same contract as the real adapters and is
// checked by the same conformance suite; etags are SHA-256 hex of the content.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "artifacts/artifact_store.h"
#include "common/clock.h"

namespace inet::artifacts {

class InMemoryArtifactStore : public ArtifactStore {
 public:
  // `clock` (borrowed, nullable) stamps last_modified_ms; 0 when null. Thread-safe.
  explicit InMemoryArtifactStore(const Clock* clock = nullptr) : clock_(clock) {}

  Status Put(std::string_view key, ByteSource& body, int64_t size = -1) override;
  StatusOr<std::unique_ptr<ByteSource>> Get(std::string_view key, int64_t offset = 0,
                                            int64_t length = -1) override;
  StatusOr<ObjectInfo> Head(std::string_view key) override;
  StatusOr<ListResult> List(const ListOptions& options) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  StatusOr<std::string> CreateMultipartUpload(std::string_view key) override;
  StatusOr<std::string> UploadPart(std::string_view key, std::string_view upload_id,
                                   int part_number, ByteSource& body) override;
  Status CompleteMultipartUpload(std::string_view key, std::string_view upload_id,
                                 const std::vector<CompletedPart>& parts) override;
  Status AbortMultipartUpload(std::string_view key, std::string_view upload_id) override;

  // Number of multipart uploads in progress (tests check that Complete/Abort clean up).
  size_t PendingUploads() const;

 private:
  struct Object {
    // shared_ptr: a Get in progress keeps reading the old bytes after an overwrite.
    std::shared_ptr<const std::string> data;
    int64_t last_modified_ms = 0;
    std::string etag;
  };
  struct Upload {
    std::string key;
    std::map<int, Object> parts;
  };

  const Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, Object> objects_;  // guarded by mu_
  std::map<std::string, Upload> uploads_;  // guarded by mu_
};

}  // namespace inet::artifacts
