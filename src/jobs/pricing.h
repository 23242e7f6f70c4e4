// Prices and money: the server's price table (per GPU-hour by GPU model, per vCPU-hour, per
// GiB-hour of memory, per GiB-month of artifact storage), what a job's resources cost over a
// time, UTC calendar months ("YYYY-MM"), and dollar amounts kept as integer micro-dollars
// (1 USD = 1,000,000) and shown as "$412.10". Shared by the server (cost accrual, budgets)
// and the CLI (flags and output); pure functions, no I/O.
//
// The defaults are close to public on-demand list prices (see docs/costs.md for the sources),
// so costs and budgets mean something before an admin sets their own.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/resources.h"
#include "common/status.h"

namespace inet::jobs {

struct PriceTable {
  // USD per GPU-hour by model: a key matches a GPU whose name contains it, case-insensitively
  // ("H100" matches "NVIDIA H100 80GB HBM3"; the longest matching key wins, so "A100" beats
  // "A10"); "*" prices every other GPU (a count configured without NVML has no model).
  std::map<std::string, double> gpu_hour;
  double cpu_hour = 0;           // USD per vCPU-hour (1000 millicores)
  double memory_gib_hour = 0;    // USD per GiB-hour of memory
  double storage_gib_month = 0;  // USD per GiB-month of artifact storage

  friend bool operator==(const PriceTable&, const PriceTable&) = default;
};

// The documented defaults (docs/costs.md).
PriceTable DefaultPrices();

// Parses "H100=4.50,A100=3.00,*=2.50" (model=USD, comma-separated; whitespace around items is
// ignored). kInvalidArgument naming the bad item for an empty model, a price that is not a
// non-negative number, a repeated model, or an empty list.
StatusOr<std::map<std::string, double>> ParseGpuPrices(std::string_view text);
// A non-negative USD amount such as "500", "412.10" or "0.0316" (no sign, no exponent, at most
// 6 decimals); kInvalidArgument naming `what` otherwise.
StatusOr<double> ParseUsd(std::string_view text, std::string_view what);
// The table's GPU-hour price for a GPU named `model` ("" or unmatched: the "*" price, or 0
// when the table has none).
double GpuHourPrice(const PriceTable& prices, std::string_view model);
// The highest GPU-hour price in the table (what a job's worst case assumes when its GPU model
// is not known before it runs).
double MaxGpuHourPrice(const PriceTable& prices);

// USD per hour of holding `resources`, with GPUs at `gpu_hour` each.
double HourlyUsd(const Resources& resources, double gpu_hour, const PriceTable& prices);
// Micro-dollars of `hourly_usd` held for `millis` milliseconds (rounded to the nearest).
int64_t CostMicros(double hourly_usd, int64_t millis);
// USD to micro-dollars, rounded to the nearest.
int64_t UsdToMicros(double usd);

// "$412.10": micro-dollars rounded to the cent, with thousands separators ("$12,345.67").
std::string FormatUsd(int64_t micros);

// The UTC month of a time in ms since the epoch: "2026-12".
std::string MonthOf(int64_t millis);
// The first millisecond (UTC) of a month "YYYY-MM", and of the month after it.
// kInvalidArgument for anything but YYYY-MM with a month 01-12 and a year 1970-9999.
StatusOr<int64_t> MonthStartMillis(std::string_view month);
StatusOr<int64_t> NextMonthStartMillis(std::string_view month);

}  // namespace inet::jobs
