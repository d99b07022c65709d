#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/blur_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {

TEST(BlurPool2dLayer, ComposesTheOpAndHasNoParameters) {
  BlurPool2d layer({.filter_size = 5, .stride = {2, 2}, .padding_mode = PadMode::kCircular});
  EXPECT_EQ(layer.describe(), "BlurPool2d(filter=5, stride=2, padding=circular)");
  EXPECT_EQ(layer.parameter_count(), 0);
  Tensor x = testing::random_tensor({2, 3, 9, 8}, 1);
  EXPECT_TRUE(testing::all_close(layer(x), reference::blur_pool(x, 5, 2, "circular"), 1e-6, 1e-5));
  EXPECT_EQ(BlurPool2d().describe(), "BlurPool2d(filter=3, stride=2, padding=reflect)");
}

TEST(BlurPool2dLayer, RejectsBadOptionsAtConstruction) {
  EXPECT_THROW(BlurPool2d({.filter_size = 0}), ShapeError);
  EXPECT_THROW(BlurPool2d({.filter_size = 8}), ShapeError);
  EXPECT_THROW(BlurPool2d({.stride = {0, 0}}), ShapeError);
}

TEST(BlurPool2dLayer, WindowIsTheFilterWithItsPadding) {
  const std::vector<Window> w = BlurPool2d({.filter_size = 5, .stride = {3, 3}}).windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].kernel, (Size2d{5, 5}));
  EXPECT_EQ(w[0].stride, (Size2d{3, 3}));
  EXPECT_EQ(w[0].padding, (Size2d{2, 2}));
  EXPECT_FALSE(w[0].adaptive);
}

}  // namespace
}  // namespace poolnet
