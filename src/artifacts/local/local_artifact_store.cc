#include "artifacts/local/local_artifact_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "artifacts/file_uri.h"
#include "common/ids.h"

namespace inet::artifacts {
namespace {

constexpr std::string_view kReservedDir = ".inet";  // scratch space under the root
constexpr size_t kCopyBufferBytes = 1 << 20;
constexpr int kMaxPartNumber = 10000;  // S3's limit, kept so adapters agree

// Owns a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

Status ErrnoStatus(int err, std::string_view what) {
  std::string message = std::string(what) + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return NotFoundError(std::move(message));
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(std::move(message));
    case ELOOP:
    case ENAMETOOLONG:
      return InvalidArgumentError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

std::vector<std::string> SplitKey(std::string_view key) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    out.emplace_back(key.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// ValidateKey plus what a local file system adds: the reserved top-level ".inet" directory,
// and names of at most NAME_MAX bytes (an S3 key has no such limit per segment).
StatusOr<std::string> CheckKey(std::string_view key, bool allow_empty = false) {
  ASSIGN_OR_RETURN(std::string k, ValidateKey(key, allow_empty));
  if (k == kReservedDir || k.starts_with(std::string(kReservedDir) + "/")) {
    return InvalidArgumentError("artifact key '" + k + "' is reserved by the local store");
  }
  for (const std::string& segment : SplitKey(k)) {
    if (segment.size() > NAME_MAX) {
      return InvalidArgumentError("artifact path component '" + segment.substr(0, 32) + "...' is " +
                                  std::to_string(segment.size()) +
                                  " bytes; the local artifact store allows at most " +
                                  std::to_string(NAME_MAX) + " bytes per file or directory name");
    }
  }
  return k;
}

// Opens the directory reached from `dir_fd` through `segments`, never following a symlink.
// With `create`, missing directories are made (and their parents fsynced).
StatusOr<UniqueFd> OpenDir(int dir_fd, std::span<const std::string> segments, bool create) {
  UniqueFd current(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (current.get() < 0) return ErrnoStatus(errno, "dup");
  for (const std::string& segment : segments) {
    constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::openat(current.get(), segment.c_str(), kFlags);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(current.get(), segment.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "creating directory '" + segment + "'");
      }
      ::fsync(current.get());
      fd = ::openat(current.get(), segment.c_str(), kFlags);
    }
    if (fd < 0) {
      int err = errno;
      if (err == ELOOP || err == ENOTDIR) {
        // A symlink or a regular file where a directory is needed.
        return create ? FailedPreconditionError("'" + segment + "' is not a directory")
                      : NotFoundError("'" + segment + "' is not a directory");
      }
      return ErrnoStatus(err, "opening directory '" + segment + "'");
    }
    current = UniqueFd(fd);
  }
  return current;
}

StatusOr<UniqueFd> OpenParent(int root_fd, const std::vector<std::string>& segments, bool create) {
  return OpenDir(root_fd, std::span(segments).first(segments.size() - 1), create);
}

StatusOr<UniqueFd> OpenScratch(int root_fd, std::string_view name) {
  const std::vector<std::string> path = {std::string(kReservedDir), std::string(name)};
  return OpenDir(root_fd, path, /*create=*/true);
}

std::string Etag(const struct stat& st) {
  char buf[80];
  std::snprintf(
      buf, sizeof buf, "%llx-%llx-%llx", static_cast<unsigned long long>(st.st_ino),
      static_cast<unsigned long long>(st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec),
      static_cast<unsigned long long>(st.st_size));
  return buf;
}

int64_t MtimeMillis(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

Status WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "writing artifact");
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return OkStatus();
}

Status CopyToFd(ByteSource& source, int fd) {
  auto buf = std::make_unique<char[]>(kCopyBufferBytes);
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, source.Read(buf.get(), kCopyBufferBytes));
    if (n == 0) return OkStatus();
    RETURN_IF_ERROR(WriteAll(fd, buf.get(), n));
  }
}

