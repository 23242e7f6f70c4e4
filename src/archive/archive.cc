// PackDirectory / ExtractArchive: the directory walk and the extraction into a destination
// directory, over the tar format (internal/tar_format.h) and gzip streams
// (internal/gzip_stream.h).
#include "archive/archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "archive/internal/dir_listing.h"
#include "archive/internal/gzip_stream.h"
#include "archive/internal/tar_format.h"
#include "common/format.h"

namespace inet::archive {
namespace {

using internal::DirEntry;
using internal::EntryKind;
using internal::ErrnoStatus;
using internal::kBlockSize;
using internal::UniqueFd;

constexpr size_t kCopyChunk = size_t{64} * 1024;
// pax and GNU long-name data are held in memory: a real path is a few KiB at most.
constexpr int64_t kMaxMetadataBytes = int64_t{1024} * 1024;
// Longer entry names are refused (PATH_MAX): nothing legitimate needs them, and each component
// costs a directory open during extraction.
constexpr size_t kMaxPathBytes = 4096;
// How many of the largest files the size-limit message names.
constexpr size_t kLargestFilesNamed = 3;

// One entry PackDirectory will write.
struct PackEntry {
  std::string path;  // relative to root, '/'-separated
  bool directory = false;
  int64_t size = 0;
};

// Lists what PackDirectory writes, in archive order: depth first, siblings sorted by name, each
// directory right before its contents. Skips ignored paths, anything but regular files and
// directories, and the entry (device, inode) `skip`.
StatusOr<std::vector<PackEntry>> ScanTree(const std::string& root, const IgnoreRules& rules,
                                          std::optional<std::pair<dev_t, ino_t>> skip) {
  std::vector<PackEntry> entries;
  // A stack of entries still to emit; a directory's children are pushed when it is emitted,
  // in reverse so they pop in sorted order.
  std::vector<PackEntry> pending = {{"", true, 0}};
  while (!pending.empty()) {
    PackEntry entry = std::move(pending.back());
    pending.pop_back();
    if (!entry.directory) {
      entries.push_back(std::move(entry));
      continue;
    }
    const std::string directory = entry.path.empty() ? root : root + "/" + entry.path;
    StatusOr<std::vector<DirEntry>> listed = internal::ListDirectory(directory);
    if (!listed.ok()) {
      if (listed.status().code() != StatusCode::kPermissionDenied || entry.path.empty()) {
        return listed.status();
      }
      return PermissionDeniedError(listed.status().message() + "; add " + entry.path +
                                   "/ to .inetignore to leave it out");
    }
    const std::vector<DirEntry>& children = *listed;
    const size_t first_child = pending.size();
    for (const DirEntry& child : children) {
      if (child.kind == EntryKind::kOther) {
        continue;  // symlinks, sockets, fifos, devices
      }
      if (skip && skip->first == child.device && skip->second == child.inode) {
        continue;
      }
      std::string path = entry.path.empty() ? child.name : entry.path + "/" + child.name;
      const bool is_directory = child.kind == EntryKind::kDirectory;
      if (rules.Ignored(path, is_directory)) {
        continue;
      }
      pending.push_back({std::move(path), is_directory, is_directory ? 0 : child.size});
    }
    std::reverse(pending.begin() + static_cast<ptrdiff_t>(first_child), pending.end());
    if (!entry.path.empty()) {
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

Status SizeLimitError(const std::vector<PackEntry>& entries, int64_t max_bytes) {
  int64_t total = 0, files = 0;
  std::vector<const PackEntry*> largest;
  for (const PackEntry& entry : entries) {
    if (entry.directory) {
      continue;
    }
    total += entry.size;
    ++files;
    largest.push_back(&entry);
  }
  const size_t named = std::min(kLargestFilesNamed, largest.size());
  std::partial_sort(largest.begin(), largest.begin() + static_cast<ptrdiff_t>(named), largest.end(),
                    [](const PackEntry* a, const PackEntry* b) {
                      return a->size != b->size ? a->size > b->size : a->path < b->path;
                    });
  std::string message = "code snapshot exceeds " + FormatBytes(max_bytes) + " (" +
                        FormatBytes(total) + " in " + FormatCount(files) +
                        (files == 1 ? " file)" : " files)");
  if (named > 0) {
    message += named == 1 ? "; the largest file is " : "; the largest files are ";
    for (size_t i = 0; i < named; ++i) {
      if (i > 0) {
        message += ", ";
      }
      message += largest[i]->path + " (" + FormatBytes(largest[i]->size) + ")";
    }
  }
  message += "; add them to .inetignore or pass --max-snapshot-mb";
  return ResourceExhaustedError(std::move(message));
}

// Streams one file's contents into the archive. The header records the size fstat gives now;
// a file that shrinks meanwhile fails (its header would lie), one that grows is cut at it.
Status PackFile(const std::string& root, const std::string& path, internal::GzipFileWriter& writer,
                int64_t& bytes, int64_t max_bytes, std::vector<char>& buffer) {
  const std::string full = root + "/" + path;
  UniqueFd fd(open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    return ErrnoStatus(errno, "reading", full);
  }
  struct stat info {};
  if (fstat(fd.get(), &info) != 0) {
    return ErrnoStatus(errno, "inspecting", full);
  }
  if (!S_ISREG(info.st_mode)) {
    return AbortedError(full + " changed while being packed; try again");
  }
  const int64_t size = info.st_size;
  if (bytes + size > max_bytes) {
    return ResourceExhaustedError("code snapshot exceeds " + FormatBytes(max_bytes) +
                                  " (files grew while being packed); add large files to "
                                  ".inetignore or pass --max-snapshot-mb");
  }
  const uint32_t mode = (info.st_mode & S_IXUSR) ? 0755 : 0644;
  const int64_t mtime = info.st_mtim.tv_sec;  // EncodeHeader writes times before 1970 as 0
  RETURN_IF_ERROR(
      writer.Write(internal::EncodeHeader(path, internal::kTypeFile, size, mode, mtime)));
  int64_t remaining = size;
  while (remaining > 0) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(remaining, buffer.size()));
    const ssize_t n = read(fd.get(), buffer.data(), want);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ErrnoStatus(errno, "reading", full);
    }
    if (n == 0) {
      return AbortedError(full + " shrank while being packed; try again");
    }
    RETURN_IF_ERROR(writer.Write(std::string_view(buffer.data(), static_cast<size_t>(n))));
    remaining -= n;
  }
  RETURN_IF_ERROR(writer.Write(std::string(internal::PaddingAfter(size), '\0')));
  bytes += size;
  return OkStatus();
}

StatusOr<PackResult> WriteArchive(const std::string& root, const std::string& archive_path,
                                  const std::vector<PackEntry>& entries,
                                  const PackOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<internal::GzipFileWriter> writer,
                   internal::GzipFileWriter::Create(archive_path));
  PackResult result;
  std::vector<char> buffer(kCopyChunk);
  for (const PackEntry& entry : entries) {
    if (entry.directory) {
      struct stat info {};
      const std::string full = root + "/" + entry.path;
      if (lstat(full.c_str(), &info) != 0) {
        return ErrnoStatus(errno, "inspecting", full);
      }
      RETURN_IF_ERROR(writer->Write(internal::EncodeHeader(
          entry.path + "/", internal::kTypeDirectory, 0, 0755, info.st_mtim.tv_sec)));
      continue;
    }
    RETURN_IF_ERROR(PackFile(root, entry.path, *writer, result.bytes, options.max_bytes, buffer));
    ++result.files;
    if (options.progress) {
      options.progress(result.files, result.bytes);
    }
  }
  // End of archive: two zero blocks.
  RETURN_IF_ERROR(writer->Write(std::string(2 * kBlockSize, '\0')));
  RETURN_IF_ERROR(writer->Finish());
  result.compressed_bytes = writer->compressed_bytes();
  return result;
}

// ---- Extraction ----

// Splits an archive path into safe components: "." and empty components dropped (so "./a//b/"
// is "a/b"); an absolute path or a ".." component is refused.
StatusOr<std::vector<std::string>> SafeComponents(const std::string& name) {
  if (name.empty()) {
    return InvalidArgumentError("archive entry with an empty name");
  }
  if (name.size() > kMaxPathBytes) {
    return InvalidArgumentError("archive entry " + name.substr(0, 100) + "... has a path of " +
                                std::to_string(name.size()) + " bytes (the limit is 4096)");
  }
  if (name.front() == '/') {
    return InvalidArgumentError("archive entry " + name + " has an absolute path");
  }
  std::vector<std::string> components;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string::npos) {
      slash = name.size();
    }
    const std::string component = name.substr(start, slash - start);
    if (component == "..") {
      return InvalidArgumentError("archive entry " + name + " leaves the destination (\"..\")");
    }
    if (!component.empty() && component != ".") {
      components.push_back(component);
    }
    start = slash + 1;
  }
  return components;
}

