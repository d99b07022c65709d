#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/soft_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {

TEST(SoftPool2dLayer, ComposesTheOp) {
  SoftPool2d layer({.kernel = {3, 3}, .stride = {2, 2}});
  EXPECT_EQ(layer.describe(), "SoftPool2d(kernel=3x3, stride=2x2)");
  EXPECT_EQ(layer.parameter_count(), 0);
  Tensor x = testing::random_tensor({2, 3, 9, 8}, 1);
  EXPECT_TRUE(testing::all_close(layer(x), reference::soft_pool(x, 3, 2), 1e-6, 1e-5));
}

TEST(SoftPool2dLayer, RejectsBadOptionsAtConstruction) { EXPECT_THROW(SoftPool2d({.stride = {0, 1}}), ShapeError); }

TEST(SoftPool2dLayer, WindowIsTheKernel) {
  const std::vector<Window> w = SoftPool2d({.kernel = {3, 2}, .stride = {1, 2}}).windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].kernel, (Size2d{3, 2}));
  EXPECT_EQ(w[0].stride, (Size2d{1, 2}));
}

}  // namespace
}  // namespace poolnet
