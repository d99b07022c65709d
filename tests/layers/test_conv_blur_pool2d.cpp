#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/conv_blur_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {

TEST(ConvBlurPool2dLayer, ConvReluThenBlur) {
  for (PadMode mode : {PadMode::kZeros, PadMode::kCircular}) {
    ConvBlurPool2d layer({.channels = 3, .filter_size = 3, .stride = {2, 2}, .padding_mode = mode}, 5);
    const NamedTensors params = layer.named_parameters();
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[0].first, "conv.weight");
    EXPECT_EQ(params[0].second.shape(), (Shape{3, 3, 3, 3}));
    EXPECT_EQ(params[1].first, "conv.bias");
    Tensor x = testing::random_tensor({2, 3, 8, 7}, 1);
    const Tensor conv = conv2d(x, params[0].second, params[1].second, {.padding = {1, 1}, .padding_mode = mode});
    const Tensor want = reference::blur_pool(relu(conv), 3, 2, to_string(mode));
    EXPECT_TRUE(testing::all_close(layer(x), want, 1e-5, 1e-5)) << to_string(mode);
    EXPECT_EQ(layer(x).shape(), (Shape{2, 3, 4, 4}));
  }
  EXPECT_EQ(ConvBlurPool2d({.channels = 16}, 1).describe(), "ConvBlurPool2d(16, filter=3, stride=2, padding=zeros)");
}

TEST(ConvBlurPool2dLayer, WindowsAndErrors) {
  const std::vector<Window> w = ConvBlurPool2d({.channels = 4}, 1).windows();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].kernel, (Size2d{3, 3}));
  EXPECT_EQ(w[0].padding, (Size2d{1, 1}));
  EXPECT_EQ(w[1].stride, (Size2d{2, 2}));
  EXPECT_THROW(ConvBlurPool2d({.channels = 0}, 1), ConfigError);
  EXPECT_THROW(ConvBlurPool2d({.channels = 4, .filter_size = 0}, 1), ShapeError);
}

}  // namespace
}  // namespace poolnet
