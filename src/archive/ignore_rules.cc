// IgnoreRules: parsing gitignore lines and evaluating them the way git does (last matching
// rule wins, deeper ignore files after shallower ones, an excluded directory hides everything
// below it).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/archive.h"
#include "archive/internal/dir_listing.h"
#include "archive/internal/wildmatch.h"

namespace inet::archive {
namespace {

// Ignore files are read in this order in each directory, so .inetignore can override.
constexpr std::string_view kIgnoreFiles[] = {".gitignore", ".inetignore"};
constexpr size_t kMaxPatternBytes = 4096;  // PATH_MAX
// Larger ignore files are a mistake (a data file named .gitignore); refuse rather than parse.
constexpr size_t kMaxIgnoreFileBytes = size_t{4} * 1024 * 1024;

// Reads a small file, refusing to follow a symlink (as git does for .gitignore).
// nullopt when the file does not exist or is a symlink.
StatusOr<std::optional<std::string>> ReadIgnoreFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ELOOP) {
      return std::optional<std::string>();
    }
    return internal::ErrnoStatus(errno, "reading", path);
  }
  std::string content;
  char buf[16384];
  Status status;
  while (true) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      status = internal::ErrnoStatus(errno, "reading", path);
      break;
    }
    if (n == 0) {
      break;
    }
    content.append(buf, static_cast<size_t>(n));
    if (content.size() > kMaxIgnoreFileBytes) {
      status = InvalidArgumentError("ignore file " + path + " is larger than 4 MiB");
      break;
    }
  }
  close(fd);
  if (!status.ok()) {
    return status;
  }
  return std::optional<std::string>(std::move(content));
}

std::string_view Basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string Join(const std::string& base, std::string_view name) {
  return base.empty() ? std::string(name) : base + "/" + std::string(name);
}

}  // namespace

// Parses gitignore lines (see gitignore(5)): blank lines and '#' comments match nothing,
// unescaped trailing spaces are dropped, '!' negates, a trailing '/' restricts to directories,
// and a '/' at the start or in the middle anchors the pattern to the ignore file's directory.
// Escapes ("\#", "\!", "\ ") stay in the pattern for WildMatch to unescape.
std::vector<IgnoreRules::Rule> IgnoreRules::ParseFile(std::string_view content,
                                                      const std::string& base) {
  std::vector<Rule> rules;
  while (!content.empty()) {
    const size_t newline = content.find('\n');
    std::string_view line = content.substr(0, newline);
    content = newline == std::string_view::npos ? std::string_view() : content.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    // A pattern longer than any path cannot be meant; skipping it keeps matching cheap.
    if (line.empty() || line.front() == '#' || line.size() > kMaxPatternBytes) {
      continue;
    }
    while (!line.empty() && line.back() == ' ') {
      // A space preceded by an odd number of backslashes is escaped and kept.
      size_t backslashes = 0;
      while (backslashes + 1 < line.size() && line[line.size() - 2 - backslashes] == '\\') {
        ++backslashes;
      }
      if (backslashes % 2 == 1) {
        break;
      }
      line.remove_suffix(1);
    }
    Rule rule;
    rule.base = base;
    if (!line.empty() && line.front() == '!') {
      rule.negated = true;
      line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
      rule.directory_only = true;
      line.remove_suffix(1);
    }
    if (line.find('/') != std::string_view::npos) {
      rule.anchored = true;
      if (line.front() == '/') {
        line.remove_prefix(1);
      }
    }
    if (line.empty()) {
      continue;
    }
    rule.pattern = std::string(line);
    rules.push_back(std::move(rule));
  }
  return rules;
}

StatusOr<IgnoreRules> IgnoreRules::Load(const std::string& root) {
  {
    const int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return InvalidArgumentError("code directory " + root + " is not a directory");
    }
    close(fd);
  }
  IgnoreRules rules;
  // Depth-first, each directory's files before its subdirectories': the rules that apply to a
  // path then appear shallowest first, so "last match wins" gives deeper files precedence.
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    const std::string relative = std::move(pending.back());
    pending.pop_back();
    std::string directory = root;
    if (!relative.empty()) {
      directory.append("/").append(relative);
    }
    for (const std::string_view file : kIgnoreFiles) {
      std::string path = directory;
      path.append("/").append(file);
      ASSIGN_OR_RETURN(std::optional<std::string> content, ReadIgnoreFile(path));
      if (!content) {
        continue;
      }
      for (Rule& rule : ParseFile(*content, relative)) {
        rules.rules_.push_back(std::move(rule));
      }
    }
    ASSIGN_OR_RETURN(std::vector<internal::DirEntry> entries, internal::ListDirectory(directory));
    // Reverse so the stack pops subdirectories in sorted order (only for readable traces:
    // siblings' rules never apply to each other).
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (it->kind != internal::EntryKind::kDirectory) {
        continue;
      }
      std::string child = Join(relative, it->name);
      if (rules.Ignored(child, /*is_directory=*/true)) {
        continue;
      }
      pending.push_back(std::move(child));
    }
  }
  return rules;
}

bool IgnoreRules::Ignored(std::string_view relative_path, bool is_directory) const {
  if (relative_path.empty()) {
    return false;
  }
  // Returns whether the last rule matching `path` (a file or a directory) excludes it.
  const auto excluded = [this](std::string_view path, bool directory) {
    for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
      const Rule& rule = *it;
      if (rule.directory_only && !directory) {
        continue;
      }
      std::string_view subject = path;
      if (!rule.base.empty()) {
        if (subject.size() <= rule.base.size() || !subject.starts_with(rule.base) ||
            subject[rule.base.size()] != '/') {
          continue;
        }
        subject.remove_prefix(rule.base.size() + 1);
      }
      if (!rule.anchored) {
        subject = Basename(subject);
      }
      if (internal::WildMatch(rule.pattern, subject)) {
        return !rule.negated;
      }
    }
    return false;
  };
  // Each ancestor first: git never looks inside an excluded directory, so nothing below one
  // can be re-included.
  size_t start = 0;
  while (true) {
    const size_t slash = relative_path.find('/', start);
    const std::string_view component =
        relative_path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (component == ".git") {
      return true;
    }
    if (slash == std::string_view::npos) {
      break;
    }
    if (excluded(relative_path.substr(0, slash), true)) {
      return true;
    }
    start = slash + 1;
  }
  return excluded(relative_path, is_directory);
}

}  // namespace inet::archive