std::string EntryTypeName(char type) {
  switch (type) {
    case '1':
      return "a hard link";
    case '2':
      return "a symbolic link";
    case '3':
      return "a character device";
    case '4':
      return "a block device";
    case '6':
      return "a fifo";
    case 'S':
      return "a sparse file";
    case 'D':
      return "a GNU dump directory";
    case 'M':
      return "a multi-volume continuation";
    case 'V':
      return "a volume label";
    default:
      if (type >= 0x20 && type < 0x7f) {
        return std::string("of unsupported type '") + type + "'";
      }
      return "of unsupported type " + std::to_string(static_cast<unsigned char>(type));
  }
}

// Unpacks entries read from `reader` below the directory open as `root`.
class Extractor {
 public:
  Extractor(internal::GzipFileReader& reader, int root, std::string destination,
            const ExtractOptions& options)
      : reader_(reader), root_(root), destination_(std::move(destination)), options_(options) {}

  Status Run() {
    std::string block(kBlockSize, '\0');
    internal::PaxOverrides pax;
    std::optional<std::string> long_name;
    while (true) {
      ASSIGN_OR_RETURN(const size_t got, reader_.ReadFull(block.data(), kBlockSize));
      if (got == 0) {
        break;  // no end marker, but the gzip data ended cleanly
      }
      if (got < kBlockSize) {
        return Truncated();
      }
      if (internal::IsZeroBlock(block)) {
        return Drain();
      }
      ASSIGN_OR_RETURN(const internal::TarHeader header, internal::DecodeHeader(block));
      switch (header.type) {
        case internal::kTypePaxEntry: {
          ASSIGN_OR_RETURN(const std::string data, ReadMetadata(header.size));
          RETURN_IF_ERROR(internal::ParsePaxRecords(data, pax));
          continue;
        }
        case internal::kTypePaxGlobal:
        case internal::kTypeGnuLongLink: {
          // Global defaults (comments, charset) and link targets do not matter here: the
          // link entry that follows a 'K' is refused anyway.
          ASSIGN_OR_RETURN(const std::string ignored, ReadMetadata(header.size));
          continue;
        }
        case internal::kTypeGnuLongName: {
          ASSIGN_OR_RETURN(std::string data, ReadMetadata(header.size));
          long_name = data.substr(0, data.find('\0'));
          continue;
        }
        default:
          break;
      }
      std::string name = pax.path ? *pax.path : long_name ? *long_name : header.name;
      const int64_t size = pax.size ? *pax.size : header.size;
      pax = {};
      long_name.reset();
      RETURN_IF_ERROR(Entry(header, name, size));
    }
    return OkStatus();
  }