// A uniquely named file in `dir_fd`, unlinked on destruction unless Keep() was called. It is
// flock'ed while it is open, so RemoveOrphanedTemps (at Open) tells the files of a writer that
// died (kill -9 mid-upload) from those being written.
class TempFile {
 public:
  static StatusOr<TempFile> Create(int dir_fd) {
    std::string name = "tmp-" + RandomHex(12);
    int fd = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus(errno, "creating temporary file");
    ::flock(fd, LOCK_EX);
    return TempFile(dir_fd, std::move(name), fd);
  }
  TempFile(TempFile&& other) noexcept
      : dir_fd_(other.dir_fd_),
        name_(std::move(other.name_)),
        fd_(std::move(other.fd_)),
        keep_(std::exchange(other.keep_, true)) {}
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!keep_) ::unlinkat(dir_fd_, name_.c_str(), 0);
  }
  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  // fsyncs the file; it stays on disk until renamed or destroyed (and locked until then).
  Status Finish() {
    if (::fsync(fd_.get()) != 0) return ErrnoStatus(errno, "fsync of artifact");
    return OkStatus();
  }
  void Keep() { keep_ = true; }

 private:
  TempFile(int dir_fd, std::string name, int fd)
      : dir_fd_(dir_fd), name_(std::move(name)), fd_(fd) {}
  int dir_fd_;
  std::string name_;
  UniqueFd fd_;
  bool keep_ = false;
};

// Moves `tmp` into place at `key`, retrying when a concurrent delete pruned the parent
// directory between the walk and the rename.
Status CommitTemp(int root_fd, int tmp_dir_fd, TempFile& tmp, const std::string& key) {
  std::vector<std::string> segments = SplitKey(key);
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(UniqueFd parent, OpenParent(root_fd, segments, /*create=*/true));
    if (::renameat(tmp_dir_fd, tmp.name().c_str(), parent.get(), segments.back().c_str()) == 0) {
      tmp.Keep();
      ::fsync(parent.get());
      return OkStatus();
    }
    int err = errno;
    if (err == ENOENT && attempt < 3) continue;
    if (err == EISDIR || err == ENOTEMPTY || err == EEXIST) {
      return FailedPreconditionError("a directory already exists at artifact key '" + key + "'");
    }
    return ErrnoStatus(err, "renaming artifact into place at '" + key + "'");
  }
}

// Removes every entry under `dir_fd` without following symlinks. `skip` names an entry kept.
Status RemoveTreeContents(int dir_fd, std::string_view skip = {}) {
  UniqueFd listing_fd(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (listing_fd.get() < 0) return ErrnoStatus(errno, "dup");
  DIR* dir = ::fdopendir(listing_fd.get());
  if (dir == nullptr) return ErrnoStatus(errno, "reading directory");
  listing_fd.Release();
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || (!skip.empty() && name == skip)) continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      int child = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) return ErrnoStatus(errno, "opening directory '" + name + "'");
      UniqueFd child_fd(child);
      RETURN_IF_ERROR(RemoveTreeContents(child_fd.get()));
      if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
        return ErrnoStatus(errno, "removing directory '" + name + "'");
      }
    } else if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return ErrnoStatus(errno, "removing '" + name + "'");
    }
  }
  ::fsync(dir_fd);
  return OkStatus();
}

// Removes empty directories on the way from `key`'s parent up to (not including) the root.
void PruneEmptyParents(int root_fd, const std::vector<std::string>& segments) {
  for (size_t depth = segments.size() - 1; depth > 0; --depth) {
    auto parent = OpenDir(root_fd, std::span(segments).first(depth - 1), /*create=*/false);
    if (!parent.ok()) return;
    if (::unlinkat(parent->get(), segments[depth - 1].c_str(), AT_REMOVEDIR) != 0) return;
    ::fsync(parent->get());
  }
}

// Streams [offset, offset + remaining) of an open file.
class FileByteSource : public ByteSource {
 public:
  FileByteSource(UniqueFd fd, int64_t offset, int64_t remaining)
      : fd_(std::move(fd)), offset_(offset), remaining_(remaining) {}
  StatusOr<size_t> Read(char* buf, size_t n) override {
    if (remaining_ == 0 || n == 0) return size_t{0};
    size_t want = static_cast<size_t>(std::min<int64_t>(remaining_, static_cast<int64_t>(n)));
    for (;;) {
      ssize_t r = ::pread(fd_.get(), buf, want, offset_);
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "reading artifact");
      }
      if (r == 0) return DataLossError("artifact file is shorter than its recorded size");
      offset_ += r;
      remaining_ -= r;
      return static_cast<size_t>(r);
    }
  }

 private:
  UniqueFd fd_;
  int64_t offset_;
  int64_t remaining_;
};

