#include "exec/local/gpus.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "exec/local/os.h"

extern char** environ;

namespace inet::exec::local {
namespace {

// The few NVML declarations we need (ABI-stable since NVML 5; no NVIDIA headers required).
using NvmlReturn = int;
using NvmlDevice = struct NvmlDeviceOpaque*;
struct NvmlMemory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
constexpr NvmlReturn kNvmlSuccess = 0;

template <typename Fn>
Fn Symbol(void* lib, const char* name) {
  return reinterpret_cast<Fn>(dlsym(lib, name));
}

StatusOr<std::vector<GpuDevice>> DiscoverWithNvml(const std::string& library) {
  void* lib = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return NotFoundError(library + " not loadable");
  auto init = Symbol<NvmlReturn (*)()>(lib, "nvmlInit_v2");
  auto shutdown = Symbol<NvmlReturn (*)()>(lib, "nvmlShutdown");
  auto count = Symbol<NvmlReturn (*)(unsigned*)>(lib, "nvmlDeviceGetCount_v2");
  auto handle = Symbol<NvmlReturn (*)(unsigned, NvmlDevice*)>(lib, "nvmlDeviceGetHandleByIndex_v2");
  auto get_name = Symbol<NvmlReturn (*)(NvmlDevice, char*, unsigned)>(lib, "nvmlDeviceGetName");
  auto get_uuid = Symbol<NvmlReturn (*)(NvmlDevice, char*, unsigned)>(lib, "nvmlDeviceGetUUID");
  auto get_memory = Symbol<NvmlReturn (*)(NvmlDevice, NvmlMemory*)>(lib, "nvmlDeviceGetMemoryInfo");
  if (!init || !shutdown || !count || !handle || !get_name || !get_uuid || !get_memory) {
    dlclose(lib);
    return InternalError(library + " lacks an expected symbol");
  }
  if (NvmlReturn rc = init(); rc != kNvmlSuccess) {
    dlclose(lib);
    return InternalError("nvmlInit_v2 failed with code " + std::to_string(rc));
  }
  std::vector<GpuDevice> devices;
  unsigned n = 0;
  Status status;
  if (NvmlReturn rc = count(&n); rc != kNvmlSuccess) {
    status = InternalError("nvmlDeviceGetCount_v2 failed with code " + std::to_string(rc));
  }
  for (unsigned i = 0; status.ok() && i < n; ++i) {
    NvmlDevice device = nullptr;
    if (handle(i, &device) != kNvmlSuccess) {
      status = InternalError("nvmlDeviceGetHandleByIndex_v2(" + std::to_string(i) + ") failed");
      break;
    }
    GpuDevice gpu;
    gpu.index = static_cast<int>(i);
    char buf[96] = {};
    if (get_name(device, buf, sizeof(buf)) == kNvmlSuccess) gpu.name = buf;
    std::memset(buf, 0, sizeof(buf));
    if (get_uuid(device, buf, sizeof(buf)) == kNvmlSuccess) gpu.uuid = buf;
    NvmlMemory memory{};
    if (get_memory(device, &memory) == kNvmlSuccess) {
      gpu.memory_bytes = static_cast<int64_t>(memory.total);
    }
    devices.push_back(std::move(gpu));
  }
  shutdown();
  dlclose(lib);
  if (!status.ok()) return status;
  return devices;
}

// Runs `argv` (looked up on PATH) and returns its stdout; kNotFound when it is not installed.
StatusOr<std::string> RunAndCapture(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return InternalError("pipe: " + ErrnoText(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  std::vector<std::string> storage = argv;
  args.reserve(storage.size() + 1);
  for (auto& a : storage) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    if (rc == ENOENT) return NotFoundError(argv[0] + " not found on PATH");
    return InternalError("starting " + argv[0] + ": " + ErrnoText(rc));
  }
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return InternalError(argv[0] + " failed (wait status " + std::to_string(status) + ")");
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

StatusOr<std::vector<GpuDevice>> ParseNvidiaSmiCsv(std::string_view text) {
  std::vector<GpuDevice> devices;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (Trim(line).empty()) continue;
    std::vector<std::string> fields;
    size_t field_start = 0;
    while (true) {
      size_t comma = line.find(',', field_start);
      fields.push_back(
          Trim(line.substr(field_start, comma == std::string_view::npos ? std::string_view::npos
                                                                        : comma - field_start)));
      if (comma == std::string_view::npos) break;
      field_start = comma + 1;
    }
    if (fields.size() != 4) {
      return InvalidArgumentError("nvidia-smi line has " + std::to_string(fields.size()) +
                                  " fields, expected 4: '" + std::string(line) + "'");
    }
    char* index_end = nullptr;
    long index = std::strtol(fields[0].c_str(), &index_end, 10);
    if (fields[0].empty() || *index_end != '\0' || index < 0) {
      return InvalidArgumentError("nvidia-smi line has a bad index: '" + std::string(line) + "'");
    }
    GpuDevice gpu;
    gpu.index = static_cast<int>(index);
    gpu.uuid = fields[1];
    gpu.name = fields[2];
    char* memory_end = nullptr;
    long long mib = std::strtoll(fields[3].c_str(), &memory_end, 10);
    gpu.memory_bytes = (*memory_end == '\0' && mib > 0) ? mib * (1LL << 20) : 0;
    devices.push_back(std::move(gpu));
  }
  return devices;
}

GpuInventory DiscoverGpus(int configured_count, const std::string& nvml_library,
                          const std::string& nvidia_smi) {
  GpuInventory inventory;
  if (configured_count >= 0) {
    inventory.source = "configured";
    for (int i = 0; i < configured_count; ++i) {
      GpuDevice gpu;
      gpu.index = i;
      gpu.name = "configured";
      inventory.devices.push_back(gpu);
    }
    return inventory;
  }
  StatusOr<std::vector<GpuDevice>> nvml = DiscoverWithNvml(nvml_library);
  if (nvml.ok()) {
    inventory.source = "nvml";
    inventory.devices = std::move(*nvml);
    return inventory;
  }
  std::string note = "NVML: " + nvml.status().message();
  StatusOr<std::string> smi = RunAndCapture(
      {nvidia_smi, "--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"});
  if (smi.ok()) {
    StatusOr<std::vector<GpuDevice>> parsed = ParseNvidiaSmiCsv(*smi);
    if (parsed.ok()) {
      inventory.source = "nvidia-smi";
      inventory.devices = std::move(*parsed);
      inventory.note = note;
      return inventory;
    }
    note += "; nvidia-smi: " + parsed.status().message();
  } else {
    note += "; nvidia-smi: " + smi.status().message();
  }
  inventory.source = "none";
  inventory.note = note;
  return inventory;
}

}  // namespace inet::exec::local
