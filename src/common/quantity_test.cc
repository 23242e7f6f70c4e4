#include "common/quantity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace inet {
namespace {

using ::testing::HasSubstr;

TEST(ParseCpuQuantityTest, AcceptsKubernetesForms) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"2", 2000}, {"0.5", 500},   {"1.5", 1500}, {"500m", 500}, {"2000m", 2000},  {"0.001", 1},
      {"1m", 1},   {".5", 500},    {"4.", 4000},  {"+1", 1000},  {"1e3", 1000000}, {"0", 0},
      {"0m", 0},   {"0.250", 250}, {"64", 64000}, {"1e0", 1000}, {"2.5e-1", 250},
  };
  for (const auto& [text, millis] : cases) {
    StatusOr<int64_t> got = ParseCpuQuantity(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status().ToString();
    EXPECT_EQ(*got, millis) << text;
  }
}

TEST(ParseCpuQuantityTest, RejectsWithMessages) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "cpu \"\" is empty; give cores such as \"2\" or \"500m\""},
      {"-1", "cpu \"-1\" must not be negative"},
      {"-500m", "cpu \"-500m\" must not be negative"},
      {"0.0001",
       "cpu \"0.0001\" is finer than 1m (a thousandth of a core); round it to whole millicores "
       "such as \"1m\" or \"0.001\""},
      {"0.5m",
       "cpu \"0.5m\" is finer than 1m (a thousandth of a core); round it to whole "
       "millicores such as \"1m\" or \"0.001\""},
      {"2 cores", "cpu \"2 cores\" is not a Kubernetes quantity; did you mean \"2\"?"},
      {"2cpus", "cpu \"2cpus\" is not a Kubernetes quantity; did you mean \"2\"?"},
      {"500 m", "cpu \"500 m\" is not a Kubernetes quantity; did you mean \"500m\"?"},
      {"500M", "cpu \"500M\" is not a Kubernetes quantity; did you mean \"500m\"?"},
      {"0,5", "cpu \"0,5\" is not a Kubernetes quantity; did you mean \"0.5\"?"},
      {" 2", "cpu \" 2\" is not a Kubernetes quantity; did you mean \"2\"?"},
      {"two",
       "cpu \"two\" is not a Kubernetes quantity; give cores such as \"2\" or \"0.5\", or "
       "millicores such as \"500m\""},
      {"2Gi",
       "cpu \"2Gi\" is not a Kubernetes quantity; give cores such as \"2\" or \"0.5\", or "
       "millicores such as \"500m\""},
      {"1e30", "cpu \"1e30\" is too large"},
      {"1e3m",
       "cpu \"1e3m\" is not a Kubernetes quantity; give cores such as \"2\" or \"0.5\", or "
       "millicores such as \"500m\""},
      {"99999999999999999999", "cpu \"99999999999999999999\" is too large"},
      {".",
       "cpu \".\" is not a Kubernetes quantity; give cores such as \"2\" or \"0.5\", or "
       "millicores such as \"500m\""},
  };
  for (const auto& [text, message] : cases) {
    StatusOr<int64_t> got = ParseCpuQuantity(text);
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(got.status().message(), message) << text;
  }
}

TEST(ParseMemoryQuantityTest, AcceptsKubernetesForms) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"128974848", 128974848},
      {"129e6", 129000000},
      {"129M", 129000000},
      {"123Mi", 123 * (int64_t{1} << 20)},
      {"1e9", 1000000000},
      {"1E9", 1000000000},
      {"1.5e3", 1500},
      {"16Gi", int64_t{16} << 30},
      {"16G", 16000000000},
      {"1k", 1000},
      {"1Ki", 1024},
      {"1.5Gi", int64_t{3} << 29},
      {"0.5Ki", 512},
      {"2Ti", int64_t{2} << 40},
      {"3T", 3000000000000},
      {"1Pi", int64_t{1} << 50},
      {"1P", 1000000000000000},
      {"7Ei", int64_t{7} << 60},
      {"9E", 9000000000000000000},
      {"0", 0},
      {"0.5", 1},  // fractional bytes round up, as Kubernetes does
      {"1E", 1000000000000000000},
      {"100000000000000000000e-2", 1000000000000000000},
  };
  for (const auto& [text, bytes] : cases) {
    StatusOr<int64_t> got = ParseMemoryQuantity(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status().ToString();
    EXPECT_EQ(*got, bytes) << text;
  }
}

TEST(QuantityTest, VeryLongFractions) {
  const std::string tiny = "0." + std::string(200, '0') + "1";
  EXPECT_EQ(*ParseMemoryQuantity(tiny), 1);  // rounds up to a whole byte
  EXPECT_THAT(ParseCpuQuantity(tiny).status().message(), HasSubstr("is finer than 1m"));
  EXPECT_EQ(*ParseCpuQuantity("1." + std::string(200, '0')), 1000);
  EXPECT_THAT(ParseMemoryQuantity("1." + std::string(30, '1')).status().message(),
              HasSubstr("has too many digits"));
}

