#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/global_avg_pool.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::separated_tensor;

TEST(GlobalAvgPoolLayer, PoolsEachPlaneToOneValue) {
  GlobalAvgPool pool;
  const Tensor x = separated_tensor({2, 3, 5, 4}, 1);
  const Tensor y = pool(x);
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_TRUE(all_close(y, reshape(adaptive_avg_pool2d(x, {1, 1}), {2, 3}), 1e-6, 1e-6));
  EXPECT_EQ(pool.parameter_count(), 0);
  EXPECT_TRUE(testing::op_contract({.op = "global_avg_pool",
                                    .f = [&](const std::vector<Tensor>& in) { return pool(in[0]); },
                                    .inputs = {separated_tensor({2, 2, 3, 4}, 3).set_requires_grad()}}));
}

TEST(GlobalAvgPoolLayer, DescribeAndErrors) {
  EXPECT_EQ(GlobalAvgPool().describe(), "GlobalAvgPool()");
  EXPECT_THROW(GlobalAvgPool()(Tensor::ones({4, 4})), ShapeError);
}

}  // namespace
}  // namespace poolnet
