// TipsPool2d: parameters and shapes at strides 2x2, 2x3 and 3x3, the same output in training and
// evaluation, the regulariser of each training forward (the shift drawn from (seed, calls),
// resumable; 0 where tips_regulariser must be 0), finite-difference gradients of output and
// regulariser in training mode, 1 vs 2 threads, and bad options.
#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/tips_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;

TipsPool2dOptions options_for_test(Size2d stride) {
  return {.channels = 2, .kernel = 3, .stride = stride, .max_shift = {1, 2}, .seed = 9};
}

void reset_counters(Module& m) {
  for (const auto& [name, counter] : m.named_counters()) *counter = 0;
}

TEST(TipsPool2dLayer, ParametersAndShapes) {
  struct Case {
    Size2d stride;
    Shape out;
  };
  for (const Case& c : {Case{{2, 2}, {2, 3, 4, 5}}, Case{{2, 3}, {2, 3, 4, 3}}, Case{{3, 3}, {2, 3, 3, 3}}}) {
    TipsPool2d layer({.channels = 3, .kernel = 5, .stride = c.stride, .seed = 4});
    EXPECT_EQ(layer.describe(), "TipsPool2d(3, kernel=5, stride=" + stride_string(c.stride) + ", padding=zeros)");
    const NamedTensors params = layer.named_parameters();
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[0].first, "conv1.weight");
    EXPECT_EQ(params[0].second.shape(), (Shape{3, 1, 5, 5}));
    EXPECT_EQ(params[1].first, "conv2.weight");
    EXPECT_EQ(params[1].second.shape(), (Shape{3, 1, 1, 1}));
    EXPECT_EQ(layer(testing::random_tensor({2, 3, 7, 9}, 1)).shape(), c.out);
  }
}

TEST(TipsPool2dLayer, TrainingAndEvalComputeTheSameOutputEvalDrawsNothing) {
  const Tensor x = testing::random_tensor({2, 3, 9, 8}, 2);
  TipsPool2d layer({.channels = 3, .stride = {2, 3}, .seed = 5});
  const Tensor train_y = layer(x);
  EXPECT_EQ(layer.calls(), 1u);
  EXPECT_TRUE(layer.regulariser().defined());
  layer.eval();
  const Tensor eval_y = layer(x);
  EXPECT_TRUE(bitwise_equal(eval_y, train_y));
  EXPECT_TRUE(bitwise_equal(layer(x), eval_y));
  EXPECT_EQ(layer.calls(), 1u);
  EXPECT_FALSE(layer.regulariser().defined());
  EXPECT_TRUE(bitwise_equal(
      eval_y, tips_downsample(x, layer.conv1().weight(), layer.conv2().weight(), {2, 3}).y));
}

TEST(TipsPool2dLayer, RegulariserUsesTheDrawnShiftAndResumes) {
  const Tensor x = testing::random_tensor({2, 2, 7, 8}, 3);
  for (TipsShiftMode mode : {TipsShiftMode::kCircular, TipsShiftMode::kZeros}) {
    TipsPool2d layer({.channels = 2, .stride = {3, 3}, .max_shift = {2, 1}, .shift_mode = mode, .seed = 6});
    for (uint64_t step = 0; step < 4; ++step) {
      layer(x);
      const Size2d t = tips_draw_shift({2, 1}, 6, step);
      EXPECT_EQ(layer.last_shift(), t);
      const TipsOutput out = tips_downsample(x, layer.conv1().weight(), layer.conv2().weight(), {3, 3});
      EXPECT_TRUE(bitwise_equal(layer.regulariser(), tips_regulariser(out.xp, out.psi, t, mode)));
    }
    // A layer whose counter is restored (as a checkpoint does) draws what the original draws next.
    TipsPool2d resumed({.channels = 2, .stride = {3, 3}, .max_shift = {2, 1}, .shift_mode = mode, .seed = 6});
    for (const auto& [name, counter] : resumed.named_counters()) {
      EXPECT_EQ(name, "calls");
      *counter = 4;
    }
    resumed(x);
    layer(x);
    EXPECT_EQ(resumed.last_shift(), layer.last_shift());
    EXPECT_TRUE(bitwise_equal(resumed.regulariser(), layer.regulariser()));
  }
}

TEST(TipsPool2dLayer, RegulariserIsZeroWhenPsiIsTheShiftedInput) {
  // max_shift 0: t = 0; a centred unit tap and x >= 0: psi = relu(xp) = xp = T_0(xp).
  TipsPool2d layer({.channels = 2, .kernel = 3, .max_shift = {0, 0}, .seed = 1});
  Tensor w1 = layer.conv1().weight();
  w1.fill(0.0f);
  for (int64_t c = 0; c < 2; ++c) w1.at({c, 0, 1, 1}) = 1.0f;
  layer(testing::random_tensor({2, 2, 7, 6}, 4, 0.0f, 1.0f));
  EXPECT_EQ(layer.regulariser().item(), 0.0f);
  layer(testing::random_tensor({2, 2, 7, 6}, 4, -1.0f, 1.0f));  // negative inputs: relu differs
  EXPECT_GT(layer.regulariser().item(), 0.0f);
}

TEST(TipsPool2dLayer, ContractInTrainingModeWithTheRegulariser) {
  for (Size2d stride : {Size2d{2, 2}, Size2d{2, 3}, Size2d{3, 3}}) {
    SCOPED_TRACE(to_string(stride));
    auto layer = std::make_shared<TipsPool2d>(options_for_test(stride));
    const testing::TensorFn f = [layer](const std::vector<Tensor>& in) {
      reset_counters(*layer);  // the same shift every evaluation
      const Tensor y = layer->forward(in[0]);
      return add(y, layer->regulariser());  // both the output and the loss term
    };
    std::vector<Tensor> inputs{testing::random_tensor({2, 2, 7, 8}, 7).set_requires_grad()};
    std::vector<Tensor> big{testing::random_tensor({8, 2, 20, 19}, 8).set_requires_grad()};
    for (const Tensor& p : layer->parameters()) {
      inputs.push_back(p);
      big.push_back(p);
    }
    EXPECT_TRUE(testing::op_contract(
        {.op = "tips", .f = f, .inputs = inputs, .grad = {.eps = 1e-3}, .thread_inputs = big, .accumulate_atol = 1e-4}));
  }
}

TEST(TipsPool2dLayer, RejectsBadOptions) {
  EXPECT_THROW(TipsPool2d({.channels = 0}), ConfigError);
  EXPECT_THROW(TipsPool2d({.channels = 2, .kernel = 4}), ConfigError);
  EXPECT_THROW(TipsPool2d({.channels = 2, .stride = {0, 2}}), ConfigError);
  EXPECT_THROW(TipsPool2d({.channels = 2, .max_shift = {-1, 0}}), ConfigError);
}

}  // namespace
}  // namespace poolnet
