#include "jobs/pricing.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "common/format.h"

namespace inet::jobs {
namespace {

constexpr double kGib = 1024.0 * 1024.0 * 1024.0;
constexpr double kMillisPerHour = 3'600'000.0;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

PriceTable DefaultPrices() {
  PriceTable p;
  p.gpu_hour = {{"H200", 10.60}, {"H100", 11.06}, {"A100", 2.93}, {"L40S", 1.87}, {"L4", 0.56},
                {"A10", 1.01},   {"V100", 2.48},  {"T4", 0.35},   {"*", 2.50}};
  p.cpu_hour = 0.0316;
  p.memory_gib_hour = 0.0042;
  p.storage_gib_month = 0.023;
  return p;
}

StatusOr<double> ParseUsd(std::string_view text, std::string_view what) {
  const std::string_view t = Trim(text);
  const std::string bad = std::string(what) + " must be a non-negative USD amount such as " +
                          "2.50, not '" + std::string(text) + "'";
  if (t.empty()) {
    return InvalidArgumentError(bad);
  }
  size_t dot = t.find('.');
  for (size_t i = 0; i < t.size(); ++i) {
    if (i == dot) {
      continue;
    }
    if (t[i] < '0' || t[i] > '9') {
      return InvalidArgumentError(bad);
    }
  }
  if (dot != std::string_view::npos &&
      (t.size() - dot - 1 > 6 || dot == 0 || dot + 1 == t.size())) {
    return InvalidArgumentError(bad);
  }
  if ((dot == std::string_view::npos ? t.size() : dot) > 12) {
    return InvalidArgumentError(std::string(what) + " is too large: '" + std::string(text) + "'");
  }
  double value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size()) {
    return InvalidArgumentError(bad);
  }
  return value;
}

StatusOr<std::map<std::string, double>> ParseGpuPrices(std::string_view text) {
  std::map<std::string, double> out;
  std::string_view rest = text;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = Trim(rest.substr(0, comma));
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || Trim(item.substr(0, eq)).empty()) {
      return InvalidArgumentError(
          "GPU prices are MODEL=USD items separated by commas (e.g. "
          "'H100=4.50,A100=3.00,*=2.50'), not '" +
          std::string(item) + "'");
    }
    const std::string model(Trim(item.substr(0, eq)));
    ASSIGN_OR_RETURN(double usd, ParseUsd(item.substr(eq + 1), "the GPU-hour price of " + model));
    if (!out.emplace(model, usd).second) {
      return InvalidArgumentError("GPU model '" + model + "' is priced twice");
    }
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return out;
}

double GpuHourPrice(const PriceTable& prices, std::string_view model) {
  const std::string name = Lower(model);
  const std::string* best = nullptr;
  double price = 0;
  for (const auto& [key, usd] : prices.gpu_hour) {
    if (key == "*" || key.empty()) {
      continue;
    }
    if (name.find(Lower(key)) == std::string::npos) {
      continue;
    }
    if (best == nullptr || key.size() > best->size()) {
      best = &key;
      price = usd;
    }
  }
  if (best != nullptr) {
    return price;
  }
  auto any = prices.gpu_hour.find("*");
  return any == prices.gpu_hour.end() ? 0 : any->second;
}

double MaxGpuHourPrice(const PriceTable& prices) {
  double max = 0;
  for (const auto& [key, usd] : prices.gpu_hour) {
    max = std::max(max, usd);
  }
  return max;
}

double HourlyUsd(const Resources& resources, double gpu_hour, const PriceTable& prices) {
  return resources.gpus * gpu_hour +
         static_cast<double>(resources.cpu_millis) / 1000.0 * prices.cpu_hour +
         static_cast<double>(resources.memory_bytes) / kGib * prices.memory_gib_hour;
}

int64_t CostMicros(double hourly_usd, int64_t millis) {
  return static_cast<int64_t>(
      std::llround(hourly_usd * 1e6 * static_cast<double>(millis) / kMillisPerHour));
}

int64_t UsdToMicros(double usd) { return static_cast<int64_t>(std::llround(usd * 1e6)); }

std::string FormatUsd(int64_t micros) {
  const bool negative = micros < 0;
  const int64_t cents = (std::llabs(micros) + 5'000) / 10'000;
  char frac[4];
  std::snprintf(frac, sizeof frac, "%02d", static_cast<int>(cents % 100));
  return std::string(negative ? "-$" : "$") + FormatCount(cents / 100) + "." + frac;
}

std::string MonthOf(int64_t millis) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(millis)));
  const year_month_day ymd(day);
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return out;
}

StatusOr<int64_t> MonthStartMillis(std::string_view month) {
  Status bad =
      InvalidArgumentError("a month is YYYY-MM (e.g. 2026-12), not '" + std::string(month) + "'");
  if (month.size() != 7 || month[4] != '-') {
    return bad;
  }
  int year = 0;
  unsigned mon = 0;
  for (size_t i = 0; i < 7; ++i) {
    if (i == 4) {
      continue;
    }
    if (month[i] < '0' || month[i] > '9') {
      return bad;
    }
  }
  std::from_chars(month.data(), month.data() + 4, year);
  std::from_chars(month.data() + 5, month.data() + 7, mon);
  if (year < 1970 || mon < 1 || mon > 12) {
    return bad;
  }
  using namespace std::chrono;
  const sys_days day{std::chrono::year{year} / std::chrono::month{mon} / 1};
  return duration_cast<milliseconds>(day.time_since_epoch()).count();
}

StatusOr<int64_t> NextMonthStartMillis(std::string_view month) {
  ASSIGN_OR_RETURN(int64_t start, MonthStartMillis(month));
  using namespace std::chrono;
  const year_month_day ymd(floor<days>(sys_time<milliseconds>(milliseconds(start))));
  const sys_days next{(ymd.year() / ymd.month() / 1) + months{1}};
  return duration_cast<milliseconds>(next.time_since_epoch()).count();
}

}  // namespace inet::jobs