// Opens the regular file at `key` for reading; kNotFound for anything else.
StatusOr<std::pair<UniqueFd, struct stat>> OpenObject(int root_fd, const std::string& key) {
  std::vector<std::string> segments = SplitKey(key);
  auto parent = OpenParent(root_fd, segments, /*create=*/false);
  if (!parent.ok()) {
    if (parent.status().code() == StatusCode::kNotFound) {
      return NotFoundError("artifact '" + key + "' not found");
    }
    return parent.status();
  }
  int fd = ::openat(parent->get(), segments.back().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) {
      return NotFoundError("artifact '" + key + "' not found");
    }
    return ErrnoStatus(errno, "opening artifact '" + key + "'");
  }
  UniqueFd file(fd);
  struct stat st;
  if (::fstat(file.get(), &st) != 0) return ErrnoStatus(errno, "stat of artifact '" + key + "'");
  if (!S_ISREG(st.st_mode)) return NotFoundError("artifact '" + key + "' not found");
  return std::make_pair(std::move(file), st);
}

// Page tokens are the hex of the last key returned (opaque, URL-safe).
StatusOr<std::string> DecodePageToken(std::string_view token) {
  std::optional<std::string> key = HexDecode(token);
  if (!key) return InvalidArgumentError("invalid page token");
  return std::move(*key);
}

bool IsUploadId(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string PartName(int part_number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%05d", part_number);
  return buf;
}

// One listing entry: an object, or a "dir/" common prefix.
struct Entry {
  std::string key;
  bool is_prefix = false;
  ObjectInfo info;
};

// Appends every regular file under `dir_fd` (whose key prefix is `dir_key`, "" or ending in
// '/') to `out`. `name_prefix` filters the entries of this level only; symlinks are skipped.
Status CollectEntries(int dir_fd, const std::string& dir_key, std::string_view name_prefix,
                      bool recursive, bool at_root, std::vector<Entry>& out) {
  UniqueFd listing_fd(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (listing_fd.get() < 0) return ErrnoStatus(errno, "dup");
  DIR* dir = ::fdopendir(listing_fd.get());
  if (dir == nullptr) return ErrnoStatus(errno, "reading directory");
  listing_fd.Release();
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || (at_root && name == kReservedDir)) continue;
    if (!name.starts_with(name_prefix)) continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    std::string key = dir_key + name;
    if (S_ISREG(st.st_mode)) {
      out.push_back({key, false, {key, st.st_size, MtimeMillis(st), Etag(st)}});
    } else if (S_ISDIR(st.st_mode)) {
      if (!recursive) {
        out.push_back({key + "/", true, {}});
        continue;
      }
      int child = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) continue;  // raced with a delete, or a symlink swapped in
      UniqueFd child_fd(child);
      RETURN_IF_ERROR(CollectEntries(child_fd.get(), key + "/", "", true, false, out));
    }
  }
  return OkStatus();
}

// Removes the temporary files of writers that died mid-write (no one holds their lock) from
// <root>/.inet/tmp; files still being written by a live writer are locked and stay.
void RemoveOrphanedTemps(int root_fd) {
  const std::vector<std::string> path = {std::string(kReservedDir), "tmp"};
  auto tmp_dir = OpenDir(root_fd, path, /*create=*/false);
  if (!tmp_dir.ok()) return;
  UniqueFd listing_fd(::fcntl(tmp_dir->get(), F_DUPFD_CLOEXEC, 0));
  if (listing_fd.get() < 0) return;
  DIR* dir = ::fdopendir(listing_fd.get());
  if (dir == nullptr) return;
  listing_fd.Release();
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name.starts_with("tmp-")) names.emplace_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    int fd = ::openat(tmp_dir->get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    UniqueFd file(fd);
    if (::flock(file.get(), LOCK_EX | LOCK_NB) == 0) ::unlinkat(tmp_dir->get(), name.c_str(), 0);
  }
}

}  // namespace

StatusOr<std::unique_ptr<LocalArtifactStore>> LocalArtifactStore::Open(std::string_view root,
                                                                       Options options) {
  if (root.empty() || root.front() != '/') {
    return InvalidArgumentError("artifact root must be an absolute path: '" + std::string(root) +
                                "'");
  }
  std::string path(root);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (options.create_root) {
    // mkdir -p: each missing component in turn.
    for (size_t pos = 1; pos <= path.size(); ++pos) {
      if (pos != path.size() && path[pos] != '/') continue;
      std::string prefix = path.substr(0, pos);
      if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "creating artifact root '" + prefix + "'");
      }
    }
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOTDIR) {
      return InvalidArgumentError("artifact root '" + path + "' is not a directory");
    }
    return ErrnoStatus(errno, "opening artifact root '" + path + "'");
  }
  RemoveOrphanedTemps(fd);
  return std::unique_ptr<LocalArtifactStore>(new LocalArtifactStore(std::move(path), fd));
}

