#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

TEST(StochasticPool, EvalIsTheProbabilityWeightedAverage) {
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 0});
  EXPECT_NEAR(stochastic_pool2d(x, {.training = false}).item(), 14.0f / 6.0f, 1e-6);
  Tensor r = random_tensor({2, 3, 7, 8}, 4, -0.5f, 1.0f);
  for (int64_t s : {1, 2}) {
    EXPECT_TRUE(all_close(stochastic_pool2d(r, {.kernel = {3, 3}, .stride = {s, s}, .training = false}),
                          reference::stochastic_pool_eval(r, 3, s), 1e-6, 1e-5));
  }
  EXPECT_EQ(stochastic_pool2d(Tensor::zeros({1, 1, 2, 2}), {.training = false}).item(), 0.0f);
}

TEST(StochasticPool, TrainingSamplesAWindowValueByTheDocumentedRule) {
  Tensor x = random_tensor({3, 4, 8, 6}, 7, -0.3f, 1.0f);
  for (uint64_t step : {0, 1, 2}) {
    const StochasticPool o{.training = true, .seed = 11, .step = step};
    EXPECT_TRUE(bitwise_equal(stochastic_pool2d(x, o), reference::stochastic_pool_train(x, 2, 2, 11, step)));
  }
  EXPECT_FALSE(bitwise_equal(stochastic_pool2d(x, {.step = 0}), stochastic_pool2d(x, {.step = 1})));
  EXPECT_FALSE(bitwise_equal(stochastic_pool2d(x, {.seed = 1}), stochastic_pool2d(x, {.seed = 2})));
  // A window with one positive value always yields it; an all-zero window yields its first element.
  Tensor one = Tensor::from_vector({1, 1, 2, 2}, {0, -1, 0.5f, 0});
  for (uint64_t step = 0; step < 20; ++step) EXPECT_EQ(stochastic_pool2d(one, {.step = step}).item(), 0.5f);
  Tensor none = Tensor::from_vector({1, 1, 2, 2}, {-2, 0, 0, -1});
  EXPECT_EQ(stochastic_pool2d(none).item(), -2.0f);
}

TEST(StochasticPool, SampleFrequenciesFollowTheProbabilities) {
  // 4000 identical windows with values 1, 2, 3, 4: frequencies ~ 0.1, 0.2, 0.3, 0.4.
  const int64_t windows = 4000;
  std::vector<float> v;
  for (int64_t i = 0; i < windows; ++i) v.insert(v.end(), {1, 2, 3, 4});
  Tensor x = Tensor::from_vector({1, windows, 2, 2}, v);
  Tensor y = stochastic_pool2d(x, {.seed = 3});
  double count[5] = {0};
  for (float a : y.to_vector()) count[static_cast<int>(a)] += 1.0 / windows;
  for (int a = 1; a <= 4; ++a) EXPECT_NEAR(count[a], a / 10.0, 0.03) << a;
}

// Gradient, accumulation and 1 vs 2 threads in eval and in training: a fixed seed and step make
// the training draw a function of the input, the same at any thread count.
TEST(StochasticPool, ContractEvalAndTraining) {
  const std::vector<Tensor> big{random_tensor({16, 8, 13, 11}, 3, 0.0f, 1.0f).set_requires_grad()};
  for (int64_t s : {1, 2}) {
    for (bool training : {false, true}) {
      SCOPED_TRACE(fmt::format("stride {} training {}", s, training));
      const StochasticPool o{.kernel = {2, 3}, .stride = {s, s}, .training = training, .seed = 5, .step = 2};
      EXPECT_TRUE(op_contract({.op = "stochastic_pool2d",
                               .f = [&](const std::vector<Tensor>& in) { return stochastic_pool2d(in[0], o); },
                               .inputs = {random_tensor({2, 2, 5, 6}, 5, 0.1f, 1.0f).set_requires_grad()},
                               .grad = {.eps = training ? 1e-3 : 1e-2},
                               .thread_inputs = big}));
    }
  }
}

TEST(StochasticPool, ZeroWindowSendsGradientToTheFirstElement) {
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {0, -1, 0, 0}).set_requires_grad();
  stochastic_pool2d(x, {.training = false}).backward(Tensor::ones({1, 1, 1, 1}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 0, 0, 0}));
}

TEST(StochasticPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& shape) { return [=] { stochastic_pool2d(Tensor::zeros(shape), {}); }; };
  EXPECT_TRUE(shape_error_names("stochastic_pool2d", {bad({1, 4, 4}), {"[1,4,4]"}}));
  EXPECT_TRUE(shape_error_names("stochastic_pool2d", {bad({1, 2, 1, 5}), {"2x2 does not fit", "[1,2,1,5]"}}));
}

}  // namespace
}  // namespace poolnet
