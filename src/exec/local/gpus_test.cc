#include "exec/local/gpus.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

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

TEST(DiscoverGpusTest, ReadsDevicesThroughNvml) {
  GpuInventory inventory = DiscoverGpus(-1, INET_TEST_FAKE_NVML, "/nonexistent/nvidia-smi");
  ASSERT_EQ(inventory.source, "nvml") << inventory.note;
  ASSERT_EQ(inventory.devices.size(), 2u);
  EXPECT_EQ(inventory.devices[0].index, 0);
  EXPECT_EQ(inventory.devices[1].index, 1);
  EXPECT_EQ(inventory.devices[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(inventory.devices[1].uuid, "GPU-55555555-6666-7777-8888-999999999999");
  EXPECT_EQ(inventory.devices[1].memory_bytes, 85520809984LL);
}

class NvidiaSmiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/inet-gpus-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Script(const std::string& body) {
    std::string path = dir_ + "/nvidia-smi";
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
  }
  std::string dir_;
};

TEST_F(NvidiaSmiTest, FallsBackToNvidiaSmiWithoutNvml) {
  std::string smi = Script(
      "[ \"$1\" = --query-gpu=index,uuid,name,memory.total ] || exit 4\n"
      "echo '0, GPU-aaaa, NVIDIA A100-SXM4-40GB, 40960'");
  GpuInventory inventory = DiscoverGpus(-1, "/nonexistent/libnvidia-ml.so.1", smi);
  ASSERT_EQ(inventory.source, "nvidia-smi") << inventory.note;
  ASSERT_EQ(inventory.devices.size(), 1u);
  EXPECT_EQ(inventory.devices[0].name, "NVIDIA A100-SXM4-40GB");
  EXPECT_EQ(inventory.devices[0].memory_bytes, 40960LL << 20);
  EXPECT_NE(inventory.note.find("NVML"), std::string::npos) << inventory.note;
}

TEST_F(NvidiaSmiTest, ReportsNoneWhenNothingWorks) {
  std::string failing = Script("echo 'NVIDIA-SMI has failed' >&2; exit 9");
  GpuInventory inventory = DiscoverGpus(-1, "/nonexistent/libnvidia-ml.so.1", failing);
  EXPECT_EQ(inventory.source, "none");
  EXPECT_TRUE(inventory.devices.empty());
  inventory = DiscoverGpus(-1, "/nonexistent/libnvidia-ml.so.1", dir_ + "/missing");
  EXPECT_EQ(inventory.source, "none");
  EXPECT_NE(inventory.note.find("nvidia-smi"), std::string::npos) << inventory.note;
}

}  // namespace
}  // namespace inet::exec::local
