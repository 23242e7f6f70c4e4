#include "archive/internal/dir_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace inet::archive::internal {

Status ErrnoStatus(int error, const std::string& what, const std::string& path) {
  std::string message = what + " " + path + ": " + std::strerror(error);
  switch (error) {
    case ENOENT:
      return NotFoundError(std::move(message));
    case EACCES:
    case EPERM:
      return PermissionDeniedError(std::move(message));
    case ENAMETOOLONG:
      return InvalidArgumentError(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

StatusOr<std::vector<DirEntry>> ListDirectory(const std::string& directory) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(directory.c_str()), closedir);
  if (dir == nullptr) {
    return ErrnoStatus(errno, "listing", directory);
  }
  std::vector<DirEntry> entries;
  while (true) {
    errno = 0;
    const dirent* item = readdir(dir.get());
    if (item == nullptr) {
      if (errno != 0) {
        return ErrnoStatus(errno, "listing", directory);
      }
      break;
    }
    const std::string_view name = item->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    struct stat info {};
    if (fstatat(dirfd(dir.get()), item->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {
        continue;  // removed since readdir
      }
      return ErrnoStatus(errno, "inspecting", directory + "/" + item->d_name);
    }
    DirEntry entry;
    entry.name = item->d_name;
    if (S_ISREG(info.st_mode)) {
      entry.kind = EntryKind::kFile;
    } else if (S_ISDIR(info.st_mode)) {
      entry.kind = EntryKind::kDirectory;
    }
    entry.size = info.st_size;
    entry.mode = info.st_mode;
    entry.mtime = info.st_mtim.tv_sec;
    entry.device = info.st_dev;
    entry.inode = info.st_ino;
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

}  // namespace inet::archive::internal
