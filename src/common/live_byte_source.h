// LiveByteSource: a ByteSource whose data arrives over time (a job's log while the job runs).
// Its reader asks for what is there now and comes back later, instead of blocking until more
// arrives: the HTTP server polls a live response stream from a timer, so a client following a
// log never holds a request worker while it waits.
#pragma once

#include <chrono>
#include <cstddef>

#include "common/io.h"
#include "common/status.h"

namespace inet {

class LiveByteSource : public ByteSource {
 public:
  // Reads up to `n` bytes that are available now, without waiting for more: 0 means nothing
  // new yet (poll again later) or, when ended(), the end of the stream. May do short blocking
  // work (a file read, a database lookup), never a wait for the producer.
  virtual StatusOr<size_t> ReadAvailable(char* buf, size_t n) = 0;
  // True once the stream is over; ReadAvailable then returns 0.
  virtual bool ended() const = 0;

  // Blocking read for callers that may wait: polls ReadAvailable every kPollInterval until it
  // returns bytes or the stream ends.
  StatusOr<size_t> Read(char* buf, size_t n) final;

  static constexpr std::chrono::milliseconds kPollInterval{100};
};

}  // namespace inet
