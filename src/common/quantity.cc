#include "common/quantity.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "common/text.h"

namespace inet {
namespace {

// A quantity is a decimal number (optionally signed, optionally with a fraction) followed by
// either a decimal exponent ("e9", the whole rest of the string) or a suffix. The value is kept
// exact as significant digits times a power of ten times a power of two, so "1.5Gi" and
// "0.001" need no floating point.

struct SplitQuantity {
  bool negative = false;
  std::string digits;  // integer and fraction digits, without the dot
  int decimal_exponent = 0;
  std::string_view suffix;  // "" when an exponent was given
};

// Splits `s` into number and suffix; nullopt when it does not start with a number.
std::optional<SplitQuantity> Split(std::string_view s) {
  SplitQuantity q;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    q.negative = s[i] == '-';
    ++i;
  }
  size_t integer_digits = 0;
  while (i < s.size() && IsAsciiDigit(s[i])) {
    q.digits += s[i++];
    ++integer_digits;
  }
  size_t fraction_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsAsciiDigit(s[i])) {
      q.digits += s[i++];
      ++fraction_digits;
    }
  }
  if (integer_digits + fraction_digits == 0) return std::nullopt;
  q.decimal_exponent = -static_cast<int>(fraction_digits);
  std::string_view rest = s.substr(i);
  // "1E" is exa, "1E9" an exponent: an exponent is [eE][+-]?digits up to the end.
  if (rest.size() >= 2 && (rest[0] == 'e' || rest[0] == 'E')) {
    size_t j = 1;
    bool negative_exponent = false;
    if (rest[j] == '+' || rest[j] == '-') {
      negative_exponent = rest[j] == '-';
      ++j;
    }
    size_t digits_start = j;
    while (j < rest.size() && IsAsciiDigit(rest[j])) ++j;
    if (j == rest.size() && j > digits_start) {
      int exponent = 0;
      std::string_view e = rest.substr(digits_start);
      if (e.size() > 4) return std::nullopt;
      std::from_chars(e.data(), e.data() + e.size(), exponent);
      q.decimal_exponent += negative_exponent ? -exponent : exponent;
      return q;
    }
  }
  q.suffix = rest;
  return q;
}

enum class QuantityProblem { kNone, kSyntax, kNegative, kTooLarge, kTooPrecise, kMilliMemory };

struct QuantityValue {
  QuantityProblem problem = QuantityProblem::kNone;
  int64_t value = 0;
};

// digits * 10^decimal_exponent * 2^binary_shift, rounded up to an integer. `exact` is false when
// rounding was needed.
QuantityValue Scale(std::string digits, int decimal_exponent, int binary_shift, bool* exact) {
  *exact = true;
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return {QuantityProblem::kNone, 0};
  digits.erase(0, first);
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++decimal_exponent;
  }
  // The value is at least 10^(digits + exponent - 1); int64 holds less than 10^19.
  if (static_cast<int>(digits.size()) + decimal_exponent > 20) {
    return {QuantityProblem::kTooLarge, 0};
  }
  if (digits.size() > 20) return {QuantityProblem::kTooPrecise, 0};
  unsigned __int128 n = 0;
  for (char c : digits) n = n * 10 + static_cast<unsigned>(c - '0');
  // n < 10^20 < 2^67, so shifting by up to 60 bits stays below 2^127.
  n <<= binary_shift;
  if (decimal_exponent >= 0) {
    for (int k = 0; k < decimal_exponent; ++k) n *= 10;
  } else {
    int k = -decimal_exponent;
    if (k > 38) {
      *exact = false;
      n = 1;
    } else {
      unsigned __int128 divisor = 1;
      for (int j = 0; j < k; ++j) divisor *= 10;
      unsigned __int128 quotient = n / divisor;
      if (n % divisor != 0) {
        *exact = false;
        ++quotient;
      }
      n = quotient;
    }
  }
  if (n > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) {
    return {QuantityProblem::kTooLarge, 0};
  }
  return {QuantityProblem::kNone, static_cast<int64_t>(n)};
}

