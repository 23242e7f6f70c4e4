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
// (deeper files apply to their subtree; in one directory .inetignore is read after .gitignore,
// so it can override). An excluded directory excludes everything below it, as in git. Anything
// named `.git` is always ignored. Lines longer than 4096 bytes are skipped. Symlinked ignore files
// are not followed (as git). Copyable; const methods are safe to call from several threads.
class IgnoreRules {
 public:
  // Loads the rules found under `root` (not descending into ignored directories or symlinks).
  // kInvalidArgument if root is not a directory or an ignore file exceeds 4 MiB; an unreadable
  // directory or ignore file keeps its cause (kPermissionDenied, kInternal).
  static StatusOr<IgnoreRules> Load(const std::string& root);
  // True when `relative_path` ('/'-separated, relative to the root, no leading "./") is
  // excluded: a component is `.git`, a parent directory is excluded, or the last rule that
  // matches it is not a negation. `is_directory` decides whether directory-only rules apply.
  bool Ignored(std::string_view relative_path, bool is_directory) const;

 private:
  struct Rule {
    std::string base;     // directory of the ignore file, relative to the root ("" = top)
    std::string pattern;  // without the leading '!' / trailing '/'
    bool negated = false;
    bool directory_only = false;
    bool anchored = false;
  };
  // The rules of one ignore file found in directory `base`.
  static std::vector<Rule> ParseFile(std::string_view content, const std::string& base);

  std::vector<Rule> rules_;  // shallowest ignore files first; the last matching rule wins
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
// Entries: the directories and regular files under root, depth first with siblings in byte-wise
// name order, each directory right before its contents; modes normalised to 0755/0644 from the
// owner's executable bit, mtimes kept, owner 0:0. Symlinks (to files or directories), sockets,
// fifos and devices are skipped, as is `archive_path` itself when it lies under root. The size
// is checked before anything is written: kResourceExhausted past max_bytes, naming the largest
// files and the .inetignore remedy. File contents stream through zlib (memory grows with the
// number of entries, not their size). kInvalidArgument if root is not a directory; kAborted if a
// file shrinks while being packed; I/O errors keep their cause (kPermissionDenied,
// kResourceExhausted for a full disk, kInternal). A partial archive is removed on error.
StatusOr<PackResult> PackDirectory(const std::string& root, const std::string& archive_path,
                                   const PackOptions& options = {});

// Bounds on what one archive may unpack to, so a gzip bomb cannot fill the disk.
struct ExtractOptions {
  int64_t max_bytes = 16LL * 1024 * 1024 * 1024;  // total of the entries' declared sizes
  int64_t max_entries = 1'000'000;                // files + directories
};

// Extracts `archive_path` into `destination` (created if missing). kInvalidArgument for a
// corrupt or truncated archive or an unsafe entry (absolute, "..", empty name, link, device,
// fifo); kResourceExhausted past `options`' bounds; kFailedPrecondition when a path in the
// destination is in the way (a symlink or directory where a file goes, a file where a directory
// goes); kNotFound when the archive does not exist. Nothing is written outside `destination`:
// existing symlinks inside it are never followed. On error the entries already written stay
// (callers extract into a fresh directory and remove it). Modes are normalised to 0755 (any
// executable bit in the entry) or 0644, directories 0755; file mtimes are kept.
Status ExtractArchive(const std::string& archive_path, const std::string& destination,
                      const ExtractOptions& options = {});

// True when the first bytes look like a gzip'd tar ("\x1f\x8b"), for a quick upload check.
bool LooksLikeGzip(std::string_view first_bytes);

}  // namespace inet::archive
