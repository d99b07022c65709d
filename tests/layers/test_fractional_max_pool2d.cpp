#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/fractional_max_pool2d.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

TEST(FractionalMaxPool2dLayer, EachTrainingCallDrawsAnewReproducibly) {
  const Tensor x = testing::random_tensor({2, 3, 11, 9}, 1);
  FractionalMaxPool2d a({.ratio = 0.7, .seed = 7}), b({.ratio = 0.7, .seed = 7});
  EXPECT_EQ(a.describe(), "FractionalMaxPool2d(kernel=2x2, ratio=0.7)");
  const Tensor a0 = a(x), a1 = a(x);
  EXPECT_EQ(a.calls(), 2u);
  for (uint64_t step : {0u, 1u}) {
    EXPECT_TRUE(testing::bitwise_equal(step == 0 ? a0 : a1,
                                       fractional_max_pool2d(x, {.ratio = 0.7, .seed = 7, .step = step})));
  }
  EXPECT_FALSE(testing::bitwise_equal(a0, a1));
  EXPECT_TRUE(testing::bitwise_equal(b(x), a0));
  // A resumed layer (its counter restored, as a checkpoint does) draws what the original draws next.
  FractionalMaxPool2d resumed({.ratio = 0.7, .seed = 7});
  for (const auto& [name, counter] : resumed.named_counters()) {
    EXPECT_EQ(name, "calls");
    *counter = 2;
  }
  EXPECT_TRUE(testing::bitwise_equal(resumed(x), a(x)));
}

TEST(FractionalMaxPool2dLayer, EvalUsesEvalUAndDoesNotCount) {
  const Tensor x = testing::random_tensor({2, 3, 9, 10}, 2);
  FractionalMaxPool2d layer({.kernel = {3, 3}, .output = {5, 6}, .eval_u = 0.25f});
  layer.eval();
  EXPECT_EQ(layer.describe(), "FractionalMaxPool2d(kernel=3x3, output=5x6, eval_u=0.25)");
  const Tensor y = layer(x);
  EXPECT_TRUE(testing::bitwise_equal(
      y, fractional_max_pool2d(x, Tensor::full({2, 3, 2}, 0.25f), {.kernel = {3, 3}, .output = {5, 6}})));
  EXPECT_TRUE(testing::bitwise_equal(layer(x), y));
  EXPECT_EQ(layer.calls(), 0u);
}

TEST(FractionalMaxPool2dLayer, RejectsBadOptionsAtConstruction) {
  EXPECT_THROW(FractionalMaxPool2d({.kernel = {0, 2}}), ShapeError);
  EXPECT_THROW(FractionalMaxPool2d({.ratio = 1.0}), ShapeError);
  EXPECT_THROW(FractionalMaxPool2d({.output = {0, 3}}), ShapeError);
  EXPECT_THROW(FractionalMaxPool2d({.eval_u = 1.0f}), ShapeError);
}

TEST(FractionalMaxPool2dLayer, ConfigAndWindows) {
  const FractionalMaxPool2d layer({.kernel = {3, 3}, .ratio = 0.5, .eval_u = 0.25f});
  const ModuleConfig c = layer.config();
  EXPECT_EQ(c.type, "FractionalMaxPool2d");
  ASSERT_EQ(c.args.size(), 4u);
  EXPECT_EQ(c.args[0].first, "kernel");
  EXPECT_EQ(std::get<double>(c.args[1].second), 0.5);
  EXPECT_EQ(std::get<Size2d>(c.args[2].second), (Size2d{0, 0}));
  EXPECT_EQ(std::get<double>(c.args[3].second), 0.25);
  std::vector<Window> w = layer.windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].kernel, (Size2d{3, 3}));
  EXPECT_EQ(w[0].stride, (Size2d{2, 2}));
  EXPECT_FALSE(w[0].adaptive);
  w = FractionalMaxPool2d({.ratio = 0.7}).windows();
  EXPECT_EQ(w[0].stride, (Size2d{1, 1}));
  EXPECT_TRUE(w[0].adaptive);
}

}  // namespace
}  // namespace poolnet
