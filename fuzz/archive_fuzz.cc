// Fuzzes ExtractArchive: the input is a raw tar stream that the harness gzips (so mutations
// reach the tar parser rather than dying in zlib's CRC check), or, when it already starts with
// the gzip magic, a .tar.gz taken as it is (to exercise the gzip reader). Beyond "no crash, no
// sanitizer report" it checks the safety contract: nothing appears next to the destination,
// the destination holds only regular files and directories, and every error has one of the
// documented codes.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "archive/archive.h"
#include "common/status.h"

namespace {

namespace fs = std::filesystem;

void Check(bool condition) {
  if (!condition) std::abort();
}

// The scratch directory: <base>/archive.tar.gz and <base>/dest, created once per process.
const fs::path& Base() {
  static const fs::path base = [] {
    std::string pattern = (fs::temp_directory_path() / "inet-archive-fuzz-XXXXXX").string();
    Check(mkdtemp(pattern.data()) != nullptr);
    return fs::path(pattern);
  }();
  return base;
}

std::string Gzip(std::string_view data) {
  z_stream stream{};
  Check(deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  Check(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const fs::path archive = Base() / "archive.tar.gz";
  const fs::path dest = Base() / "dest";
  {
    std::ofstream out(archive, std::ios::binary | std::ios::trunc);
    out << (inet::archive::LooksLikeGzip(input) ? std::string(input) : Gzip(input));
    Check(out.good());
  }
  inet::archive::ExtractOptions options;
  options.max_bytes = 1 << 20;  // keep each run fast and the disk untouched
  options.max_entries = 256;
  const inet::Status status =
      inet::archive::ExtractArchive(archive.string(), dest.string(), options);
  if (!status.ok()) {
    Check(status.code() == inet::StatusCode::kInvalidArgument ||
          status.code() == inet::StatusCode::kResourceExhausted ||
          status.code() == inet::StatusCode::kFailedPrecondition);
    Check(!status.message().empty());
  }

  // Nothing escaped: the base holds only the archive and the destination...
  for (const auto& entry : fs::directory_iterator(Base())) {
    const std::string name = entry.path().filename().string();
    Check(name == "archive.tar.gz" || name == "dest");
  }
  // ...and the destination only files and directories (no links, devices or fifos).
  std::error_code error;
  if (!fs::exists(dest)) return 0;
  for (auto it = fs::recursive_directory_iterator(dest, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::file_status type = it->symlink_status();
    Check(fs::is_regular_file(type) || fs::is_directory(type));
  }
  Check(!error);
  fs::remove_all(dest, error);
  Check(!error);
  return 0;
}
