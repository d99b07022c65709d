#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/mixed_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {

TEST(MixedPool2dLayer, StartsHalfAndHalfWithALearnableGate) {
  MixedPool2d layer;
  EXPECT_EQ(layer.describe(), "MixedPool2d(kernel=2x2, stride=2x2)");
  ASSERT_EQ(layer.named_parameters().size(), 1u);
  EXPECT_EQ(layer.named_parameters()[0].first, "gate");
  EXPECT_EQ(layer.alpha(), 0.5f);
  Tensor x = testing::random_tensor({2, 3, 8, 8}, 1);
  EXPECT_TRUE(testing::all_close(layer(x), reference::mixed_pool(x, 2, 2, 0.5), 1e-6, 1e-5));
  layer.gate().data()[0] = 1.0f;
  EXPECT_TRUE(testing::all_close(layer(x), reference::mixed_pool(x, 2, 2, layer.alpha()), 1e-6, 1e-5));
}

TEST(MixedPool2dLayer, WindowAndErrors) {
  const std::vector<Window> w = MixedPool2d(Pool2d{.kernel = {3, 3}}).windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].kernel, (Size2d{3, 3}));
  EXPECT_EQ(w[0].stride, (Size2d{3, 3}));
  EXPECT_THROW(MixedPool2d(Pool2d{.dilation = {2, 2}}), ConfigError);
}

}  // namespace
}  // namespace poolnet
