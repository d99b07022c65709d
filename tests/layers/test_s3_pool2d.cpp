#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/downsample.h"
#include "layers/s3_pool2d.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

TEST(S3Pool2dLayer, EachTrainingCallDrawsAnewReproducibly) {
  const Tensor x = testing::random_tensor({2, 3, 16, 12}, 1);
  S3Pool2d a({.grid = {4, 4}, .seed = 7}), b({.grid = {4, 4}, .seed = 7});
  EXPECT_EQ(a.describe(), "S3Pool2d(stride=2x2, grid=4x4)");
  const Tensor a0 = a(x), a1 = a(x);
  EXPECT_EQ(a.calls(), 2u);
  for (uint64_t step : {0u, 1u}) {
    EXPECT_TRUE(testing::bitwise_equal(step == 0 ? a0 : a1, s3_pool2d(x, {.grid = {4, 4}, .seed = 7, .step = step})));
  }
  EXPECT_FALSE(testing::bitwise_equal(a0, a1));
  EXPECT_TRUE(testing::bitwise_equal(b(x), a0));
  // A resumed layer (its counter restored, as a checkpoint does) draws what the original draws next.
  S3Pool2d resumed({.grid = {4, 4}, .seed = 7});
  for (const auto& [name, counter] : resumed.named_counters()) {
    EXPECT_EQ(name, "calls");
    *counter = 2;
  }
  EXPECT_TRUE(testing::bitwise_equal(resumed(x), a(x)));
}

TEST(S3Pool2dLayer, EvalAveragesTheMaxMapAndDoesNotCount) {
  const Tensor x = testing::random_tensor({2, 3, 9, 10}, 2);
  S3Pool2d layer({.stride = {3, 2}});
  layer.eval();
  EXPECT_EQ(layer.describe(), "S3Pool2d(stride=3x2)");
  const Tensor y = layer(x);
  const Tensor m = max_pool2d(x, {.kernel = {2, 2}, .stride = {1, 1}});
  EXPECT_TRUE(testing::bitwise_equal(
      y, avg_pool2d(m, {.kernel = {3, 2}, .stride = {3, 2}, .padding = {1, 1}, .count_include_pad = false})));
  EXPECT_TRUE(testing::bitwise_equal(layer(x), y));
  EXPECT_EQ(layer.calls(), 0u);
}

TEST(S3Pool2dLayer, AnisotropicAndStrideThreeShapes) {
  const Tensor x = testing::random_tensor({1, 2, 12, 12}, 3);
  EXPECT_EQ(S3Pool2d({.stride = {2, 1}})(x).shape(), (Shape{1, 2, 6, 11}));
  EXPECT_EQ(S3Pool2d({.stride = {3, 3}})(x).shape(), (Shape{1, 2, 4, 4}));
  EXPECT_EQ(S3Pool2d({.stride = {3, 3}, .grid = {6, 6}})(x).shape(), (Shape{1, 2, 4, 4}));
}

TEST(S3Pool2dLayer, RejectsBadOptionsAtConstruction) {
  EXPECT_THROW(S3Pool2d({.stride = {0, 2}}), ShapeError);
  EXPECT_THROW(S3Pool2d({.stride = {2, 2}, .grid = {1, 1}}), ShapeError);
  EXPECT_THROW(S3Pool2d({.stride = {3, 3}, .grid = {4, 2}}), ShapeError);
}

TEST(S3Pool2dLayer, ConfigAndWindows) {
  const S3Pool2d layer({.stride = {3, 2}, .grid = {6, 4}});
  const ModuleConfig c = layer.config();
  EXPECT_EQ(c.type, "S3Pool2d");
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[0].first, "stride");
  EXPECT_EQ(std::get<Size2d>(c.args[0].second), (Size2d{3, 2}));
  EXPECT_EQ(c.args[1].first, "grid");
  EXPECT_EQ(std::get<Size2d>(c.args[1].second), (Size2d{6, 4}));
  const std::vector<Window> w = layer.windows();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].kernel, (Size2d{2, 2}));
  EXPECT_EQ(w[0].stride, (Size2d{1, 1}));
  EXPECT_EQ(w[1].kernel, (Size2d{3, 2}));
  EXPECT_EQ(w[1].stride, (Size2d{3, 2}));
  EXPECT_EQ(w[1].padding, (Size2d{1, 1}));
}

TEST(S3Pool2dLayer, RegistryRowTakesTheGridAndTheContextsStride) {
  const DownsampleContext c{.channels = 2, .seed = 5, .stride = 3};
  EXPECT_EQ(make_downsample(parse_downsample("s3_pool"), c)->describe(), "S3Pool2d(stride=3x3)");
  EXPECT_EQ(make_downsample(parse_downsample("s3_pool:grid=6"), c)->describe(), "S3Pool2d(stride=3x3, grid=6x6)");
  EXPECT_THROW(make_downsample(parse_downsample("s3_pool:grid=2"), c), ConfigError);  // fewer rows than the stride
  EXPECT_THROW(parse_downsample("s3_pool:grid=0"), ConfigError);
}

}  // namespace
}  // namespace poolnet
