// SQLite leases: an exclusive flock on "<database>.lease-<name>". The kernel releases it when
// its descriptor closes, so a process that dies (kill -9 included) leaves no lease behind; the
// descriptor is close-on-exec so no job or supervisor inherits it.
#include "store/sqlite/sqlite_lease_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <utility>

namespace inet::store::sqlite {
namespace {

class FileLease : public Lease {
 public:
  FileLease(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~FileLease() override { ::close(fd_); }  // closing the descriptor drops the flock
  FileLease(const FileLease&) = delete;
  FileLease& operator=(const FileLease&) = delete;

  // The lock guards the file it was taken on: if that file was removed or replaced, another
  // process can lock the new one, so the lease counts as lost.
  Status Check() override {
    struct stat held {};
    struct stat named {};
    if (::fstat(fd_, &held) != 0 || ::stat(path_.c_str(), &named) != 0 ||
        held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
      return UnavailableError("the lease file '" + path_ + "' was removed or replaced");
    }
    return OkStatus();
  }

 private:
  std::string path_;
  int fd_;
};

// For an in-memory database, which only its own MetadataStore can open.
class MemoryLease : public Lease {
 public:
  MemoryLease(std::mutex& mu, std::set<std::string>& held, std::string name)
      : mu_(mu), held_(held), name_(std::move(name)) {}
  ~MemoryLease() override {
    std::lock_guard lock(mu_);
    held_.erase(name_);
  }
  Status Check() override { return OkStatus(); }

 private:
  std::mutex& mu_;
  std::set<std::string>& held_;
  std::string name_;
};

class SqliteLeaseStore : public LeaseStore {
 public:
  explicit SqliteLeaseStore(std::string path) : path_(std::move(path)) {}

  StatusOr<std::unique_ptr<Lease>> TryAcquire(std::string_view name) override {
    if (!IsValidLeaseName(name)) {
      return InvalidArgumentError("invalid lease name '" + std::string(name) + "'");
    }
    if (path_ == ":memory:") {
      std::lock_guard lock(mu_);
      if (!held_.insert(std::string(name)).second) return std::unique_ptr<Lease>();
      return std::unique_ptr<Lease>(std::make_unique<MemoryLease>(mu_, held_, std::string(name)));
    }
    const std::string file = path_ + ".lease-" + std::string(name);
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      return UnavailableError("opening the lease file '" + file + "': " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      if (error == EWOULDBLOCK) return std::unique_ptr<Lease>();
      return UnavailableError("locking the lease file '" + file + "': " + std::strerror(error));
    }
    auto lease = std::make_unique<FileLease>(file, fd);
    // Another process may have replaced the file between our open and our lock.
    if (!lease->Check().ok()) return std::unique_ptr<Lease>();
    return std::unique_ptr<Lease>(std::move(lease));
  }

 private:
  const std::string path_;
  std::mutex mu_;
  std::set<std::string> held_;  // in-memory databases only
};

}  // namespace

std::unique_ptr<LeaseStore> NewSqliteLeaseStore(std::string path) {
  return std::make_unique<SqliteLeaseStore>(std::move(path));
}

}  // namespace inet::store::sqlite