LocalArtifactStore::~LocalArtifactStore() { ::close(root_fd_); }

Status LocalArtifactStore::Put(std::string_view key_in, ByteSource& body, int64_t /*size*/) {
  ASSIGN_OR_RETURN(std::string key, CheckKey(key_in));
  ASSIGN_OR_RETURN(UniqueFd tmp_dir, OpenScratch(root_fd_, "tmp"));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(tmp_dir.get()));
  Status copied = CopyToFd(body, tmp.fd());
  if (!copied.ok()) return copied.WithContext("writing artifact '" + key + "'");
  RETURN_IF_ERROR(tmp.Finish());
  return CommitTemp(root_fd_, tmp_dir.get(), tmp, key);
}

StatusOr<std::unique_ptr<ByteSource>> LocalArtifactStore::Get(std::string_view key_in,
                                                              int64_t offset, int64_t length) {
  ASSIGN_OR_RETURN(std::string key, CheckKey(key_in));
  ASSIGN_OR_RETURN(auto opened, OpenObject(root_fd_, key));
  int64_t size = opened.second.st_size;
  if (offset < 0 || offset > size) {
    return InvalidArgumentError("range start " + std::to_string(offset) + " is outside artifact '" +
                                key + "' of " + std::to_string(size) + " bytes");
  }
  int64_t remaining = size - offset;
  if (length >= 0) remaining = std::min(remaining, length);
  return std::unique_ptr<ByteSource>(
      std::make_unique<FileByteSource>(std::move(opened.first), offset, remaining));
}

StatusOr<ObjectInfo> LocalArtifactStore::Head(std::string_view key_in) {
  ASSIGN_OR_RETURN(std::string key, CheckKey(key_in));
  ASSIGN_OR_RETURN(auto opened, OpenObject(root_fd_, key));
  const struct stat& st = opened.second;
  return ObjectInfo{key, st.st_size, MtimeMillis(st), Etag(st)};
}

StatusOr<ListResult> LocalArtifactStore::List(const ListOptions& options) {
  if (options.max_keys <= 0) return InvalidArgumentError("max_keys must be positive");
  // Split the prefix into the directory to read and a filter on names at that level:
  // "a/b/" -> ("a/b/", ""), "a/b" -> ("a/", "b").
  std::string prefix;
  if (!options.prefix.empty()) {
    ASSIGN_OR_RETURN(prefix, CheckKey(options.prefix));
    if (options.prefix.back() == '/') prefix += '/';
  }
  size_t slash = prefix.rfind('/');
  std::string dir_key = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);
  std::string name_prefix = prefix.substr(dir_key.size());
  std::string after;
  if (!options.page_token.empty()) {
    ASSIGN_OR_RETURN(after, DecodePageToken(options.page_token));
  }

  ListResult result;
  std::vector<std::string> dir_segments = SplitKey(dir_key);
  auto dir = OpenDir(root_fd_, dir_segments, /*create=*/false);
  if (!dir.ok()) {
    if (dir.status().code() == StatusCode::kNotFound) return result;
    return dir.status();
  }
  std::vector<Entry> entries;
  RETURN_IF_ERROR(CollectEntries(dir->get(), dir_key, name_prefix, !options.delimited,
                                 dir_key.empty(), entries));
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  auto it = entries.begin();
  if (!after.empty()) {
    it = std::upper_bound(entries.begin(), entries.end(), after,
                          [](const std::string& k, const Entry& e) { return k < e.key; });
  }
  int taken = 0;
  for (; it != entries.end() && taken < options.max_keys; ++it, ++taken) {
    if (it->is_prefix) {
      result.common_prefixes.push_back(it->key);
    } else {
      result.objects.push_back(std::move(it->info));
    }
  }
  if (it != entries.end()) result.next_page_token = HexEncode(std::prev(it)->key);
  return result;
}

