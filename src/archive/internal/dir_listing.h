// The file-system primitives the archive code shares: listing one directory without following
// symlinks, reading a small file, and turning errno into a Status with the path as context.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace inet::archive::internal {

enum class EntryKind { kFile, kDirectory, kOther };  // kOther: symlink, socket, fifo, device

struct DirEntry {
  std::string name;  // one component
  EntryKind kind = EntryKind::kOther;
  int64_t size = 0;
  mode_t mode = 0;
  int64_t mtime = 0;  // seconds since the epoch
  dev_t device = 0;
  ino_t inode = 0;
};

// The entries of `directory` except "." and "..", sorted by name (byte-wise), each described
// by lstat (a symlink is kOther whatever it points to).
StatusOr<std::vector<DirEntry>> ListDirectory(const std::string& directory);

// A Status for a failed system call: kNotFound (ENOENT), kPermissionDenied (EACCES, EPERM),
// kResourceExhausted (ENOSPC, EDQUOT), kInvalidArgument (ENAMETOOLONG), kInternal otherwise;
// message "<what> <path>: <strerror>".
Status ErrnoStatus(int error, const std::string& what, const std::string& path);

}  // namespace inet::archive::internal
