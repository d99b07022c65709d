#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/avg_pool2d.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::random_tensor;

TEST(AvgPool2dLayer, ComposesTheOpWithItsOptions) {
  const Pool2d options{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .count_include_pad = false};
  AvgPool2d pool(options);
  const Tensor x = random_tensor({2, 3, 9, 8}, 1);
  EXPECT_TRUE(bitwise_equal(pool(x), avg_pool2d(x, options)));
  EXPECT_EQ(pool.parameter_count(), 0);
}

TEST(AvgPool2dLayer, Describe) {
  EXPECT_EQ(AvgPool2d().describe(), "AvgPool2d(kernel=2x2, stride=2x2)");
  EXPECT_EQ(AvgPool2d(Pool2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true,
                             .count_include_pad = false, .divisor_override = 4})
                .describe(),
            "AvgPool2d(kernel=3x3, stride=2x2, padding=1x1, ceil_mode=true, count_include_pad=false, divisor_override=4)");
}

TEST(AvgPool2dLayer, ErrorsComeFromTheOp) {
  AvgPool2d pool(Pool2d{.kernel = {2, 2}, .padding = {2, 2}});
  EXPECT_THROW(pool(Tensor::zeros({1, 1, 8, 8})), ShapeError);
}

}  // namespace
}  // namespace poolnet