 private:
  Status Truncated() const {
    return InvalidArgumentError("archive is truncated (ends inside an entry)");
  }

  // After the end marker: inflate the rest so a bad CRC still fails, discarding the padding.
  Status Drain() {
    std::vector<char> sink(kCopyChunk);
    while (true) {
      ASSIGN_OR_RETURN(const size_t got, reader_.Read(sink.data(), sink.size()));
      if (got == 0) {
        return OkStatus();
      }
      trailing_bytes_ += static_cast<int64_t>(got);
      if (trailing_bytes_ > options_.max_bytes) {
        return ResourceExhaustedError("archive has more than " + FormatBytes(options_.max_bytes) +
                                      " after its end marker");
      }
    }
  }

  StatusOr<std::string> ReadMetadata(int64_t size) {
    if (size > kMaxMetadataBytes) {
      return InvalidArgumentError("archive has an extended header of " + FormatBytes(size) +
                                  " (more than 1 MiB)");
    }
    std::string data(static_cast<size_t>(size), '\0');
    ASSIGN_OR_RETURN(const size_t got, reader_.ReadFull(data.data(), data.size()));
    if (got < data.size()) {
      return Truncated();
    }
    RETURN_IF_ERROR(Skip(internal::PaddingAfter(size)));
    return data;
  }

