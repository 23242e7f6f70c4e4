// GPU discovery for the local executor: NVML first (dlopen of libnvidia-ml.so.1, so the binary
// does not depend on the NVIDIA driver being installed), then `nvidia-smi`, else none. A
// configured count replaces discovery on machines without GPUs (tests, demos).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "exec/executor.h"

namespace inet::exec::local {

struct GpuInventory {
  std::vector<GpuDevice> devices;
  std::string source;  // "nvml", "nvidia-smi", "configured" or "none"
  std::string note;    // why a source was skipped, for the start-up log ("" if nothing to say)
};

// `configured_count` >= 0: that many devices named "configured" (no discovery); < 0: discover
// through `nvml_library` (dlopen'd), then the `nvidia_smi` program (looked up on PATH unless it
// contains a '/'). Tests pass stand-ins for both.
GpuInventory DiscoverGpus(int configured_count,
                          const std::string& nvml_library = "libnvidia-ml.so.1",
                          const std::string& nvidia_smi = "nvidia-smi");

// Parses `nvidia-smi --query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits`
// output (memory in MiB). kInvalidArgument for a malformed line.
StatusOr<std::vector<GpuDevice>> ParseNvidiaSmiCsv(std::string_view text);

}  // namespace inet::exec::local
