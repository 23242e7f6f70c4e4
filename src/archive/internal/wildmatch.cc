#include "archive/internal/wildmatch.h"

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace inet::archive::internal {
namespace {

// POSIX character classes ("[[:digit:]]"), as git's wildmatch supports them.
bool IsClassMember(std::string_view name, unsigned char c) {
  // Lambdas: the standard library's functions may not have their address taken.
  static constexpr struct {
    std::string_view name;
    int (*test)(int);
  } kClasses[] = {
      {"alnum", [](int x) { return std::isalnum(x); }},
      {"alpha", [](int x) { return std::isalpha(x); }},
      {"blank", [](int x) { return static_cast<int>(x == ' ' || x == '\t'); }},
      {"cntrl", [](int x) { return std::iscntrl(x); }},
      {"digit", [](int x) { return std::isdigit(x); }},
      {"graph", [](int x) { return std::isgraph(x); }},
      {"lower", [](int x) { return std::islower(x); }},
      {"print", [](int x) { return std::isprint(x); }},
      {"punct", [](int x) { return std::ispunct(x); }},
      {"space", [](int x) { return std::isspace(x); }},
      {"upper", [](int x) { return std::isupper(x); }},
      {"xdigit", [](int x) { return std::isxdigit(x); }},
  };
  for (const auto& cls : kClasses) {
    if (cls.name == name) {
      return cls.test(c) != 0;
    }
  }
  return false;
}

// Matches the bracket expression starting at pattern[p] == '['. Returns the index just past
// its closing ']' (or npos when the class is unterminated) and sets `matched`.
size_t MatchClass(std::string_view pattern, size_t p, unsigned char c, bool& matched) {
  ++p;  // '['
  bool negate = false;
  if (p < pattern.size() && (pattern[p] == '!' || pattern[p] == '^')) {
    negate = true;
    ++p;
  }
  matched = false;
  bool first = true;
  while (p < pattern.size() && (first || pattern[p] != ']')) {
    first = false;
    if (pattern[p] == '[' && p + 1 < pattern.size() && pattern[p + 1] == ':') {
      const size_t end = pattern.find(":]", p + 2);
      if (end == std::string_view::npos) {
        return std::string_view::npos;
      }
      if (IsClassMember(pattern.substr(p + 2, end - p - 2), c)) {
        matched = true;
      }
      p = end + 2;
      continue;
    }
    unsigned char lo = static_cast<unsigned char>(pattern[p]);
    if (lo == '\\') {
      if (++p >= pattern.size()) {
        return std::string_view::npos;
      }
      lo = static_cast<unsigned char>(pattern[p]);
    }
    ++p;
    unsigned char hi = lo;
    if (p + 1 < pattern.size() && pattern[p] == '-' && pattern[p + 1] != ']') {
      hi = static_cast<unsigned char>(pattern[p + 1]);
      p += 2;
      if (hi == '\\') {
        if (p >= pattern.size()) {
          return std::string_view::npos;
        }
        hi = static_cast<unsigned char>(pattern[p++]);
      }
    }
    if (lo <= c && c <= hi) {
      matched = true;
    }
  }
  if (p >= pattern.size()) {
    return std::string_view::npos;
  }
  if (negate) {
    matched = !matched;
  }
  return p + 1;
}

class Matcher {
 public:
  Matcher(std::string_view pattern, std::string_view text) : pattern_(pattern), text_(text) {}

  bool MatchAll() { return Compute(0, 0); }

  // Patterns without '*' never come back here, so they never pay for the table.
  bool Match(size_t p, size_t t) {
    if (memo_.empty()) {
      memo_.assign((pattern_.size() + 1) * (text_.size() + 1), kUnknown);
    }
    int8_t& slot = memo_[p * (text_.size() + 1) + t];
    if (slot == kUnknown) {
      slot = Compute(p, t) ? kYes : kNo;
    }
    return slot == kYes;
  }

 private:
  static constexpr int8_t kUnknown = -1, kNo = 0, kYes = 1;

  bool Compute(size_t p, size_t t) {
    while (p < pattern_.size()) {
      const char pc = pattern_[p];
      if (pc == '*') {
        size_t stars_end = p;
        while (stars_end < pattern_.size() && pattern_[stars_end] == '*') {
          ++stars_end;
        }
        const bool at_component_start = p == 0 || pattern_[p - 1] == '/';
        const bool at_component_end = stars_end == pattern_.size() || pattern_[stars_end] == '/';
        if (stars_end - p >= 2 && at_component_start && at_component_end) {
          if (stars_end == pattern_.size()) {
            return true;  // "x/**": everything below
          }
          // "**/": zero or more whole directories.
          const size_t rest = stars_end + 1;
          if (Match(rest, t)) {
            return true;
          }
          for (size_t i = t; i < text_.size(); ++i) {
            if (text_[i] == '/' && Match(rest, i + 1)) {
              return true;
            }
          }
          return false;
        }
        // Any run of non-'/' characters.
        for (size_t i = t;; ++i) {
          if (Match(stars_end, i)) {
            return true;
          }
          if (i >= text_.size() || text_[i] == '/') {
            return false;
          }
        }
      }
      if (t >= text_.size()) {
        return false;
      }
      const unsigned char tc = static_cast<unsigned char>(text_[t]);
      if (pc == '?') {
        if (tc == '/') {
          return false;
        }
      } else if (pc == '[') {
        if (tc == '/') {
          return false;
        }
        bool matched = false;
        const size_t next = MatchClass(pattern_, p, tc, matched);
        if (next == std::string_view::npos || !matched) {
          return false;
        }
        p = next;
        ++t;
        continue;
      } else if (pc == '\\') {
        if (p + 1 >= pattern_.size()) {
          return false;  // a trailing lone backslash matches nothing
        }
        ++p;
        if (static_cast<unsigned char>(pattern_[p]) != tc) {
          return false;
        }
      } else if (static_cast<unsigned char>(pc) != tc) {
        return false;
      }
      ++p;
      ++t;
    }
    return t == text_.size();
  }

  std::string_view pattern_;
  std::string_view text_;
  std::vector<int8_t> memo_;
};

}  // namespace

bool WildMatch(std::string_view pattern, std::string_view text) {
  return Matcher(pattern, text).MatchAll();
}

}  // namespace inet::archive::internal
