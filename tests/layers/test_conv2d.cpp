#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "layers/conv2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_conv.h"

namespace poolnet {
namespace {

TEST(Conv2dLayer, ParameterNamesShapesAndInitBounds) {
  Conv2d conv({.in_channels = 4, .out_channels = 6, .kernel = {3, 2}, .groups = 2}, 7);
  const NamedTensors params = conv.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{6, 2, 3, 2}));
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(params[1].second.shape(), (Shape{6}));
  const float bound = 1.0f / std::sqrt(2.0f * 3 * 2);  // fan_in = in/groups * KH * KW
  for (const auto& [name, t] : params) {
    EXPECT_TRUE(t.requires_grad()) << name;
    for (float v : t.span()) EXPECT_LE(std::fabs(v), bound) << name;
  }
  EXPECT_EQ(conv.parameter_count(), 6 * 2 * 3 * 2 + 6);
  Conv2d no_bias({.in_channels = 1, .out_channels = 2, .kernel = {3, 3}, .bias = false}, 7);
  EXPECT_EQ(no_bias.named_parameters().size(), 1u);
}

TEST(Conv2dLayer, SeedDeterminesTheWeights) {
  const Conv2d::Options o{.in_channels = 2, .out_channels = 3, .kernel = {3, 3}};
  EXPECT_EQ(Conv2d(o, 1).weight().to_vector(), Conv2d(o, 1).weight().to_vector());
  EXPECT_NE(Conv2d(o, 1).weight().to_vector(), Conv2d(o, 2).weight().to_vector());
  EXPECT_NE(Conv2d(o, 1).weight().to_vector(), Conv2d(o, 1).bias().to_vector());
}

TEST(Conv2dLayer, ForwardComposesTheOp) {
  Conv2d conv({.in_channels = 2, .out_channels = 3, .kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1},
               .padding_mode = PadMode::kReflect},
              3);
  Tensor x = testing::random_tensor({2, 2, 7, 6}, 4);
  EXPECT_TRUE(testing::all_close(conv(x), reference::conv2d(x, conv.weight(), conv.bias(), conv.op_options())));
}

TEST(Conv2dLayer, DescribeLooksLikePyTorch) {
  EXPECT_EQ(Conv2d({.in_channels = 1, .out_channels = 6, .kernel = {5, 5}, .padding = {2, 2}}, 0).describe(),
            "Conv2d(1, 6, kernel=5x5, stride=1x1, padding=2x2)");
  EXPECT_EQ(Conv2d({.in_channels = 4, .out_channels = 4, .kernel = {3, 3}, .same = true, .dilation = {2, 2},
                    .groups = 4, .bias = false, .padding_mode = PadMode::kCircular},
                   0)
                .describe(),
            "Conv2d(4, 4, kernel=3x3, stride=1x1, padding=same, dilation=2x2, groups=4, bias=false, "
            "padding_mode=circular)");
}

TEST(Conv2dLayer, WindowIsTheKernelGeometry) {
  const auto w = Conv2d({.in_channels = 1, .out_channels = 1, .kernel = {3, 5}, .stride = {2, 1}, .padding = {1, 2},
                         .dilation = {1, 2}},
                        0)
                     .windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].kernel, (Size2d{3, 5}));
  EXPECT_EQ(w[0].stride, (Size2d{2, 1}));
  EXPECT_EQ(w[0].padding, (Size2d{1, 2}));
  EXPECT_EQ(w[0].dilation, (Size2d{1, 2}));
  EXPECT_FALSE(w[0].global);
  const auto same = Conv2d({.in_channels = 1, .out_channels = 1, .kernel = {4, 3}, .same = true, .dilation = {1, 2}}, 0)
                        .windows();
  EXPECT_EQ(same[0].padding, (Size2d{1, 2}));  // floor(dilation*(k-1)/2) before, the rest after
}

TEST(Conv2dLayer, BadOptionsAreConfigErrors) {
  EXPECT_THROW(Conv2d({.in_channels = 3, .out_channels = 4, .groups = 2}, 0), ConfigError);
  EXPECT_THROW(Conv2d({.in_channels = 0, .out_channels = 4}, 0), ConfigError);
  EXPECT_THROW(Conv2d({.in_channels = 1, .out_channels = 1, .stride = {2, 2}, .same = true}, 0), ConfigError);
  EXPECT_THROW(Conv2d({.in_channels = 1, .out_channels = 1, .kernel = {0, 3}}, 0), ConfigError);
}

}  // namespace
}  // namespace poolnet
