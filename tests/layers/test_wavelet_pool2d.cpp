#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/downsample.h"
#include "layers/wavelet_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_wavelet.h"

namespace poolnet {
namespace {

TEST(WaveletPool2dLayer, ComposesTheOp) {
  WaveletPool2d layer({.wavelet = Wavelet::kDb2});
  EXPECT_EQ(layer.describe(), "WaveletPool2d(wavelet=db2)");
  EXPECT_EQ(layer.parameter_count(), 0);
  Tensor x = testing::random_tensor({2, 3, 8, 12}, 1);
  EXPECT_TRUE(testing::all_close(layer(x), reference::wavelet_pool_two_level(x, "db2"), 1e-6, 1e-5));
  const ModuleConfig config = layer.config();
  EXPECT_EQ(config.type, "WaveletPool2d");
  ASSERT_EQ(config.args.size(), 1u);
  EXPECT_EQ(std::get<std::string>(config.args[0].second), "db2");
}

// Receptive field: haar reads 2 inputs from 2i, db2 4 inputs from 2i - 1 (wider).
TEST(WaveletPool2dLayer, WindowIsTheLowPassFilter) {
  const std::vector<Window> haar = WaveletPool2d({.wavelet = Wavelet::kHaar}).windows();
  const std::vector<Window> db2 = WaveletPool2d({.wavelet = Wavelet::kDb2}).windows();
  ASSERT_EQ(haar.size(), 1u);
  ASSERT_EQ(db2.size(), 1u);
  EXPECT_EQ(haar[0].kernel, (Size2d{2, 2}));
  EXPECT_EQ(haar[0].padding, (Size2d{0, 0}));
  EXPECT_EQ(db2[0].kernel, (Size2d{4, 4}));
  EXPECT_EQ(db2[0].padding, (Size2d{1, 1}));
  EXPECT_EQ(db2[0].stride, (Size2d{2, 2}));
}

TEST(WaveletPool2dLayer, StrategyNeedsStrideTwo) {
  const DownsampleContext stride3{.channels = 2, .stride = 3};
  try {
    make_downsample(parse_downsample("wavelet_pool:wavelet=db2"), stride3);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("needs a context stride of 2, got 3"), std::string::npos) << e.what();
  }
  auto m = make_downsample(parse_downsample("wavelet_pool"), {.channels = 2});
  EXPECT_EQ(m->describe(), "WaveletPool2d(wavelet=haar)");
  EXPECT_EQ(m->forward(Tensor::zeros({1, 2, 7, 8})).shape(), (Shape{1, 2, 4, 4}));
  EXPECT_THROW(parse_downsample("wavelet_pool:wavelet=db4"), ConfigError);
}

}  // namespace
}  // namespace poolnet
