// Glob matching with gitignore's rules (git's "wildmatch" with FNM_PATHNAME): `*` and `?` never
// match '/', `[...]` classes, `\` escapes, and `**` spanning directories when it stands alone
// between slashes ("**/x", "x/**", "a/**/b"). Used by IgnoreRules; kept separate to test alone.
#pragma once

#include <string_view>

namespace inet::archive::internal {

// True when `text` (a '/'-separated relative path, or one component) matches `pattern` in
// whole. A malformed class ("[a-") never matches. Worst case is polynomial in the lengths
// (memoised), so hostile patterns in an ignore file cannot hang a pack.
bool WildMatch(std::string_view pattern, std::string_view text);

}  // namespace inet::archive::internal
