#include "http/internal/body_spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace inet::http::internal {
namespace {

std::string Errno() { return std::strerror(errno); }

class SpoolReader final : public ByteSource {
 public:
  SpoolReader(int fd, uint64_t size) : fd_(fd), size_(size) {}

  StatusOr<size_t> Read(char* buf, size_t n) override {
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - pos_));
    if (n == 0) return size_t{0};
    for (;;) {
      ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(pos_));
      if (got > 0) {
        pos_ += static_cast<uint64_t>(got);
        return static_cast<size_t>(got);
      }
      if (got == 0) return DataLossError("request body spool: unexpected end of file");
      if (errno != EINTR) return DataLossError("reading the request body spool: " + Errno());
    }
  }

 private:
  int fd_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<BodySpool>> BodySpool::Create(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return UnavailableError("cannot create the request body spool directory " + dir + ": " +
                            Errno());
  }
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // No O_TMPFILE on this file system: a named file, unlinked at once.
    std::string path = dir + "/body-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
  }
  if (fd < 0) {
    return UnavailableError("cannot create a request body spool file in " + dir + ": " + Errno());
  }
  return std::unique_ptr<BodySpool>(new BodySpool(fd));
}

BodySpool::~BodySpool() { ::close(fd_); }

Status BodySpool::Append(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(size_));
    if (n < 0) {
      if (errno == EINTR) continue;
      return UnavailableError("cannot store the request body: " + Errno());
    }
    size_ += static_cast<uint64_t>(n);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

std::unique_ptr<ByteSource> BodySpool::Reader() const {
  return std::make_unique<SpoolReader>(fd_, size_);
}

}  // namespace inet::http::internal
