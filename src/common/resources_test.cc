#include "common/resources.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace inet {
namespace {

constexpr int64_t kGi = int64_t{1} << 30;

TEST(ResourcesTest, AddsAndSubtractsEveryDimension) {
  const Resources a{2000, 8 * kGi, 1};
  const Resources b{500, kGi, 2};
  EXPECT_EQ(a + b, (Resources{2500, 9 * kGi, 3}));
  EXPECT_EQ(a - b, (Resources{1500, 7 * kGi, -1}));
  Resources held;
  held += a;
  held += b;
  held -= a;
  EXPECT_EQ(held, b);
}

TEST(ResourcesTest, FitsWhenEveryDimensionFits) {
  const Resources available{4000, 16 * kGi, 2};
  EXPECT_TRUE((Resources{4000, 16 * kGi, 2}).FitsIn(available));  // exactly
  EXPECT_TRUE((Resources{1000, kGi, 1}).FitsIn(available));
  EXPECT_FALSE((Resources{4001, kGi, 0}).FitsIn(available));
  EXPECT_FALSE((Resources{0, 16 * kGi + 1, 0}).FitsIn(available));
  EXPECT_FALSE((Resources{0, 0, 3}).FitsIn(available));
}

TEST(ResourcesTest, ADimensionNotAskedForAlwaysFits) {
  const Resources overcommitted{-500, -kGi, 0};
  EXPECT_TRUE(Resources{}.FitsIn(overcommitted));
  EXPECT_TRUE((Resources{0, 0, 0}).FitsIn(Resources{}));
  EXPECT_FALSE((Resources{1, 0, 0}).FitsIn(overcommitted));
  EXPECT_FALSE((Resources{0, 1, 0}).FitsIn(overcommitted));
  // No GPUs asked for fits a machine without GPUs.
  EXPECT_TRUE((Resources{1000, kGi, 0}).FitsIn(Resources{8000, 64 * kGi, 0}));
}

}  // namespace
}  // namespace inet
