#include "common/format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace inet {
namespace {

TEST(FormatBytesTest, BinaryUnitsWithOneDecimal) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024), "1.0 KiB");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(36909875), "35.2 MiB");
  EXPECT_EQ(FormatBytes(int64_t{512} << 20), "512.0 MiB");
  EXPECT_EQ(FormatBytes(int64_t{16} << 30), "16.0 GiB");
  EXPECT_EQ(FormatBytes(int64_t{3} << 40), "3.0 TiB");
  EXPECT_EQ(FormatBytes(std::numeric_limits<int64_t>::max()), "8.0 EiB");
}

TEST(FormatCountTest, ThousandsSeparators) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1204), "1,204");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(-1204), "-1,204");
  EXPECT_EQ(FormatCount(std::numeric_limits<int64_t>::min()), "-9,223,372,036,854,775,808");
}

TEST(FormatUtcMinuteTest, ToTheMinuteInUtc) {
  EXPECT_EQ(FormatUtcMinute(1'764'719'700'000), "2025-12-02 23:55 UTC");
  EXPECT_EQ(FormatUtcMinute(0), "1970-01-01 00:00 UTC");
}

TEST(FormatDurationTest, TwoLargestUnits) {
  EXPECT_EQ(FormatDuration(12.5), "12s");
  EXPECT_EQ(FormatDuration(185), "3m 05s");
  EXPECT_EQ(FormatDuration(7380), "2h 03m");
  EXPECT_EQ(FormatDuration(273600), "3d 04h");
  EXPECT_EQ(FormatDuration(-3), "0s");
  EXPECT_EQ(FormatDuration(std::numeric_limits<double>::infinity()), "0s");
}

}  // namespace
}  // namespace inet
