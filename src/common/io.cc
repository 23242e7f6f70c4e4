#include "common/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/live_byte_source.h"

namespace inet {
namespace {

class FdByteSource : public ByteSource {
 public:
  explicit FdByteSource(int fd) : fd_(fd) {}
  ~FdByteSource() override { ::close(fd_); }
  FdByteSource(const FdByteSource&) = delete;
  FdByteSource& operator=(const FdByteSource&) = delete;

  StatusOr<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return DataLossError(std::string("reading a file: ") + strerror(errno));
    }
  }

 private:
  int fd_;
};

}  // namespace

StatusOr<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path, int64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return NotFoundError("no file " + path);
    return InternalError("opening " + path + ": " + strerror(err));
  }
  auto source = std::make_unique<FdByteSource>(fd);  // owns fd from here on
  if (offset != 0 && ::lseek(fd, offset, SEEK_SET) < 0) {
    return InternalError("seeking in " + path + ": " + strerror(errno));
  }
  return std::unique_ptr<ByteSource>(std::move(source));
}

StatusOr<size_t> LiveByteSource::Read(char* buf, size_t n) {
  for (;;) {
    ASSIGN_OR_RETURN(size_t got, ReadAvailable(buf, n));
    if (got > 0 || n == 0 || ended()) return got;
    std::this_thread::sleep_for(kPollInterval);
  }
}

StatusOr<size_t> StringByteSource::Read(char* buf, size_t n) {
  size_t count = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, count);
  pos_ += count;
  return count;
}

StatusOr<std::string> ReadAll(ByteSource& source, size_t max_bytes) {
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, source.Read(buf, sizeof buf));
    if (n == 0) return out;
    if (out.size() + n > max_bytes) {
      return ResourceExhaustedError("body larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, n);
  }
}

}  // namespace inet
