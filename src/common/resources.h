// Resources: the one shape of "how much compute" everywhere (a job's request, what an attempt
// holds, an executor's or a node pool's capacity, a team's quota). CPU in millicores (1000 per
// core), memory in bytes, whole GPUs. A zero CPU or memory in a request means "no request":
// it fits any capacity in that dimension.
#pragma once

#include <cstdint>

namespace inet {

struct Resources {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int gpus = 0;

  friend bool operator==(const Resources&, const Resources&) = default;

  Resources& operator+=(const Resources& other) {
    cpu_millis += other.cpu_millis;
    memory_bytes += other.memory_bytes;
    gpus += other.gpus;
    return *this;
  }
  Resources& operator-=(const Resources& other) {
    cpu_millis -= other.cpu_millis;
    memory_bytes -= other.memory_bytes;
    gpus -= other.gpus;
    return *this;
  }
  friend Resources operator+(Resources a, const Resources& b) { return a += b; }
  friend Resources operator-(Resources a, const Resources& b) { return a -= b; }

  // True when every dimension of this request is within `available`. A dimension this request
  // does not ask for (zero or less) fits whatever is available, even an overcommitted
  // (negative) amount.
  bool FitsIn(const Resources& available) const {
    return (cpu_millis <= 0 || cpu_millis <= available.cpu_millis) &&
           (memory_bytes <= 0 || memory_bytes <= available.memory_bytes) &&
           (gpus <= 0 || gpus <= available.gpus);
  }
};

}  // namespace inet
