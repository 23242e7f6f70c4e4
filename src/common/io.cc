#include "common/io.h"

#include <algorithm>
#include <cstring>

namespace inet {

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
