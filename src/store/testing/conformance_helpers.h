// Assertion helpers shared by the store conformance suites' .cc files (not by adapters).
#pragma once

#include <gtest/gtest.h>

#include <utility>

#include "common/status.h"

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    ::inet::Status s_ = (expr);                             \
    ASSERT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                     \
  do {                                                      \
    ::inet::Status s_ = (expr);                             \
    EXPECT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (0)

namespace inet::store::testing {

template <typename T>
T ValueOrDie(StatusOr<T> v) {
  if (!v.ok()) {
    ADD_FAILURE() << v.status().ToString();
    return T{};
  }
  return std::move(v).value();
}

}  // namespace inet::store::testing
