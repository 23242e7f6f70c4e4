// Kubernetes resource quantities, the one way a request for CPU or memory is written ("2",
// "500m", "16Gi", "512M", "1e9"): parsing with errors that say how to fix the input, and the
// inverse formatting, so what a user wrote and what the platform writes back look alike.
// Sizes of files and logs are written by common/format.h ("35.2 MiB") instead.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace inet {

// CPU: "2", "0.5", "500m" -> millicores. kInvalidArgument (naming the value and a fix, e.g.
// `cpu "2 cores" is not a Kubernetes quantity; did you mean "2"?`) for anything else,
// negatives, values finer than 1m and values that overflow.
StatusOr<int64_t> ParseCpuQuantity(std::string_view quantity);

// Memory: plain bytes, decimal (k, M, G, T, P, E) and binary (Ki, Mi, Gi, Ti, Pi, Ei) suffixes,
// or an exponent ("1e9") -> bytes; fractional bytes round up, as Kubernetes does.
// kInvalidArgument with a suggestion for common mistakes, e.g.
//   memory "16GB" is not a Kubernetes quantity; did you mean "16Gi"?
StatusOr<int64_t> ParseMemoryQuantity(std::string_view quantity);

// Bytes as a quantity a person would write, exactly: the largest binary unit that divides
// (17179869184 -> "16Gi"), else plain bytes (1500 -> "1500"). ParseMemoryQuantity reads it back.
std::string FormatMemoryQuantity(int64_t bytes);

// Millicores as cores, exactly: 4000 -> "4", 1500 -> "1.5", 250 -> "0.25", -500 -> "-0.5".
std::string FormatCpuQuantity(int64_t millis);

}  // namespace inet
