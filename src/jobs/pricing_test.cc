#include "jobs/pricing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inet::jobs {
namespace {

using ::testing::HasSubstr;

TEST(PricingTest, GpuPricesParseAndTheLongestContainedModelWins) {
  StatusOr<std::map<std::string, double>> gpu = ParseGpuPrices(" H100=4.50, A100=3,A10=1.25,*=2.5");
  ASSERT_TRUE(gpu.ok()) << gpu.status().ToString();
  PriceTable prices;
  prices.gpu_hour = *gpu;
  EXPECT_EQ(GpuHourPrice(prices, "NVIDIA H100 80GB HBM3"), 4.50);
  EXPECT_EQ(GpuHourPrice(prices, "NVIDIA A100-SXM4-40GB"), 3.0);
  EXPECT_EQ(GpuHourPrice(prices, "nvidia a10"), 1.25);
  EXPECT_EQ(GpuHourPrice(prices, "configured"), 2.5);
  EXPECT_EQ(GpuHourPrice(prices, ""), 2.5);
  EXPECT_EQ(MaxGpuHourPrice(prices), 4.50);
  prices.gpu_hour.erase("*");
  EXPECT_EQ(GpuHourPrice(prices, "Tesla T4"), 0);
}

TEST(PricingTest, BadPriceListsSayWhatIsWrong) {
  EXPECT_THAT(ParseGpuPrices("H100").status().message(), HasSubstr("MODEL=USD"));
  EXPECT_THAT(ParseGpuPrices("=3").status().message(), HasSubstr("MODEL=USD"));
  EXPECT_THAT(ParseGpuPrices("H100=-1").status().message(),
              HasSubstr("the GPU-hour price of H100 must be a non-negative USD amount"));
  EXPECT_THAT(ParseGpuPrices("H100=1,H100=2").status().message(), HasSubstr("priced twice"));
  EXPECT_FALSE(ParseUsd("1e3", "x").ok());
  EXPECT_FALSE(ParseUsd("nan", "x").ok());
  EXPECT_FALSE(ParseUsd(".5", "x").ok());
  EXPECT_FALSE(ParseUsd("", "x").ok());
  EXPECT_FALSE(ParseUsd("1.1234567", "x").ok());
  EXPECT_FALSE(ParseUsd("9999999999999", "x").ok());
  EXPECT_EQ(*ParseUsd("412.10", "x"), 412.10);
}

TEST(PricingTest, CostIsResourcesTimesTimeTimesPrices) {
  PriceTable prices;
  prices.cpu_hour = 0.04;
  prices.memory_gib_hour = 0.005;
  Resources r{.cpu_millis = 4000, .memory_bytes = int64_t{16} << 30, .gpus = 2};
  const double hourly = HourlyUsd(r, 3.0, prices);
  EXPECT_DOUBLE_EQ(hourly, 2 * 3.0 + 4 * 0.04 + 16 * 0.005);
  EXPECT_EQ(CostMicros(hourly, 30 * 60'000), 3'120'000);  // half an hour
  EXPECT_EQ(UsdToMicros(500), 500'000'000);
}

TEST(PricingTest, DollarsAreShownToTheCent) {
  EXPECT_EQ(FormatUsd(412'100'000), "$412.10");
  EXPECT_EQ(FormatUsd(0), "$0.00");
  EXPECT_EQ(FormatUsd(4'999), "$0.00");
  EXPECT_EQ(FormatUsd(5'000), "$0.01");
  EXPECT_EQ(FormatUsd(12'345'670'000), "$12,345.67");
  EXPECT_EQ(FormatUsd(-1'500'000), "-$1.50");
}

TEST(PricingTest, MonthsAreUtcCalendarMonths) {
  EXPECT_EQ(MonthOf(0), "1970-01");
  const int64_t dec = *MonthStartMillis("2026-12");
  EXPECT_EQ(MonthOf(dec), "2026-12");
  EXPECT_EQ(MonthOf(dec - 1), "2026-11");
  EXPECT_EQ(*NextMonthStartMillis("2026-12"), *MonthStartMillis("2027-01"));
  EXPECT_EQ(*NextMonthStartMillis("2026-12") - dec, int64_t{31} * 86'400'000);
  EXPECT_FALSE(MonthStartMillis("2026-13").ok());
  EXPECT_FALSE(MonthStartMillis("2026-1").ok());
  EXPECT_FALSE(MonthStartMillis("20x6-01").ok());
  EXPECT_THAT(MonthStartMillis("12/2026").status().message(), HasSubstr("YYYY-MM"));
}

TEST(PricingTest, DefaultsPriceEveryGpu) {
  const PriceTable prices = DefaultPrices();
  EXPECT_GT(GpuHourPrice(prices, "NVIDIA H100 80GB HBM3"), GpuHourPrice(prices, "NVIDIA L4"));
  EXPECT_GT(GpuHourPrice(prices, "configured"), 0);
  EXPECT_GT(prices.cpu_hour, 0);
  EXPECT_GT(prices.storage_gib_month, 0);
}

}  // namespace
}  // namespace inet::jobs