  Status Skip(int64_t n) {
    char buf[kBlockSize];
    while (n > 0) {
      const size_t want = static_cast<size_t>(std::min<int64_t>(n, sizeof(buf)));
      ASSIGN_OR_RETURN(const size_t got, reader_.ReadFull(buf, want));
      if (got < want) {
        return Truncated();
      }
      n -= static_cast<int64_t>(got);
    }
    return OkStatus();
  }

  Status Entry(const internal::TarHeader& header, const std::string& name, int64_t size) {
    bool directory = header.type == internal::kTypeDirectory;
    const bool file = header.type == internal::kTypeFile || header.type == internal::kTypeFileOld ||
                      header.type == internal::kTypeContiguous;
    if (!directory && !file) {
      return InvalidArgumentError("archive entry " + (name.empty() ? "(no name)" : name) + " is " +
                                  EntryTypeName(header.type) +
                                  "; only regular files and directories are allowed");
    }
    // Pre-POSIX archives mark directories with a trailing '/' on a regular entry.
    if (file && header.type == internal::kTypeFileOld && !name.empty() && name.back() == '/') {
      directory = true;
    }
    ASSIGN_OR_RETURN(std::vector<std::string> components, SafeComponents(name));
    if (size > options_.max_bytes - total_bytes_) {
      return ResourceExhaustedError("archive unpacks to more than " +
                                    FormatBytes(options_.max_bytes));
    }
    total_bytes_ += size;
    if (++entries_ > options_.max_entries) {
      return ResourceExhaustedError("archive has more than " + FormatCount(options_.max_entries) +
                                    " entries");
    }
    if (directory) {
      // A directory's data, if any, means nothing; skip it.
      RETURN_IF_ERROR(Skip(size + internal::PaddingAfter(size)));
      if (components.empty()) {
        return OkStatus();  // "./": the destination itself
      }
      ASSIGN_OR_RETURN(UniqueFd fd, OpenDirectories(components, components.size()));
      return OkStatus();
    }
    if (components.empty()) {
      return InvalidArgumentError("archive entry " + name + " names no file");
    }
    ASSIGN_OR_RETURN(UniqueFd parent, OpenDirectories(components, components.size() - 1));
    ASSIGN_OR_RETURN(UniqueFd out, CreateFile(parent.get(), components));
    const std::string path = DestinationPath(components, components.size());
    std::vector<char>& buffer = buffer_;
    int64_t remaining = size;
    while (remaining > 0) {
      const size_t want = static_cast<size_t>(std::min<int64_t>(remaining, buffer.size()));
      ASSIGN_OR_RETURN(const size_t got, reader_.ReadFull(buffer.data(), want));
      if (got < want) {
        return Truncated();
      }
      RETURN_IF_ERROR(internal::WriteAll(out.get(), std::string_view(buffer.data(), got), path));
      remaining -= static_cast<int64_t>(got);
    }
    RETURN_IF_ERROR(Skip(internal::PaddingAfter(size)));
    const mode_t mode = (header.mode & 0111) ? 0755 : 0644;
    if (fchmod(out.get(), mode) != 0) {
      return ErrnoStatus(errno, "setting the mode of", path);
    }
    // Clamped to what an octal field holds: absurd base-256 times would make futimens fail.
    const time_t mtime = std::min(header.mtime, internal::kMaxOctal11);
    const timespec times[2] = {{mtime, 0}, {mtime, 0}};
    if (futimens(out.get(), times) != 0) {
      return ErrnoStatus(errno, "setting the time of", path);
    }
    const int fd = out.release();
    if (close(fd) != 0) {
      return ErrnoStatus(errno, "writing", path);
    }
    return OkStatus();
  }

  std::string DestinationPath(const std::vector<std::string>& components, size_t count) const {
    std::string path = destination_;
    for (size_t i = 0; i < count; ++i) {
      path += "/" + components[i];
    }
    return path;
  }

  // Opens (creating as needed) the directory made of the first `count` components, never
  // following a symlink: O_NOFOLLOW on every step, so a link planted in the destination
  // cannot redirect the walk outside it.
  StatusOr<UniqueFd> OpenDirectories(const std::vector<std::string>& components, size_t count) {
    UniqueFd current(dup(root_));
    if (!current.valid()) {
      return ErrnoStatus(errno, "opening", destination_);
    }
    for (size_t i = 0; i < count; ++i) {
      const char* component = components[i].c_str();
      const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
      int fd = openat(current.get(), component, flags);
      if (fd < 0 && errno == ENOENT) {
        if (mkdirat(current.get(), component, 0755) != 0 && errno != EEXIST) {
          return ErrnoStatus(errno, "creating", DestinationPath(components, i + 1));
        }
        fd = openat(current.get(), component, flags);
      }
      if (fd < 0) {
        if (errno == ELOOP || errno == ENOTDIR) {
          return FailedPreconditionError(DestinationPath(components, i + 1) +
                                         " exists and is not a directory (a file or a symlink); "
                                         "extract into an empty directory");
        }
        return ErrnoStatus(errno, "opening", DestinationPath(components, i + 1));
      }
      current = UniqueFd(fd);
    }
    return current;
  }

