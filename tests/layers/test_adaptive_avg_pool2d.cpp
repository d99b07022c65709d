#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/adaptive_avg_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::separated_tensor;

TEST(AdaptiveAvgPool2dLayer, FixedOutputForAnyInputSize) {
  AdaptiveAvgPool2d pool({3, 2});
  for (const Shape& shape : {Shape{2, 3, 9, 8}, Shape{1, 2, 3, 2}, Shape{1, 1, 2, 1}}) {
    const Tensor x = separated_tensor(shape, 1);
    const Tensor y = pool(x);
    EXPECT_EQ(y.shape(), (Shape{shape[0], shape[1], 3, 2}));
    EXPECT_TRUE(bitwise_equal(y, adaptive_avg_pool2d(x, {3, 2})));
  }
  EXPECT_EQ(pool.output_size(), (Size2d{3, 2}));
  EXPECT_EQ(pool.parameter_count(), 0);
  EXPECT_TRUE(testing::op_contract({.op = "adaptive_avg_pool2d",
                                    .f = [&](const std::vector<Tensor>& in) { return pool(in[0]); },
                                    .inputs = {separated_tensor({1, 2, 7, 5}, 3).set_requires_grad()}}));
}

TEST(AdaptiveAvgPool2dLayer, DescribeAndErrors) {
  EXPECT_EQ(AdaptiveAvgPool2d({1, 1}).describe(), "AdaptiveAvgPool2d(output=1x1)");
  EXPECT_THROW(AdaptiveAvgPool2d({0, 1})(Tensor::ones({1, 1, 4, 4})), ShapeError);
}

}  // namespace
}  // namespace poolnet
