#include "common/format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace inet {

std::string FormatBytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  value /= 1024;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f %s", value, kUnits[unit]);
  return buffer;
}

std::string FormatCount(int64_t n) {
  // Through unsigned so the most negative value has a magnitude too.
  const uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  const std::string digits = std::to_string(magnitude);
  std::string out = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatDuration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) seconds = 0;
  const auto total = static_cast<long long>(std::fmin(seconds, 9e18));
  char buffer[48];
  if (total < 60) {
    std::snprintf(buffer, sizeof(buffer), "%llds", total);
  } else if (total < 3600) {
    std::snprintf(buffer, sizeof(buffer), "%lldm %02llds", total / 60, total % 60);
  } else if (total < 86400) {
    std::snprintf(buffer, sizeof(buffer), "%lldh %02lldm", total / 3600, total % 3600 / 60);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%lldd %02lldh", total / 86400, total % 86400 / 3600);
  }
  return buffer;
}

std::string FormatUtcMinute(int64_t millis_since_epoch) {
  const std::time_t seconds = static_cast<std::time_t>(millis_since_epoch / 1000);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &utc);
  return buf;
}

}  // namespace inet