TEST(ParseMemoryQuantityTest, RejectsWithSuggestions) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"16GB", "memory \"16GB\" is not a Kubernetes quantity; did you mean \"16Gi\"?"},
      {"16gb", "memory \"16gb\" is not a Kubernetes quantity; did you mean \"16Gi\"?"},
      {"512MB", "memory \"512MB\" is not a Kubernetes quantity; did you mean \"512Mi\"?"},
      {"64KB", "memory \"64KB\" is not a Kubernetes quantity; did you mean \"64Ki\"?"},
      {"64kB", "memory \"64kB\" is not a Kubernetes quantity; did you mean \"64Ki\"?"},
      {"2TB", "memory \"2TB\" is not a Kubernetes quantity; did you mean \"2Ti\"?"},
      {"16gi", "memory \"16gi\" is not a Kubernetes quantity; did you mean \"16Gi\"?"},
      {"4GiB", "memory \"4GiB\" is not a Kubernetes quantity; did you mean \"4Gi\"?"},
      {"16 Gi", "memory \"16 Gi\" is not a Kubernetes quantity; did you mean \"16Gi\"?"},
      {"16 G", "memory \"16 G\" is not a Kubernetes quantity; did you mean \"16G\"?"},
      {"16 GB", "memory \"16 GB\" is not a Kubernetes quantity; did you mean \"16Gi\"?"},
      {"16g", "memory \"16g\" is not a Kubernetes quantity; did you mean \"16Gi\"?"},
      {"16K", "memory \"16K\" is not a Kubernetes quantity; did you mean \"16Ki\"?"},
      {"1,5Gi", "memory \"1,5Gi\" is not a Kubernetes quantity; did you mean \"1.5Gi\"?"},
      {"100B", "memory \"100B\" is not a Kubernetes quantity; did you mean \"100\"?"},
      {"500m",
       "memory \"500m\" is in thousandths of a byte (\"m\" is milli); did you mean \"500Mi\"?"},
      {"-1Gi", "memory \"-1Gi\" must not be negative"},
      {"8Ei", "memory \"8Ei\" is too large"},
      {"10E", "memory \"10E\" is too large"},
      {"1e100", "memory \"1e100\" is too large"},
      {"", "memory \"\" is empty; give bytes with a suffix such as \"16Gi\""},
      {"lots",
       "memory \"lots\" is not a Kubernetes quantity; give bytes, optionally with a suffix (Ki, "
       "Mi, Gi, Ti or k, M, G, T), such as \"512Mi\" or \"16Gi\""},
      {"16Gx",
       "memory \"16Gx\" is not a Kubernetes quantity; give bytes, optionally with a suffix (Ki, "
       "Mi, Gi, Ti or k, M, G, T), such as \"512Mi\" or \"16Gi\""},
      {"1e9Gi",
       "memory \"1e9Gi\" is not a Kubernetes quantity; give bytes, optionally with a suffix (Ki, "
       "Mi, Gi, Ti or k, M, G, T), such as \"512Mi\" or \"16Gi\""},
  };
  for (const auto& [text, message] : cases) {
    StatusOr<int64_t> got = ParseMemoryQuantity(text);
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(got.status().message(), message) << text;
  }
}

TEST(FormatMemoryQuantityTest, UsesLargestExactBinaryUnit) {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {int64_t{16} << 30, "16Gi"},
      {1500, "1500"},
      {1024, "1Ki"},
      {1536, "1536"},
      {1536 * 1024, "1536Ki"},
      {0, "0"},
      {int64_t{3} << 29, "1536Mi"},
      {int64_t{1} << 60, "1Ei"},
      {1000000000, "1000000000"},
      {int64_t{5} << 40, "5Ti"},
  };
  for (const auto& [bytes, text] : cases) EXPECT_EQ(FormatMemoryQuantity(bytes), text) << bytes;
  // What FormatMemoryQuantity writes parses back to the same number of bytes.
  for (const auto& [bytes, text] : cases) EXPECT_EQ(*ParseMemoryQuantity(text), bytes) << text;
}

TEST(FormatCpuQuantityTest, WritesCoresExactly) {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {4000, "4"}, {1500, "1.5"},  {250, "0.25"}, {1, "0.001"},
      {0, "0"},    {-500, "-0.5"}, {64000, "64"}, {1010, "1.01"},
  };
  for (const auto& [millis, text] : cases) EXPECT_EQ(FormatCpuQuantity(millis), text) << millis;
  // What it writes parses back to the same millicores.
  for (const auto& [millis, text] : cases) {
    if (millis >= 0) {
      EXPECT_EQ(*ParseCpuQuantity(text), millis) << text;
    }
  }
}

}  // namespace
}  // namespace inet
