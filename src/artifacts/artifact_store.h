// ArtifactStore: where artifact bytes live (models, logs, files logged to runs), addressed by
// '/'-separated keys relative to the store's root, with an S3-shaped interface so the local
// directory adapter (artifacts/local, the embedded default) and the S3 adapter (later) are
// interchangeable.
//
// Keys are validated by every adapter with ValidateKey: no "..", no absolute paths, no empty
// segments, no NUL; a key that would escape the root is kInvalidArgument and never touched.
// All methods are thread-safe. Bodies stream through ByteSource in bounded chunks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/io.h"
#include "common/status.h"

namespace inet::artifacts {

struct ObjectInfo {
  std::string key;
  int64_t size = 0;
  int64_t last_modified_ms = 0;
  std::string etag;
};

struct ListOptions {
  std::string prefix;      // keys starting with this ("" = all)
  bool delimited = true;   // true: one level, sub-"directories" as common_prefixes
  std::string page_token;  // from a previous ListResult
  int max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;           // sorted by key
  std::vector<std::string> common_prefixes;  // "dir/" entries when delimited, sorted
  std::string next_page_token;               // empty on the last page
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;
};

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;

  // Writes the whole object from `body`, replacing any existing one. Atomic: readers see the
  // old object or the new one, never a partial one. `size` is a hint (-1 unknown).
  virtual Status Put(std::string_view key, ByteSource& body, int64_t size = -1) = 0;
  // Streams the object (from `offset`, `length` bytes or to the end). kNotFound if absent.
  virtual StatusOr<std::unique_ptr<ByteSource>> Get(std::string_view key, int64_t offset = 0,
                                                    int64_t length = -1) = 0;
  virtual StatusOr<ObjectInfo> Head(std::string_view key) = 0;
  virtual StatusOr<ListResult> List(const ListOptions& options) = 0;
  // Deletes the object; absent keys are OK (S3 semantics).
  virtual Status Delete(std::string_view key) = 0;
  // Deletes every object under `prefix` (a "directory").
  virtual Status DeletePrefix(std::string_view prefix) = 0;

  // Multipart upload for large files: parts are written separately and joined on Complete.
  virtual StatusOr<std::string> CreateMultipartUpload(std::string_view key) = 0;
  virtual StatusOr<std::string> UploadPart(std::string_view key, std::string_view upload_id,
                                           int part_number, ByteSource& body) = 0;  // -> etag
  virtual Status CompleteMultipartUpload(std::string_view key, std::string_view upload_id,
                                         const std::vector<CompletedPart>& parts) = 0;
  virtual Status AbortMultipartUpload(std::string_view key, std::string_view upload_id) = 0;
};

// Checks that `key` is a safe relative key (see above); returns it normalised (no leading or
// trailing '/'). The empty key is valid only where `allow_empty` (listing the root).
StatusOr<std::string> ValidateKey(std::string_view key, bool allow_empty = false);

// Stores are opened by URI through the scheme registry: OpenArtifactStore in
// artifacts/artifact_schemes.h.

}  // namespace inet::artifacts
