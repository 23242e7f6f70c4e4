#include "exec/local/gpus.h"

#include <gtest/gtest.h>

namespace inet::exec::local {
namespace {

TEST(ParseNvidiaSmiCsvTest, ParsesDevices) {
  auto gpus = ParseNvidiaSmiCsv(
      "0, GPU-1111-aaaa, NVIDIA H100 80GB HBM3, 81559\n"
      "1, GPU-2222-bbbb, NVIDIA H100 80GB HBM3, 81559\n");
  ASSERT_TRUE(gpus.ok()) << gpus.status().ToString();
  ASSERT_EQ(gpus->size(), 2u);
  EXPECT_EQ((*gpus)[1].index, 1);
  EXPECT_EQ((*gpus)[1].uuid, "GPU-2222-bbbb");
  EXPECT_EQ((*gpus)[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ((*gpus)[0].memory_bytes, 81559LL << 20);
}

TEST(ParseNvidiaSmiCsvTest, EmptyOutputMeansNoDevices) {
  auto gpus = ParseNvidiaSmiCsv("\n");
  ASSERT_TRUE(gpus.ok());
  EXPECT_TRUE(gpus->empty());
}

TEST(ParseNvidiaSmiCsvTest, RejectsMalformedLines) {
  EXPECT_EQ(ParseNvidiaSmiCsv("0, GPU-1, name\n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseNvidiaSmiCsv("x, GPU-1, name, 10\n").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(DiscoverGpusTest, ConfiguredCountReplacesDiscovery) {
  GpuInventory inventory = DiscoverGpus(3);
  EXPECT_EQ(inventory.source, "configured");
  ASSERT_EQ(inventory.devices.size(), 3u);
  EXPECT_EQ(inventory.devices[2].index, 2);
  EXPECT_EQ(inventory.devices[2].name, "configured");
  EXPECT_TRUE(DiscoverGpus(0).devices.empty());
}

TEST(DiscoverGpusTest, DiscoveryReportsItsSource) {
  GpuInventory inventory = DiscoverGpus(-1);
  EXPECT_TRUE(inventory.source == "nvml" || inventory.source == "nvidia-smi" ||
              inventory.source == "none")
      << inventory.source;
  if (inventory.source == "none") {
    EXPECT_TRUE(inventory.devices.empty());
  }
}

}  // namespace
}  // namespace inet::exec::local
