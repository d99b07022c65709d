#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/max_pool2d.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::separated_tensor;

TEST(MaxPool2dLayer, ComposesTheOpWithItsOptions) {
  const Pool2d options{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true};
  MaxPool2d pool(options);
  const Tensor x = separated_tensor({2, 3, 9, 8}, 1);
  EXPECT_TRUE(bitwise_equal(pool(x), max_pool2d(x, options)));
  const MaxPoolResult r = pool.forward_with_indices(x);
  EXPECT_TRUE(bitwise_equal(r.output, pool(x)));
  EXPECT_EQ(r.indices.values, max_pool2d_with_indices(x, options).indices.values);
  EXPECT_EQ(pool.parameter_count(), 0);
  EXPECT_EQ(pool(separated_tensor({1, 1, 5, 5}, 2)).shape(), (Shape{1, 1, 3, 3}));  // any input size
}

TEST(MaxPool2dLayer, Describe) {
  EXPECT_EQ(MaxPool2d().describe(), "MaxPool2d(kernel=2x2, stride=2x2)");
  EXPECT_EQ(MaxPool2d(Pool2d{.kernel = {3, 3}, .stride = {1, 1}, .padding = {1, 1}, .dilation = {2, 2}, .ceil_mode = true})
                .describe(),
            "MaxPool2d(kernel=3x3, stride=1x1, padding=1x1, dilation=2x2, ceil_mode=true)");
}

TEST(MaxPool2dLayer, ErrorsComeFromTheOp) {
  MaxPool2d pool(Pool2d{.kernel = {3, 3}});
  EXPECT_THROW(pool(Tensor::zeros({1, 1, 2, 2})), ShapeError);
}

}  // namespace
}  // namespace poolnet