Status LocalArtifactStore::Delete(std::string_view key_in) {
  ASSIGN_OR_RETURN(std::string key, CheckKey(key_in));
  std::vector<std::string> segments = SplitKey(key);
  auto parent = OpenParent(root_fd_, segments, /*create=*/false);
  if (!parent.ok()) {
    return parent.status().code() == StatusCode::kNotFound ? OkStatus() : parent.status();
  }
  struct stat st;
  if (::fstatat(parent->get(), segments.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? OkStatus() : ErrnoStatus(errno, "stat of artifact '" + key + "'");
  }
  if (S_ISDIR(st.st_mode)) return OkStatus();  // not an object; DeletePrefix removes trees
  if (::unlinkat(parent->get(), segments.back().c_str(), 0) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, "deleting artifact '" + key + "'");
  }
  ::fsync(parent->get());
  PruneEmptyParents(root_fd_, segments);
  return OkStatus();
}

Status LocalArtifactStore::DeletePrefix(std::string_view prefix_in) {
  ASSIGN_OR_RETURN(std::string prefix, CheckKey(prefix_in, /*allow_empty=*/true));
  if (prefix.empty()) return RemoveTreeContents(root_fd_, kReservedDir);
  std::vector<std::string> segments = SplitKey(prefix);
  auto parent = OpenParent(root_fd_, segments, /*create=*/false);
  if (!parent.ok()) {
    return parent.status().code() == StatusCode::kNotFound ? OkStatus() : parent.status();
  }
  int fd = ::openat(parent->get(), segments.back().c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return OkStatus();
    return ErrnoStatus(errno, "opening '" + prefix + "'");
  }
  UniqueFd dir(fd);
  RETURN_IF_ERROR(RemoveTreeContents(dir.get()).WithContext("deleting '" + prefix + "'"));
  if (::unlinkat(parent->get(), segments.back().c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT &&
      errno != ENOTEMPTY) {
    return ErrnoStatus(errno, "removing directory '" + prefix + "'");
  }
  ::fsync(parent->get());
  PruneEmptyParents(root_fd_, segments);
  return OkStatus();
}

namespace {

// Opens <root>/.inet/uploads/<id> after checking that the upload belongs to `key`.
StatusOr<UniqueFd> OpenUpload(int root_fd, const std::string& key, std::string_view upload_id) {
  Status no_such = NotFoundError("no multipart upload '" + std::string(upload_id) +
                                 "' for artifact '" + key + "'");
  if (!IsUploadId(upload_id)) return no_such;
  const std::vector<std::string> path = {std::string(kReservedDir), "uploads",
                                         std::string(upload_id)};
  auto dir = OpenDir(root_fd, path, /*create=*/false);
  if (!dir.ok()) return dir.status().code() == StatusCode::kNotFound ? no_such : dir.status();
  int fd = ::openat(dir->get(), "key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return no_such;
  UniqueFd key_file(fd);
  std::string stored(key.size() + 1, '\0');
  ssize_t n = ::pread(key_file.get(), stored.data(), stored.size(), 0);
  if (n != static_cast<ssize_t>(key.size()) || stored.compare(0, key.size(), key) != 0) {
    return no_such;
  }
  return std::move(*dir);
}

}  // namespace

StatusOr<std::string> LocalArtifactStore::CreateMultipartUpload(std::string_view key_in) {
  ASSIGN_OR_RETURN(std::string key, CheckKey(key_in));
  ASSIGN_OR_RETURN(UniqueFd uploads, OpenScratch(root_fd_, "uploads"));
  std::string upload_id = RandomHex(16);
  if (::mkdirat(uploads.get(), upload_id.c_str(), 0755) != 0) {
    return ErrnoStatus(errno, "creating multipart upload");
  }
  int fd =
      ::openat(uploads.get(), upload_id.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "opening multipart upload");
  UniqueFd dir(fd);
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(dir.get()));
  RETURN_IF_ERROR(WriteAll(tmp.fd(), key.data(), key.size()));
  RETURN_IF_ERROR(tmp.Finish());
  if (::renameat(dir.get(), tmp.name().c_str(), dir.get(), "key") != 0) {
    return ErrnoStatus(errno, "recording multipart upload");
  }
  tmp.Keep();
  ::fsync(dir.get());
  return upload_id;
}

StatusOr<std::string> LocalArtifactStore::UploadPart(std::string_view key_in,
                                                     std::string_view upload_id, int part_number,
                                                     ByteSource& body) {
  ASSIGN_OR_RETURN(std::string key, CheckKey(key_in));
  if (part_number < 1 || part_number > kMaxPartNumber) {
    return InvalidArgumentError("part number must be between 1 and 10000, got " +
                                std::to_string(part_number));
  }
  ASSIGN_OR_RETURN(UniqueFd dir, OpenUpload(root_fd_, key, upload_id));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(dir.get()));
  Status copied = CopyToFd(body, tmp.fd());
  if (!copied.ok()) return copied.WithContext("writing part " + std::to_string(part_number));
  struct stat st;
  if (::fstat(tmp.fd(), &st) != 0) return ErrnoStatus(errno, "stat of part");
  RETURN_IF_ERROR(tmp.Finish());
  std::string part = PartName(part_number);
  if (::renameat(dir.get(), tmp.name().c_str(), dir.get(), part.c_str()) != 0) {
    return ErrnoStatus(errno, "storing part " + std::to_string(part_number));
  }
  tmp.Keep();
  ::fsync(dir.get());
  // The rename keeps inode and mtime, so this matches what Complete will see.
  return Etag(st);
}