  // Creates the entry's file in `parent`. An existing regular file (an archive listing the same
  // path twice) is replaced, as tar does; a symlink or anything else there is refused.
  StatusOr<UniqueFd> CreateFile(int parent, const std::vector<std::string>& components) {
    const std::string& name = components.back();
    const std::string path = DestinationPath(components, components.size());
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const int fd = openat(parent, name.c_str(), flags, 0600);
      if (fd >= 0) {
        return UniqueFd(fd);
      }
      if (errno != EEXIST) {
        return ErrnoStatus(errno, "creating", path);
      }
      struct stat info {};
      if (fstatat(parent, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
        return ErrnoStatus(errno, "inspecting", path);
      }
      if (!S_ISREG(info.st_mode)) {
        return FailedPreconditionError(path +
                                       " exists and is not a regular file (a directory "
                                       "or a symlink); extract into an empty directory");
      }
      if (unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT) {
        return ErrnoStatus(errno, "replacing", path);
      }
    }
    return FailedPreconditionError(path + " keeps reappearing while being extracted");
  }

  internal::GzipFileReader& reader_;
  const int root_;
  const std::string destination_;
  const ExtractOptions& options_;
  int64_t entries_ = 0;
  int64_t total_bytes_ = 0;
  int64_t trailing_bytes_ = 0;
  std::vector<char> buffer_ = std::vector<char>(kCopyChunk);
};

}  // namespace

StatusOr<PackResult> PackDirectory(const std::string& root, const std::string& archive_path,
                                   const PackOptions& options) {
  ASSIGN_OR_RETURN(const IgnoreRules rules, IgnoreRules::Load(root));
  // Never pack the archive into itself when it is written under root.
  std::optional<std::pair<dev_t, ino_t>> skip;
  struct stat info {};
  if (stat(archive_path.c_str(), &info) == 0) {
    skip.emplace(info.st_dev, info.st_ino);
  }
  StatusOr<std::vector<PackEntry>> scanned = ScanTree(root, rules, skip);
  if (!scanned.ok()) {
    return scanned.status().WithContext("packing " + root);
  }
  const std::vector<PackEntry>& entries = *scanned;
  int64_t total = 0;
  for (const PackEntry& entry : entries) {
    total += entry.size;
  }
  if (total > options.max_bytes) {
    return SizeLimitError(entries, options.max_bytes);
  }
  StatusOr<PackResult> result = WriteArchive(root, archive_path, entries, options);
  if (!result.ok()) {
    unlink(archive_path.c_str());
    return result.status().WithContext("packing " + root);
  }
  return result;
}

Status ExtractArchive(const std::string& archive_path, const std::string& destination,
                      const ExtractOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<internal::GzipFileReader> reader,
                   internal::GzipFileReader::Open(archive_path));
  std::error_code error;
  std::filesystem::create_directories(destination, error);
  if (error) {
    if (error.value() == EEXIST || error.value() == ENOTDIR) {
      return FailedPreconditionError("destination " + destination + " is not a directory");
    }
    return ErrnoStatus(error.value(), "creating", destination);
  }
  UniqueFd root(open(destination.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    return ErrnoStatus(errno, "opening", destination);
  }
  Extractor extractor(*reader, root.get(), destination, options);
  Status status = extractor.Run();
  if (!status.ok()) {
    return status.WithContext("extracting " + archive_path);
  }
  return OkStatus();
}

bool LooksLikeGzip(std::string_view first_bytes) {
  return first_bytes.size() >= 2 && static_cast<unsigned char>(first_bytes[0]) == 0x1f &&
         static_cast<unsigned char>(first_bytes[1]) == 0x8b &&
         (first_bytes.size() < 3 || first_bytes[2] == 8);  // 8: deflate, the only method
}

}  // namespace inet::archive
