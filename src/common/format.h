// Human formatting shared by every message a person reads: sizes of files, logs and memory
// ("35.2 MiB", binary units, the style the CLI and the Python SDK print), counts with thousands
// separators and durations. Resource requests are written as Kubernetes quantities ("16Gi")
// by common/quantity.h instead.
#pragma once

#include <cstdint>
#include <string>

namespace inet {

// Bytes in binary units with one decimal: 36909875 -> "35.2 MiB", 16 GiB -> "16.0 GiB"; below
// 1 KiB the exact count: 512 -> "512 B".
std::string FormatBytes(int64_t bytes);

// 1204 -> "1,204"; -1204 -> "-1,204".
std::string FormatCount(int64_t n);

// Whole seconds, the two largest units: 12.5 -> "12s", 185 -> "3m 05s", 7380 -> "2h 03m",
// 273600 -> "3d 04h". Negative or not finite -> "0s".
std::string FormatDuration(double seconds);

// A moment, to the minute, in UTC: 1764719700000 -> "2025-12-02 23:55 UTC".
std::string FormatUtcMinute(int64_t millis_since_epoch);

}  // namespace inet
