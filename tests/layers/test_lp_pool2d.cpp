#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/lp_pool2d.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::random_tensor;

TEST(LpPool2dLayer, ComposesTheOpWithItsOptions) {
  const Pool2d options{.kernel = {3, 3}, .stride = {2, 2}, .ceil_mode = true};
  LpPool2d pool(3.0f, options);
  const Tensor x = random_tensor({2, 3, 8, 8}, 1, 0.1f, 1.0f);
  EXPECT_TRUE(bitwise_equal(pool(x), lp_pool2d(x, 3.0f, options)));
  EXPECT_EQ(pool.p(), 3.0f);
  EXPECT_EQ(pool.parameter_count(), 0);
}

TEST(LpPool2dLayer, Describe) {
  EXPECT_EQ(LpPool2d(2.0f).describe(), "LpPool2d(p=2, kernel=2x2, stride=2x2)");
  EXPECT_EQ(LpPool2d(2.5f, Pool2d{.kernel = {3, 3}, .stride = {1, 1}, .ceil_mode = true}).describe(),
            "LpPool2d(p=2.5, kernel=3x3, stride=1x1, ceil_mode=true)");
}

TEST(LpPool2dLayer, ErrorsComeFromTheOp) {
  EXPECT_THROW(LpPool2d(0.5f)(Tensor::ones({1, 1, 4, 4})), ShapeError);
}

}  // namespace
}  // namespace poolnet
