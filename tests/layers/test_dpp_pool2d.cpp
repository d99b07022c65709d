#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/dpp_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_dpp.h"

namespace poolnet {
namespace {

std::vector<double> doubles(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  return {v.begin(), v.end()};
}

// Two parameters per channel, named for checkpoints, drawn uniform in [-1/sqrt(C), 1/sqrt(C)]
// from the seed (the authors' reset()).
TEST(DppPool2dLayer, LearnsTwoRewardsPerChannel) {
  DppPool2d layer({.channels = 4, .seed = 3});
  EXPECT_EQ(layer.describe(), "DppPool2d(4, window=2x2)");
  const NamedTensors params = layer.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "log_alpha");
  EXPECT_EQ(params[1].first, "log_lambda");
  for (const auto& [name, t] : params) {
    EXPECT_EQ(t.shape(), (Shape{4})) << name;
    for (float v : t.to_vector()) EXPECT_LE(std::abs(v), 0.5f) << name;
  }
  EXPECT_FALSE(testing::bitwise_equal(layer.log_alpha(), layer.log_lambda()));
  EXPECT_TRUE(testing::bitwise_equal(DppPool2d({.channels = 4, .seed = 3}).log_alpha(), layer.log_alpha()));
  Tensor x = testing::random_tensor({2, 4, 6, 7}, 1);
  EXPECT_TRUE(testing::all_close(
      layer(x), reference::dpp_pool(x, doubles(layer.log_alpha()), doubles(layer.log_lambda()), 2, 2), 1e-6, 1e-5));
}

TEST(DppPool2dLayer, GradientsReachTheRewards) {
  DppPool2d layer({.channels = 2, .pool = {.window = {3, 3}}, .seed = 1});
  EXPECT_EQ(layer.windows()[0].kernel, (Size2d{3, 3}));
  EXPECT_EQ(layer.windows()[0].stride, (Size2d{3, 3}));
  EXPECT_EQ(layer.config().type, "DppPool2d");
  EXPECT_TRUE(testing::grad_check([&](const std::vector<Tensor>& in) { return layer(in[0]); },
                                  {testing::random_tensor({2, 2, 6, 6}, 2, -2.0f, 2.0f).set_requires_grad()}));
  sum(layer(testing::random_tensor({2, 2, 6, 6}, 2, -2.0f, 2.0f))).backward();
  EXPECT_TRUE(layer.log_alpha().grad().defined());
  EXPECT_TRUE(layer.log_lambda().grad().defined());
  EXPECT_THROW(DppPool2d({.channels = 0}), ConfigError);
}

}  // namespace
}  // namespace poolnet
