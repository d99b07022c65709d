#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/max_pool2d.h"
#include "layers/max_unpool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::separated_tensor;

TEST(MaxUnpool2dLayer, RestoresMaximaAtTheirPositions) {
  MaxPool2d pool;
  MaxUnpool2d unpool;
  const Tensor x = separated_tensor({2, 3, 5, 7}, 1);
  const auto [y, indices] = pool.forward_with_indices(x);
  EXPECT_EQ(unpool.default_output_size(y), (Size2d{4, 6}));
  const Tensor restored = unpool.forward(y, indices, {5, 7});  // odd sizes: explicit output size
  EXPECT_EQ(restored.shape(), x.shape());
  EXPECT_TRUE(bitwise_equal(restored, max_unpool2d(y, indices, {5, 7})));
  int64_t kept = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (restored.data()[i] != 0.0f) {
      EXPECT_EQ(restored.data()[i], x.data()[i]);
      ++kept;
    }
  }
  EXPECT_EQ(kept, y.numel());  // separated values: every maximum is distinct and nonzero
  // The default output size suits even inputs; for odd ones the indices point past it.
  EXPECT_THROW(unpool.forward(y, indices), ShapeError);
  const auto even = pool.forward_with_indices(separated_tensor({1, 2, 4, 6}, 2));
  EXPECT_EQ(unpool.forward(even.output, even.indices).shape(), (Shape{1, 2, 4, 6}));
  EXPECT_EQ(unpool.parameter_count(), 0);
}

TEST(MaxUnpool2dLayer, GradientGathers) {
  const Pool2d options{.kernel = {3, 3}, .stride = {3, 3}, .padding = {1, 1}};  // no overlap: no duplicates
  MaxPool2d pool(options);
  MaxUnpool2d unpool(options);
  const auto r = pool.forward_with_indices(separated_tensor({1, 2, 7, 7}, 2));
  Tensor v = separated_tensor(r.output.shape(), 3).set_requires_grad();
  EXPECT_TRUE(testing::op_contract({.op = "max_unpool2d",
                                    .f = [&](const std::vector<Tensor>& in) { return unpool.forward(in[0], r.indices); },
                                    .inputs = {v}}));
}

TEST(MaxUnpool2dLayer, DescribeAndErrors) {
  EXPECT_EQ(MaxUnpool2d().describe(), "MaxUnpool2d(kernel=2x2, stride=2x2)");
  EXPECT_EQ(MaxUnpool2d(Pool2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}}).describe(),
            "MaxUnpool2d(kernel=3x3, stride=2x2, padding=1x1)");
  MaxUnpool2d unpool;
  const Tensor x = separated_tensor({1, 1, 4, 4}, 1);
  const auto [y, indices] = MaxPool2d().forward_with_indices(x);
  EXPECT_THROW(unpool.forward(y), ConfigError);
  try {
    unpool.forward(y, indices, {6, 4});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "MaxUnpool2d: output size 6x4 must lie between 3x3 and 5x5 for x=[1,1,2,2] "
                           "(MaxUnpool2d(kernel=2x2, stride=2x2))");
  }
}

}  // namespace
}  // namespace poolnet
