#include "exec/local/landlock.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <set>

#include "exec/local/os.h"

// The uapi header of Debian 12 stops at ABI 2: the constants come from the kernel's
// include/uapi/linux/landlock.h, declared here so the build needs no newer headers.
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

namespace inet::exec::local {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;

constexpr uint64_t kExecute = 1ULL << 0;
constexpr uint64_t kWriteFile = 1ULL << 1;
constexpr uint64_t kReadFile = 1ULL << 2;
constexpr uint64_t kReadDir = 1ULL << 3;
constexpr uint64_t kTruncate = 1ULL << 14;  // ABI 3
constexpr uint64_t kIoctlDev = 1ULL << 15;  // ABI 5
// The rights that apply to a file (not a directory) in a path-beneath rule.
constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

constexpr uint64_t kScopeAbstractUnixSocket = 1ULL << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ULL << 1;              // ABI 6

struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};

// Every file-system right the kernel's ABI knows.
uint64_t HandledRights(int abi) {
  uint64_t rights = (1ULL << 13) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
  if (abi >= 2) rights |= 1ULL << 13;  // REFER
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

bool IsWithin(const fs::path& path, const fs::path& dir) {
  auto [dir_end, path_it] = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
  return dir_end == dir.end();
}

class Ruleset {
 public:
  Ruleset(int fd, uint64_t rights) : fd_(fd), rights_(rights) {}

  // Grants `rights` (masked to what a file may hold when `path` is not a directory) beneath
  // `path`. A path that vanished meanwhile is skipped.
  Status Allow(const fs::path& path, uint64_t rights) {
    int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == EACCES || errno == ELOOP) return OkStatus();
      return InternalError("landlock: opening " + path.string() + ": " + ErrnoText(errno));
    }
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      close(fd);
      return OkStatus();
    }
    PathBeneathAttr attr{rights & rights_ & (S_ISDIR(st.st_mode) ? ~0ULL : kFileRights), fd};
    long rc = attr.allowed_access == 0
                  ? 0
                  : syscall(SYS_landlock_add_rule, fd_, kRulePathBeneath, &attr, 0U);
    int err = errno;
    close(fd);
    if (rc != 0) return InternalError("landlock: adding " + path.string() + ": " + ErrnoText(err));
    return OkStatus();
  }

 private:
  int fd_;
  uint64_t rights_;
};

}  // namespace

int LandlockAbi() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

StatusOr<int> BuildLandlockRuleset(const std::vector<std::string>& hidden,
                                   const std::vector<std::string>& allowed) {
  const int abi = LandlockAbi();
  if (abi == 0) return FailedPreconditionError("this kernel offers no Landlock");
  const uint64_t rights = HandledRights(abi);
  RulesetAttr attr{rights, 0, abi >= 6 ? kScopeAbstractUnixSocket | kScopeSignal : 0};
  const size_t attr_size = abi >= 6 ? sizeof(RulesetAttr) : sizeof(uint64_t);
  long fd = syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0U);
  if (fd < 0) return InternalError("landlock: creating a ruleset: " + ErrnoText(errno));
  const int ruleset_fd = static_cast<int>(fd);
  auto fail = [&](Status status) -> StatusOr<int> {
    close(ruleset_fd);
    return status;
  };

  std::vector<fs::path> hidden_paths;
  for (const auto& h : hidden) {
    std::error_code ec;
    fs::path resolved = fs::weakly_canonical(h, ec);
    if (ec || resolved.empty() || resolved == "/") {
      return fail(InvalidArgumentError("landlock: cannot hide '" + h + "'"));
    }
    hidden_paths.push_back(resolved);
  }
  auto is_hidden = [&](const fs::path& p) {
    for (const auto& h : hidden_paths) {
      if (IsWithin(p, h)) return true;
    }
    return false;
  };
  // True when `p` is a strict ancestor of some hidden path: only its other entries are granted.
  auto is_ancestor = [&](const fs::path& p) {
    for (const auto& h : hidden_paths) {
      if (p != h && IsWithin(h, p)) return true;
    }
    return false;
  };

  Ruleset ruleset(ruleset_fd, rights);
  // Listing "/" (and so every directory) reveals names only; reading or writing stays denied.
  if (Status s = ruleset.Allow("/", kReadDir); !s.ok()) return fail(s);
  // Walk down from "/" through the ancestors of the hidden paths, granting their other entries.
  std::set<fs::path> pending{"/"};
  std::set<fs::path> done;
  while (!pending.empty()) {
    fs::path dir = *pending.begin();
    pending.erase(pending.begin());
    if (!done.insert(dir).second) continue;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) continue;  // unreadable: its entries stay denied
    while (dirent* entry = readdir(d)) {
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      fs::path child = dir / entry->d_name;
      if (is_hidden(child)) continue;
      if (is_ancestor(child)) {
        pending.insert(child);
        continue;
      }
      std::error_code ec;
      fs::path target = fs::is_symlink(child, ec) ? fs::weakly_canonical(child, ec) : child;
      if (ec || is_hidden(target) || is_ancestor(target)) continue;
      if (Status s = ruleset.Allow(child, rights); !s.ok()) {
        closedir(d);
        return fail(s);
      }
    }
    closedir(d);
  }
  for (const auto& a : allowed) {
    if (Status s = ruleset.Allow(a, rights); !s.ok()) return fail(s);
  }
  return ruleset_fd;
}

int EnforceLandlockRuleset(int ruleset_fd) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return static_cast<int>(syscall(SYS_landlock_restrict_self, ruleset_fd, 0U));
}

}  // namespace inet::exec::local
