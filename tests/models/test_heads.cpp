// The global heads beyond average and max: GeM, LSE, SimPool and CLIP-style attention pooling in
// models, with the relations that define them and their parameters' gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/attention_heads.h"
#include "layers/global_heads.h"
#include "models/model.h"
#include "tests/models/models_test_util.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::random_tensor;

// Central differences of sum(module(x) * weights) for every parameter element, against backward.
void expect_parameter_gradients(Module& m, const Tensor& x, double tolerance) {
  const Tensor weights = random_tensor(m.forward(x).shape(), 99);
  const auto loss = [&] { return static_cast<double>(sum(mul(m.forward(x), weights)).data()[0]); };
  for (const Tensor& p : m.parameters()) p.zero_grad();
  sum(mul(m.forward(x), weights)).backward();
  for (const auto& [name, p] : m.named_parameters()) {
    const Tensor analytic = p.grad();
    for (int64_t i = 0; i < p.numel(); ++i) {
      NoGradGuard no_grad;
      const float keep = p.data()[i], eps = 1e-2f;
      p.data()[i] = keep + eps;
      const double up = loss();
      p.data()[i] = keep - eps;
      const double down = loss();
      p.data()[i] = keep;
      EXPECT_NEAR(analytic.data()[i], (up - down) / (2 * eps), tolerance * (1 + std::abs(analytic.data()[i])))
          << name << "[" << i << "]";
    }
  }
}

TEST(Heads, GemWithPOneIsTheGapModel) {
  // gem draws no seed, so the two models share every other weight.
  auto gem = build_model(testing::small_spec("lenet", "max_pool", "gem"), 3);
  auto gap = build_model(testing::small_spec("lenet", "max_pool", "gap"), 3);
  for (const auto& [name, p] : gem->named_parameters()) {
    if (name == "classifier.0.p") p.data()[0] = 1.0f;
  }
  NoGradGuard no_grad;
  const Tensor x = random_tensor({4, 1, 28, 28}, 4);
  EXPECT_TRUE(all_close(gem->forward(x), gap->forward(x), 1e-5, 1e-5));
}

TEST(Heads, ParameterGradientsMatchFiniteDifferences) {
  const Tensor x = random_tensor({2, 4, 3, 3}, 5, 0.1f, 1.0f);
  GemPool gem(2.5f);
  LsePool lse(3.0f);
  SimPool2d simpool(4, 2, 6);
  AttentionPool2d attn(4, {3, 3}, 2, 7);
  expect_parameter_gradients(gem, x, 2e-2);
  expect_parameter_gradients(lse, x, 2e-2);
  expect_parameter_gradients(simpool, x, 3e-2);
  expect_parameter_gradients(attn, x, 3e-2);
}

TEST(Heads, AttentionMapsAreDistributionsOverThePositions) {
  const Tensor x = random_tensor({3, 8, 4, 5}, 8);
  SimPool2d simpool(8, 2, 9);
  AttentionPool2d attn(8, {4, 5}, 4, 10);
  NoGradGuard no_grad;
  simpool.forward(x);
  attn.forward(x);
  ASSERT_EQ(simpool.attention().shape(), (Shape{3, 2, 4, 5}));
  ASSERT_EQ(attn.attention().shape(), (Shape{3, 4, 4, 5}));
  EXPECT_TRUE(all_close(sum(simpool.attention(), {2, 3}), Tensor::ones({3, 2}), 1e-5, 0));
  // attn_pool's weights also cover the mean token: the positions hold less than 1.
  const Tensor mass = sum(attn.attention(), {2, 3});
  for (int64_t i = 0; i < mass.numel(); ++i) EXPECT_LT(mass.data()[i], 1.0f);
}

TEST(Heads, SimPoolIgnoresWherePositionsAreAttnPoolDoesNot) {
  // Rolling the map by one row permutes the tokens: SimPool has no position, CLIP's pooling has.
  const Tensor x = random_tensor({2, 8, 4, 4}, 11);
  const Tensor rolled = concat({narrow(x, 2, 1, 3), narrow(x, 2, 0, 1)}, 2);
  SimPool2d simpool(8, 1, 12);
  AttentionPool2d attn(8, {4, 4}, 1, 13);
  NoGradGuard no_grad;
  EXPECT_TRUE(all_close(simpool.forward(rolled), simpool.forward(x), 1e-5, 1e-5));
  EXPECT_FALSE(all_close(attn.forward(rolled), attn.forward(x), 1e-3, 1e-3));
}

TEST(Heads, AttentionPoolingIsBuiltForOneMapSize) {
  AttentionPool2d attn(8, {4, 4}, 1, 14);
  try {
    attn.forward(Tensor::zeros({1, 8, 5, 4}));
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[1,8,5,4]"), std::string::npos) << e.what();
  }
}

TEST(Heads, SpecsAreCheckedWithMessages) {
  const auto error_of = [](const std::string& head) -> std::string {
    try {
      build_model(testing::small_spec("lenet", "max_pool", head), 0);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(error_of("attn_pool:heads=4"), "no error");
  EXPECT_EQ(error_of("simpool:heads=2"), "no error");
  EXPECT_EQ(error_of("gem:heads=2"), "model: head 'gem:heads=2': gem takes no keys");
  EXPECT_EQ(error_of("attn_pool:head=2"), "model: head 'attn_pool:head=2': the only key is heads=H");
  EXPECT_EQ(error_of("attn_pool:heads=0"), "model: head 'attn_pool:heads=0': heads must be an integer >= 1");
  EXPECT_NE(error_of("attn_pool:heads=3").find("heads must divide the channels"), std::string::npos);
}

}  // namespace
}  // namespace poolnet
