#include "archive/internal/gzip_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "archive/internal/dir_listing.h"

namespace inet::archive::internal {
namespace {

constexpr size_t kChunk = size_t{64} * 1024;
constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoStatus(errno, "writing", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<GzipFileWriter>> GzipFileWriter::Create(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return ErrnoStatus(errno, "creating", path);
  }
  std::unique_ptr<GzipFileWriter> writer(new GzipFileWriter(path, std::move(fd)));
  if (deflateInit2(&writer->stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return InternalError("zlib: deflateInit2 failed");
  }
  writer->stream_ready_ = true;
  writer->out_.resize(kChunk);
  return writer;
}

GzipFileWriter::~GzipFileWriter() {
  if (stream_ready_) {
    deflateEnd(&stream_);
  }
}

Status GzipFileWriter::Deflate(int flush) {
  while (true) {
    stream_.next_out = out_.data();
    stream_.avail_out = static_cast<uInt>(out_.size());
    const int rc = deflate(&stream_, flush);
    if (rc == Z_STREAM_ERROR) {
      return InternalError("zlib: deflate failed");
    }
    const size_t produced = out_.size() - stream_.avail_out;
    RETURN_IF_ERROR(WriteAll(
        fd_.get(), std::string_view(reinterpret_cast<const char*>(out_.data()), produced), path_));
    compressed_bytes_ += static_cast<int64_t>(produced);
    if (flush == Z_FINISH ? rc == Z_STREAM_END : stream_.avail_out != 0) {
      return OkStatus();
    }
  }
}

Status GzipFileWriter::Write(std::string_view data) {
  // avail_in is 32-bit: feed large inputs in slices.
  while (!data.empty()) {
    const size_t slice = std::min<size_t>(data.size(), 1u << 30);
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream_.avail_in = static_cast<uInt>(slice);
    RETURN_IF_ERROR(Deflate(Z_NO_FLUSH));
    data.remove_prefix(slice);
  }
  return OkStatus();
}

Status GzipFileWriter::Finish() {
  stream_.next_in = nullptr;
  stream_.avail_in = 0;
  RETURN_IF_ERROR(Deflate(Z_FINISH));
  const int fd = fd_.release();
  if (close(fd) != 0) {
    return ErrnoStatus(errno, "closing", path_);
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<GzipFileReader>> GzipFileReader::Open(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return ErrnoStatus(errno, "opening archive", path);
  }
  std::unique_ptr<GzipFileReader> reader(new GzipFileReader(path, std::move(fd)));
  if (inflateInit2(&reader->stream_, kGzipWindowBits) != Z_OK) {
    return InternalError("zlib: inflateInit2 failed");
  }
  reader->stream_ready_ = true;
  reader->in_.resize(kChunk);
  return reader;
}

GzipFileReader::~GzipFileReader() {
  if (stream_ready_) {
    inflateEnd(&stream_);
  }
}

StatusOr<bool> GzipFileReader::Refill() {
  while (true) {
    const ssize_t n = read(fd_.get(), in_.data(), in_.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoStatus(errno, "reading archive", path_);
    }
    stream_.next_in = in_.data();
    stream_.avail_in = static_cast<uInt>(n);
    return n > 0;
  }
}

StatusOr<size_t> GzipFileReader::Read(char* buf, size_t n) {
  if (n == 0) {
    return size_t{0};
  }
  while (!finished_) {
    if (member_ended_) {
      // Another member follows only if the next bytes are a gzip magic number.
      if (stream_.avail_in == 0) {
        ASSIGN_OR_RETURN(const bool more, Refill());
        if (!more) {
          finished_ = true;
          break;
        }
      }
      if (stream_.next_in[0] != 0x1f) {
        finished_ = true;
        break;
      }
      if (inflateReset(&stream_) != Z_OK) {
        return InternalError("zlib: inflateReset failed");
      }
      member_ended_ = false;
    }
    if (stream_.avail_in == 0) {
      ASSIGN_OR_RETURN(const bool more, Refill());
      if (!more) {
        return InvalidArgumentError("archive " + path_ + " is truncated");
      }
    }
    stream_.next_out = reinterpret_cast<Bytef*>(buf);
    stream_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt before = stream_.avail_out;
    const int rc = inflate(&stream_, Z_NO_FLUSH);
    const size_t produced = before - stream_.avail_out;
    if (rc == Z_STREAM_END) {
      member_ended_ = true;
    } else if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR) {
      const char* detail = stream_.msg != nullptr ? stream_.msg : "invalid data";
      return InvalidArgumentError("archive " + path_ + " is not a valid gzip file: " + detail);
    } else if (rc == Z_MEM_ERROR) {
      return InternalError("zlib: out of memory");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return InternalError("zlib: inflate failed");
    }
    if (produced > 0) {
      return produced;
    }
  }
  return size_t{0};
}

StatusOr<size_t> GzipFileReader::ReadFull(char* buf, size_t n) {
  size_t total = 0;
  while (total < n) {
    ASSIGN_OR_RETURN(const size_t got, Read(buf + total, n - total));
    if (got == 0) {
      break;
    }
    total += got;
  }
  return total;
}

}  // namespace inet::archive::internal
