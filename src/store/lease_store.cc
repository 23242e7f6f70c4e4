#include "store/lease_store.h"

#include "common/text.h"

namespace inet::store {

bool IsValidLeaseName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!IsAsciiDigit(c) && !IsAsciiLower(c) && !IsAsciiUpper(c) && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace inet::store