Status LocalArtifactStore::CompleteMultipartUpload(std::string_view key_in,
                                                   std::string_view upload_id,
                                                   const std::vector<CompletedPart>& parts) {
  ASSIGN_OR_RETURN(std::string key, CheckKey(key_in));
  if (parts.empty()) return InvalidArgumentError("a multipart upload needs at least one part");
  ASSIGN_OR_RETURN(UniqueFd dir, OpenUpload(root_fd_, key, upload_id));
  std::vector<UniqueFd> part_fds;
  for (size_t i = 0; i < parts.size(); ++i) {
    const CompletedPart& p = parts[i];
    if (i > 0 && p.part_number <= parts[i - 1].part_number) {
      return InvalidArgumentError("parts must be listed in ascending part-number order");
    }
    std::string name = PartName(p.part_number);
    int fd = ::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      return InvalidArgumentError("part " + std::to_string(p.part_number) + " was not uploaded");
    }
    UniqueFd part_fd(fd);
    struct stat st;
    if (::fstat(part_fd.get(), &st) != 0) return ErrnoStatus(errno, "stat of part");
    std::string_view etag = p.etag;
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    if (etag != Etag(st)) {
      return InvalidArgumentError("etag of part " + std::to_string(p.part_number) +
                                  " does not match the uploaded part");
    }
    part_fds.push_back(std::move(part_fd));
  }
  ASSIGN_OR_RETURN(UniqueFd tmp_dir, OpenScratch(root_fd_, "tmp"));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(tmp_dir.get()));
  auto buf = std::make_unique<char[]>(kCopyBufferBytes);
  for (const UniqueFd& part_fd : part_fds) {
    for (;;) {
      ssize_t n = ::read(part_fd.get(), buf.get(), kCopyBufferBytes);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "reading part");
      }
      if (n == 0) break;
      RETURN_IF_ERROR(WriteAll(tmp.fd(), buf.get(), static_cast<size_t>(n)));
    }
  }
  RETURN_IF_ERROR(tmp.Finish());
  RETURN_IF_ERROR(CommitTemp(root_fd_, tmp_dir.get(), tmp, key));
  return AbortMultipartUpload(key, upload_id);
}

Status LocalArtifactStore::AbortMultipartUpload(std::string_view key_in,
                                                std::string_view upload_id) {
  ASSIGN_OR_RETURN(std::string key, CheckKey(key_in));
  ASSIGN_OR_RETURN(UniqueFd dir, OpenUpload(root_fd_, key, upload_id));
  RETURN_IF_ERROR(RemoveTreeContents(dir.get()));
  const std::vector<std::string> uploads = {std::string(kReservedDir), "uploads"};
  ASSIGN_OR_RETURN(UniqueFd uploads_dir, OpenDir(root_fd_, uploads, /*create=*/false));
  std::string id(upload_id);
  if (::unlinkat(uploads_dir.get(), id.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, "removing multipart upload");
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<ArtifactStore>> OpenLocalArtifactStoreUri(std::string_view uri,
                                                                   bool create) {
  ASSIGN_OR_RETURN(std::string dir, FileUriPath(uri));
  if (dir.empty()) {
    return InvalidArgumentError("artifact URI '" + std::string(uri) + "' names no directory");
  }
  if (dir.front() != '/') {
    // A relative directory (e.g. "./mlartifacts") is relative to the working directory.
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
    if (ec) return InternalError("resolving '" + dir + "': " + ec.message());
    dir = absolute.lexically_normal().string();
  }
  ASSIGN_OR_RETURN(std::unique_ptr<LocalArtifactStore> store,
                   LocalArtifactStore::Open(dir, {.create_root = create}));
  return std::unique_ptr<ArtifactStore>(std::move(store));
}

}  // namespace inet::artifacts