QuantityValue CpuMillis(std::string_view s) {
  std::optional<SplitQuantity> q = Split(s);
  if (!q) return {QuantityProblem::kSyntax, 0};
  int exponent = q->decimal_exponent;
  if (q->suffix.empty()) {
    exponent += 3;
  } else if (q->suffix != "m") {
    return {QuantityProblem::kSyntax, 0};
  }
  bool exact = true;
  QuantityValue v = Scale(q->digits, exponent, 0, &exact);
  if (v.problem != QuantityProblem::kNone) return v;
  if (q->negative && v.value != 0) return {QuantityProblem::kNegative, 0};
  if (!exact) return {QuantityProblem::kTooPrecise, 0};
  return v;
}

QuantityValue MemoryBytes(std::string_view s) {
  std::optional<SplitQuantity> q = Split(s);
  if (!q) return {QuantityProblem::kSyntax, 0};
  int exponent = q->decimal_exponent;
  int shift = 0;
  static constexpr std::array<std::pair<std::string_view, int>, 6> kDecimal = {
      {{"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}}};
  static constexpr std::array<std::pair<std::string_view, int>, 6> kBinary = {
      {{"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}}};
  if (!q->suffix.empty()) {
    bool known = false;
    for (const auto& [suffix, power] : kDecimal) {
      if (q->suffix == suffix) exponent += power, known = true;
    }
    for (const auto& [suffix, power] : kBinary) {
      if (q->suffix == suffix) shift = power, known = true;
    }
    // Kubernetes reads "m" as milli, so "500m" of memory is half a byte: always a mistake.
    if (q->suffix == "m") return {QuantityProblem::kMilliMemory, 0};
    if (!known) return {QuantityProblem::kSyntax, 0};
  }
  bool exact = true;
  QuantityValue v = Scale(q->digits, exponent, shift, &exact);
  if (v.problem != QuantityProblem::kNone) return v;
  if (q->negative && v.value != 0) return {QuantityProblem::kNegative, 0};
  return v;  // fractional bytes round up, as Kubernetes does
}

// Splits "16 GB" into the number ("16") and the unit ("GB"), dropping blanks and reading a
// decimal comma as a dot; nullopt when there is no leading number.
std::optional<std::pair<std::string, std::string>> NumberAndUnit(std::string_view s) {
  std::string compact;
  for (char c : s) {
    if (IsAsciiSpace(c)) continue;
    compact += c == ',' ? '.' : c;
  }
  size_t i = 0;
  if (i < compact.size() && (compact[i] == '+' || compact[i] == '-')) ++i;
  while (i < compact.size() && (IsAsciiDigit(compact[i]) || compact[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  return std::make_pair(compact.substr(0, i), compact.substr(i));
}

std::optional<std::string> SuggestMemory(std::string_view s) {
  auto parts = NumberAndUnit(s);
  if (!parts) return std::nullopt;
  auto& [number, unit] = *parts;
  std::string candidate = number + unit;
  if (candidate != s && MemoryBytes(candidate).problem == QuantityProblem::kNone) {
    return candidate;
  }
  std::string lower = AsciiLowercase(unit);
  for (std::string_view tail : {"bytes", "byte", "b"}) {
    if (lower.size() >= tail.size() && lower.ends_with(tail)) {
      lower.resize(lower.size() - tail.size());
      break;
    }
  }
  if (lower.size() == 2 && lower[1] == 'i') lower.resize(1);
  static constexpr std::string_view kLetters = "kmgtpe";
  if (lower.empty()) {
    candidate = number;
  } else if (lower.size() == 1 && kLetters.find(lower[0]) != std::string_view::npos) {
    candidate = number + static_cast<char>(lower[0] == 'k' ? 'K' : lower[0] - 'a' + 'A') + "i";
  } else {
    return std::nullopt;
  }
  if (candidate == s || MemoryBytes(candidate).problem != QuantityProblem::kNone) {
    return std::nullopt;
  }
  return candidate;
}

std::optional<std::string> SuggestCpu(std::string_view s) {
  auto parts = NumberAndUnit(s);
  if (!parts) return std::nullopt;
  auto& [number, unit] = *parts;
  std::string lower = AsciiLowercase(unit);
  std::string candidate;
  if (lower.empty() || lower == "c" || lower == "core" || lower == "cores" || lower == "cpu" ||
      lower == "cpus" || lower == "vcpu" || lower == "vcpus") {
    candidate = number;
  } else if (lower == "m" || lower == "mc" || lower == "millicore" || lower == "millicores" ||
             lower == "millicpu" || lower == "millicpus") {
    candidate = number + "m";
  } else {
    return std::nullopt;
  }
  if (candidate == s || CpuMillis(candidate).problem != QuantityProblem::kNone) {
    return std::nullopt;
  }
  return candidate;
}

// What the messages of one kind of quantity say.
struct QuantityDimension {
  std::string_view name;         // "cpu"
  std::string_view empty_hint;   // after "... is empty; "
  std::string_view too_precise;  // after the quoted quantity
  std::string_view examples;     // after "... is not a Kubernetes quantity; "
  QuantityValue (*value)(std::string_view);
  std::optional<std::string> (*suggest)(std::string_view);
};

constexpr QuantityDimension kCpu{
    "cpu",
    "give cores such as \"2\" or \"500m\"",
    " is finer than 1m (a thousandth of a core); round it to whole millicores such as \"1m\" or "
    "\"0.001\"",
    "give cores such as \"2\" or \"0.5\", or millicores such as \"500m\"",
    CpuMillis,
    SuggestCpu};

constexpr QuantityDimension kMemory{
    "memory",
    "give bytes with a suffix such as \"16Gi\"",
    " has too many digits",
    "give bytes, optionally with a suffix (Ki, Mi, Gi, Ti or k, M, G, T), such as \"512Mi\" or "
    "\"16Gi\"",
    MemoryBytes,
    SuggestMemory};

StatusOr<int64_t> ParseQuantity(std::string_view quantity, const QuantityDimension& d) {
  const std::string head = std::string(d.name) + " " + Quoted(quantity);
  if (quantity.empty()) {
    return InvalidArgumentError(head + " is empty; " + std::string(d.empty_hint));
  }
  const QuantityValue v = d.value(quantity);
  switch (v.problem) {
    case QuantityProblem::kNone:
      return v.value;
    case QuantityProblem::kNegative:
      return InvalidArgumentError(head + " must not be negative");
    case QuantityProblem::kTooLarge:
      return InvalidArgumentError(head + " is too large");
    case QuantityProblem::kTooPrecise:
      return InvalidArgumentError(head + std::string(d.too_precise));
    case QuantityProblem::kMilliMemory: {
      std::string message = head + " is in thousandths of a byte (\"m\" is milli)";
      std::string fix(quantity.substr(0, quantity.size() - 1));
      fix += "Mi";
      if (d.value(fix).problem == QuantityProblem::kNone) {
        message += "; did you mean " + Quoted(fix) + "?";
      }
      return InvalidArgumentError(message);
    }
    case QuantityProblem::kSyntax:
      break;
  }
  const std::string message = head + " is not a Kubernetes quantity";
  if (std::optional<std::string> fix = d.suggest(quantity)) {
    return InvalidArgumentError(message + "; did you mean " + Quoted(*fix) + "?");
  }
  return InvalidArgumentError(message + "; " + std::string(d.examples));
}

}  // namespace

StatusOr<int64_t> ParseCpuQuantity(std::string_view quantity) {
  return ParseQuantity(quantity, kCpu);
}

StatusOr<int64_t> ParseMemoryQuantity(std::string_view quantity) {
  return ParseQuantity(quantity, kMemory);
}

std::string FormatMemoryQuantity(int64_t bytes) {
  static constexpr std::array<std::string_view, 6> kUnits = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
  if (bytes > 0) {
    for (size_t i = 0; i < kUnits.size(); ++i) {
      int shift = 10 * static_cast<int>(kUnits.size() - i);
      int64_t unit = int64_t{1} << shift;
      if (bytes % unit == 0) return std::to_string(bytes >> shift) + std::string(kUnits[i]);
    }
  }
  return std::to_string(bytes);
}

std::string FormatCpuQuantity(int64_t millis) {
  const std::string sign = millis < 0 ? "-" : "";
  const uint64_t m = millis < 0 ? 0 - static_cast<uint64_t>(millis) : static_cast<uint64_t>(millis);
  std::string text = sign + std::to_string(m / 1000);
  if (m % 1000 != 0) {
    std::string fraction = std::to_string(1000 + m % 1000).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text;
}

}  // namespace inet
