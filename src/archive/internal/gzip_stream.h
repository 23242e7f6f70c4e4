// Streaming gzip over file descriptors (zlib): a writer that compresses into a new file and a
// reader that inflates one, chunk by chunk, so archives of any size use bounded memory.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inet::archive::internal {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Writes `data` fully to `fd`, retrying short writes and EINTR; `path` is for the message.
Status WriteAll(int fd, std::string_view data, const std::string& path);

// Compresses everything written into a new gzip file (single member, mtime 0 in the gzip
// header so equal input gives equal output). Not thread-safe.
class GzipFileWriter {
 public:
  // Creates (or truncates) `path`, mode 0644 before umask.
  static StatusOr<std::unique_ptr<GzipFileWriter>> Create(const std::string& path);
  ~GzipFileWriter();
  GzipFileWriter(const GzipFileWriter&) = delete;
  GzipFileWriter& operator=(const GzipFileWriter&) = delete;

  Status Write(std::string_view data);
  // Flushes the gzip trailer and closes the file. Write must not be called after.
  Status Finish();
  // Bytes written to the file so far.
  int64_t compressed_bytes() const { return compressed_bytes_; }

 private:
  GzipFileWriter(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  Status Deflate(int flush);

  std::string path_;
  UniqueFd fd_;
  z_stream stream_{};
  bool stream_ready_ = false;
  std::vector<unsigned char> out_;
  int64_t compressed_bytes_ = 0;
};

// Inflates a gzip file (several concatenated members allowed, as gzip(1) does; bytes after the
// last member that do not start another one are ignored, as gzip(1) does). Not thread-safe.
class GzipFileReader {
 public:
  // kNotFound when `path` does not exist; other open errors keep their cause.
  static StatusOr<std::unique_ptr<GzipFileReader>> Open(const std::string& path);
  ~GzipFileReader();
  GzipFileReader(const GzipFileReader&) = delete;
  GzipFileReader& operator=(const GzipFileReader&) = delete;

  // Reads up to `n` inflated bytes into `buf`; 0 only at the clean end of the data.
  // kInvalidArgument for data that is not gzip, corrupt (bad CRC included) or truncated.
  StatusOr<size_t> Read(char* buf, size_t n);
  // Reads exactly `n` bytes unless the data ends first; returns the count read.
  StatusOr<size_t> ReadFull(char* buf, size_t n);

 private:
  GzipFileReader(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  // Refills in_ from the file; false at end of file.
  StatusOr<bool> Refill();

  std::string path_;
  UniqueFd fd_;
  z_stream stream_{};
  bool stream_ready_ = false;
  bool member_ended_ = false;  // the current member's trailer was read
  bool finished_ = false;      // no more members
  std::vector<unsigned char> in_;
};

}  // namespace inet::archive::internal
