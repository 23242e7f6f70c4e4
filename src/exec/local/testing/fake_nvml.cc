// A stand-in for libnvidia-ml.so.1 with two H100s, so the NVML discovery path (dlopen, the
// symbol names, the struct layout) is tested on machines without an NVIDIA driver.
#include <cstring>

namespace {
struct FakeDevice {
  const char* name;
  const char* uuid;
  unsigned long long memory;
};
constexpr FakeDevice kDevices[] = {
    {"NVIDIA H100 80GB HBM3", "GPU-00000000-1111-2222-3333-444444444444", 85520809984ULL},
    {"NVIDIA H100 80GB HBM3", "GPU-55555555-6666-7777-8888-999999999999", 85520809984ULL},
};
bool initialised = false;

int Copy(const char* value, char* out, unsigned length) {
  if (std::strlen(value) + 1 > length) return 7;  // NVML_ERROR_INSUFFICIENT_SIZE
  std::strcpy(out, value);
  return 0;
}
}  // namespace

extern "C" {
struct nvmlMemory_t {
  unsigned long long total, free, used;
};

int nvmlInit_v2() {
  initialised = true;
  return 0;
}
int nvmlShutdown() {
  initialised = false;
  return 0;
}
int nvmlDeviceGetCount_v2(unsigned* count) {
  if (!initialised) return 1;  // NVML_ERROR_UNINITIALIZED
  *count = 2;
  return 0;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned index, const FakeDevice** device) {
  if (!initialised || index >= 2) return 2;  // NVML_ERROR_INVALID_ARGUMENT
  *device = &kDevices[index];
  return 0;
}
int nvmlDeviceGetName(const FakeDevice* device, char* name, unsigned length) {
  return Copy(device->name, name, length);
}
int nvmlDeviceGetUUID(const FakeDevice* device, char* uuid, unsigned length) {
  return Copy(device->uuid, uuid, length);
}
int nvmlDeviceGetMemoryInfo(const FakeDevice* device, nvmlMemory_t* memory) {
  memory->total = device->memory;
  memory->free = device->memory;
  memory->used = 0;
  return 0;
}
}
