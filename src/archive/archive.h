// Code snapshots: packing a working directory into a .tar.gz (honouring .gitignore and
// .inetignore, with a size limit) on the client, and unpacking one safely into a job's
// workspace on the executor. Our own ustar reader/writer over zlib: entries are plain files and
// directories only, and extraction never writes outside the destination (no absolute paths,
// no "..", no links).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace inet::archive {

// Ignore rules with gitignore semantics (patterns, `!` negation, trailing `/` for directories,
// leading `/` anchoring, `**`), read from every .gitignore and .inetignore under the root
// (deeper files apply to their subtree). `.git/` is always ignored.
class IgnoreRules {
 public:
  // Loads the rules found under `root`. kInvalidArgument if root is not a directory.
  static StatusOr<IgnoreRules> Load(const std::string& root);
  // `relative_path` uses '/' separators, relative to the root.
  bool Ignored(std::string_view relative_path, bool is_directory) const;

 private:
  struct Rule {
    std::string base;     // directory of the ignore file, relative to the root ("" = top)
    std::string pattern;  // without the leading '!' / trailing '/'
    bool negated = false;
    bool directory_only = false;
    bool anchored = false;
  };
  std::vector<Rule> rules_;
};

struct PackOptions {
  int64_t max_bytes = 512LL * 1024 * 1024;  // of uncompressed file contents
  // Called after each file with (files so far, bytes so far); may be empty.
  std::function<void(int64_t files, int64_t bytes)> progress;
};

struct PackResult {
  int64_t files = 0;
  int64_t bytes = 0;  // uncompressed
  int64_t compressed_bytes = 0;
};

// Writes a .tar.gz of `root` (files not ignored, paths relative to root) to `archive_path`.
// kResourceExhausted past max_bytes, naming the largest files and the .inetignore remedy.
StatusOr<PackResult> PackDirectory(const std::string& root, const std::string& archive_path,
                                   const PackOptions& options = {});

// Extracts `archive_path` into `destination` (created if missing). kInvalidArgument for a
// corrupt archive or an unsafe entry (absolute, "..", link, device); nothing is written
// outside `destination`. Executable bits are kept.
Status ExtractArchive(const std::string& archive_path, const std::string& destination);

// True when the first bytes look like a gzip'd tar ("\x1f\x8b"), for a quick upload check.
bool LooksLikeGzip(std::string_view first_bytes);

}  // namespace inet::archive
