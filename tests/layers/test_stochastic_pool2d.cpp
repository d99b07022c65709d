#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/stochastic_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {

TEST(StochasticPool2dLayer, EachTrainingCallDrawsAnewReproducibly) {
  Tensor x = testing::random_tensor({2, 3, 8, 8}, 1, 0.0f, 1.0f);
  StochasticPool2d a({.seed = 7}), b({.seed = 7});
  EXPECT_EQ(a.describe(), "StochasticPool2d(kernel=2x2, stride=2x2)");
  Tensor a0 = a(x), a1 = a(x);
  EXPECT_EQ(a.calls(), 2u);
  EXPECT_TRUE(testing::bitwise_equal(a0, reference::stochastic_pool_train(x, 2, 2, 7, 0)));
  EXPECT_TRUE(testing::bitwise_equal(a1, reference::stochastic_pool_train(x, 2, 2, 7, 1)));
  EXPECT_FALSE(testing::bitwise_equal(a0, a1));
  EXPECT_TRUE(testing::bitwise_equal(b(x), a0));
}

TEST(StochasticPool2dLayer, EvalIsDeterministicAndDoesNotCount) {
  Tensor x = testing::random_tensor({2, 3, 9, 8}, 2, 0.0f, 1.0f);
  StochasticPool2d layer({.kernel = {3, 3}, .stride = {3, 3}});
  layer.eval();
  EXPECT_TRUE(testing::all_close(layer(x), reference::stochastic_pool_eval(x, 3, 3), 1e-6, 1e-5));
  EXPECT_TRUE(testing::bitwise_equal(layer(x), layer(x)));
  EXPECT_EQ(layer.calls(), 0u);
}

TEST(StochasticPool2dLayer, RejectsBadOptionsAtConstruction) {
  EXPECT_THROW(StochasticPool2d({.kernel = {0, 2}}), ShapeError);
}

TEST(StochasticPool2dLayer, WindowIsTheKernel) {
  const std::vector<Window> w = StochasticPool2d({.kernel = {3, 3}, .stride = {2, 2}}).windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].kernel, (Size2d{3, 3}));
  EXPECT_EQ(w[0].stride, (Size2d{2, 2}));
}

}  // namespace
}  // namespace poolnet
