// Streaming byte interfaces shared by the HTTP core and the artifact stores, so a multi-GB
// artifact flows socket -> store (or store -> socket) in bounded chunks, never whole in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace inet {

// A pull-based source of bytes. Not thread-safe; used by one thread at a time.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`. Returns the count read; 0 means end of stream.
  // Errors: kUnavailable / kDeadlineExceeded for transport trouble, kDataLoss for truncation.
  virtual StatusOr<size_t> Read(char* buf, size_t n) = 0;
};

// A ByteSource over a string it owns (tests, small bodies).
class StringByteSource : public ByteSource {
 public:
  explicit StringByteSource(std::string data) : data_(std::move(data)) {}
  StatusOr<size_t> Read(char* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Opens the file at `path` as a ByteSource reading from byte `offset` to its end (a file still
// being appended to, like a job log, yields what is there at each Read). kNotFound when the file
// does not exist; kInternal for other open/seek failures; Read fails with kDataLoss.
StatusOr<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path, int64_t offset = 0);

// Drains `source` into a string, failing with kResourceExhausted past `max_bytes`.
StatusOr<std::string> ReadAll(ByteSource& source, size_t max_bytes);

}  // namespace inet
