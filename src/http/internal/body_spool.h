// BodySpool: where the server keeps a streaming route's request body while it arrives, so
// that the handler runs only once the whole body is there and a slow or stalled client never
// holds a worker thread. Bytes go to an unlinked temporary file (O_TMPFILE where the file
// system has it), so nothing is left behind when the process dies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/io.h"
#include "common/status.h"

namespace inet::http::internal {

class BodySpool {
 public:
  // Creates the spool file in `dir` (created 0700 if missing). kUnavailable when the file
  // cannot be created.
  static StatusOr<std::unique_ptr<BodySpool>> Create(const std::string& dir);
  ~BodySpool();
  BodySpool(const BodySpool&) = delete;
  BodySpool& operator=(const BodySpool&) = delete;

  // Appends `data`; may block on the disk. kUnavailable on a write failure (a full disk).
  Status Append(std::string_view data);
  uint64_t size() const { return size_; }

  // A source reading everything appended so far, from the start. It borrows this spool, which
  // must outlive it and take no more appends meanwhile.
  std::unique_ptr<ByteSource> Reader() const;

 private:
  explicit BodySpool(int fd) : fd_(fd) {}
  int fd_;
  uint64_t size_ = 0;
};

}  // namespace inet::http::internal
