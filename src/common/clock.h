// Clock: the only way inet code reads the time, so schedulers and stores are testable.
#pragma once

#include <atomic>
#include <cstdint>

namespace inet {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (MLflow's timestamp unit). Thread-safe.
  virtual int64_t NowMillis() const = 0;
};

// Wall clock. Thread-safe, stateless.
class SystemClock : public Clock {
 public:
  int64_t NowMillis() const override;
};

// A clock tests set by hand. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_millis = 1'700'000'000'000) : now_(start_millis) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Set(int64_t millis) { now_.store(millis); }
  void Advance(int64_t millis) { now_.fetch_add(millis); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace inet
