#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/batch_norm.h"
#include "framework/ops/elementwise.h"
#include "layers/batch_norm2d.h"
#include "layers/conv2d.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/linear.h"
#include "layers/relu.h"
#include "layers/sequential.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_batch_norm.h"
#include "tests/support/reference_conv.h"

namespace poolnet {
namespace {

std::shared_ptr<Sequential> small_net() {
  auto net = std::make_shared<Sequential>();
  net->add(std::make_shared<Conv2d>(Conv2d::Options{.in_channels = 1, .out_channels = 2, .kernel = {3, 3}}, 1))
      .add(std::make_shared<ReLU>())
      .add(std::make_shared<Flatten>())
      .add(std::make_shared<Linear>(Linear::Options{.in_features = 2 * 3 * 3, .out_features = 4}, 2));
  return net;
}

TEST(SequentialLayer, ChildrenAreNamedByPosition) {
  auto net = small_net();
  EXPECT_EQ(net->size(), 4u);
  std::vector<std::string> names;
  for (const auto& [name, t] : net->named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias"}));
  EXPECT_EQ((*net)[1].describe(), "ReLU()");
  EXPECT_THROW((*net)[4], ConfigError);
  EXPECT_THROW(net->add(nullptr), ConfigError);
  EXPECT_EQ(net->describe(),
            "Sequential(Conv2d(1, 2, kernel=3x3, stride=1x1), ReLU(), Flatten(start_dim=1), "
            "Linear(in_features=18, out_features=4, bias=true))");
}

TEST(SequentialLayer, ForwardChainsAndTrainModeReachesChildren) {
  auto net = small_net();
  Tensor x = testing::random_tensor({2, 1, 5, 5}, 3);
  Tensor manual = x;
  for (const auto& [name, child] : net->children()) manual = child->forward(manual);
  EXPECT_TRUE(testing::bitwise_equal(net->forward(x), manual));
  EXPECT_EQ(net->forward(x).shape(), (Shape{2, 4}));
  auto drop = std::make_shared<Dropout>(Dropout::Options{.p = 0.5f}, 4);
  net->add(drop);
  net->eval();
  EXPECT_FALSE(drop->is_training());
  EXPECT_TRUE(testing::bitwise_equal(net->forward(x), manual));
  EXPECT_TRUE(testing::bitwise_equal(Sequential().forward(x), x));
}

// Conv2d then BatchNorm2d with trained-looking statistics, circular padding.
std::shared_ptr<Sequential> conv_norm_net() {
  auto net = std::make_shared<Sequential>();
  auto conv = std::make_shared<Conv2d>(
      Conv2d::Options{
          .in_channels = 3, .out_channels = 5, .kernel = {3, 3}, .same = true, .padding_mode = PadMode::kCircular},
      3);
  auto norm = std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.num_features = 5});
  norm->weight().copy_from(testing::random_tensor({5}, 4, 0.5f, 2.0f));
  norm->bias().copy_from(testing::random_tensor({5}, 5));
  norm->running_mean().copy_from(testing::random_tensor({5}, 6));
  norm->running_var().copy_from(testing::random_tensor({5}, 7, 0.2f, 3.0f));
  net->add(conv).add(norm).add(std::make_shared<ReLU>());
  return net;
}

TEST(SequentialLayer, ConvolutionBatchNormAndReluFuseAtInference) {
  auto net = conv_norm_net();
  auto& conv = dynamic_cast<Conv2d&>((*net)[0]);
  auto& norm = dynamic_cast<BatchNorm2d&>((*net)[1]);
  const Tensor x = testing::random_tensor({2, 3, 6, 7}, 8);
  net->eval();
  // The two ops, as the reference computes them: what the folded convolution approximates.
  const Tensor unfused =
      relu(reference::batch_norm2d(reference::conv2d(x, conv.weight(), conv.bias(), conv.op_options()), norm.weight(),
                                   norm.bias(), norm.running_mean(), norm.running_var(), false, norm.options().eps));
  // The folded weights computed by hand: w * s and b * s + t, s and t as batch_norm2d rounds them.
  Tensor w = Tensor::empty(conv.weight().shape()), b = Tensor::empty({5});
  for (int64_t c = 0; c < 5; ++c) {
    const double invstd = 1.0 / std::sqrt(static_cast<double>(norm.running_var().data()[c]) + norm.options().eps);
    const auto scale = static_cast<float>(invstd * norm.weight().data()[c]);
    const double mean = norm.running_mean().data()[c];  // in double, as batch_norm2d
    const auto shift = static_cast<float>(norm.bias().data()[c] - mean * scale);
    for (int64_t i = 0; i < 27; ++i) w.data()[c * 27 + i] = conv.weight().data()[c * 27 + i] * scale;
    b.data()[c] = std::fma(conv.bias().data()[c], scale, shift);
  }
  Tensor folded;
  {
    NoGradGuard no_grad;
    folded = net->forward(x);
    const Tensor by_hand = relu(conv2d(x, w, b, conv.op_options()));  // the fused ReLU gives the same bits
    ASSERT_EQ(folded.shape(), by_hand.shape());
    for (int64_t i = 0; i < folded.numel(); ++i) EXPECT_EQ(folded.data()[i], by_hand.data()[i]) << i;
  }
  for (int64_t i = 0; i < folded.numel(); ++i) EXPECT_NEAR(folded.data()[i], unfused.data()[i], 1e-5) << i;
  // With gradients recorded, or in training mode, the two layers run as themselves.
  const Tensor recorded = net->forward(x);
  const Tensor two_ops =
      relu(batch_norm2d(conv2d(x, conv.weight(), conv.bias(), conv.op_options()), norm.weight(), norm.bias(),
                        norm.running_mean(), norm.running_var(), false, norm.options().momentum, norm.options().eps));
  for (int64_t i = 0; i < recorded.numel(); ++i) EXPECT_EQ(recorded.data()[i], two_ops.data()[i]) << i;
}

// A convolution and a ReLU without a norm between them fuse too; a ReLU after another module
// does not (the fused path gives relu(conv2d) bit for bit, so only the values are checked).
TEST(SequentialLayer, ConvolutionAndReluFuseAtInference) {
  auto net = std::make_shared<Sequential>();
  auto conv = std::make_shared<Conv2d>(Conv2d::Options{.in_channels = 2, .out_channels = 4, .kernel = {3, 3}}, 9);
  net->add(conv).add(std::make_shared<ReLU>()).add(std::make_shared<ReLU>());
  net->eval();
  const Tensor x = testing::random_tensor({3, 2, 7, 6}, 10);
  NoGradGuard no_grad;
  const Tensor got = net->forward(x), want = relu(relu(conv2d(x, conv->weight(), conv->bias(), conv->op_options())));
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.numel(); ++i) EXPECT_EQ(got.data()[i], want.data()[i]) << i;
}

}  // namespace
}  // namespace poolnet
