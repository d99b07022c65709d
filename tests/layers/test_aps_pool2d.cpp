#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/aps_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {

TEST(ApsPool2dLayer, SelectsLikeTheOpAndKeepsThePhases) {
  ApsPool2d layer({.aps = {.stride = {2, 2}, .norm = ApsNorm::kL1}});
  EXPECT_EQ(layer.describe(), "ApsPool2d(stride=2, norm=l1)");
  EXPECT_EQ(layer.parameter_count(), 0);
  Tensor x = testing::random_tensor({4, 3, 8, 6}, 1);
  Tensor y = layer(x);
  EXPECT_EQ(layer.last_phases(), reference::aps_phases(x, 2, "l1"));
  EXPECT_TRUE(testing::bitwise_equal(y, reference::aps_select(x, layer.last_phases(), Size2d{2, 2})));
  // A residual shortcut reuses the choice.
  Tensor shortcut = testing::random_tensor({4, 5, 8, 6}, 2);
  EXPECT_TRUE(testing::bitwise_equal(aps_select(shortcut, layer.last_phases(), Size2d{2, 2}),
                                     reference::aps_select(shortcut, layer.last_phases(), Size2d{2, 2})));
}

TEST(ApsPool2dLayer, BlurVariantBlursFirst) {
  ApsPool2d layer({.aps = {}, .blur_filter = 3, .blur_padding = PadMode::kCircular});
  EXPECT_EQ(layer.describe(), "ApsPool2d(stride=2, norm=l2, blur=3, padding=circular)");
  Tensor x = testing::random_tensor({2, 3, 8, 8}, 3);
  Tensor blurred = reference::blur_pool(x, 3, 1, "circular");
  Tensor y = layer(x);
  EXPECT_EQ(layer.last_phases(), reference::aps_phases(blurred, 2, "l2"));
  EXPECT_TRUE(testing::all_close(y, reference::aps_select(blurred, layer.last_phases(), Size2d{2, 2}), 1e-6, 1e-5));
}

TEST(ApsPool2dLayer, RejectsBadOptionsAtConstruction) {
  EXPECT_THROW(ApsPool2d({.aps = {.stride = {1, 1}}}), ShapeError);
  EXPECT_THROW(ApsPool2d({.blur_filter = 9}), ConfigError);
}

TEST(ApsPool2dLayer, WindowsAreAdaptive) {
  std::vector<Window> w = ApsPool2d({.aps = {.stride = {3, 3}}}).windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].kernel, (Size2d{3, 3}));
  EXPECT_EQ(w[0].stride, (Size2d{3, 3}));
  EXPECT_TRUE(w[0].adaptive);
  w = ApsPool2d({.blur_filter = 4}).windows();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].kernel, (Size2d{4, 4}));
  EXPECT_EQ(w[0].stride, (Size2d{1, 1}));
  EXPECT_EQ(w[0].padding, (Size2d{1, 1}));
  EXPECT_EQ(w[1].stride, (Size2d{2, 2}));
}

}  // namespace
}  // namespace poolnet
