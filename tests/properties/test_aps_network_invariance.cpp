// A small network of circular-padded convolutions, APS downsampling and global average pooling
// gives the same logits for every circular shift of its input, untrained and after SGD steps.
//
// Why it is exact: with circular padding a convolution, ReLU and the circular blur commute with
// every circular shift (each output is the same sum of the same products; conv2d's GEMM may add
// them in another order depending on the output's column, which changes the last bit only).
// With H and W divisible by the total stride, a shift t of an APS input maps polyphase
// component (i, j) onto component ((i + ty) mod sh, (j + tx) mod sw) with its content circularly
// shifted, so the per-sample largest-norm component is the same values, shifted: the choice is
// made per sample over all channels, from norms that do not depend on where the content sits
// (up to summation order: with continuous inputs no two components' norms are within rounding
// of each other). Odd sizes would break this (APS pads them circularly), and so would zero
// padding anywhere. Global average pooling then removes the remaining shift. What is left is
// rounding from summation order (GEMM, GAP), hence a 1e-6 bound on the logits; a few shifts
// agree bitwise (recorded as test properties). Every stride: 2, 3 (18x18 inputs, divisible by
// 3*3) and the anisotropic 2x3 (16x18). Max pooling in the same network is not invariant.
#include <gtest/gtest.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "layers/conv2d.h"
#include "layers/downsample.h"
#include "layers/linear.h"
#include "layers/relu.h"
#include "layers/sequential.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

// conv(3->6) ReLU down conv(6->6) ReLU down, GAP, linear(6->5); circular padding throughout.
class TinyNet : public Module {
 public:
  explicit TinyNet(const std::string& downsample) {
    const DownsampleSpec spec = parse_downsample(downsample);
    features_ = register_module("features", std::make_shared<Sequential>());
    for (int64_t i = 0; i < 2; ++i) {
      const int64_t in = i == 0 ? 3 : 6;
      features_->add(std::make_shared<Conv2d>(Conv2d::Options{.in_channels = in,
                                                              .out_channels = 6,
                                                              .kernel = {3, 3},
                                                              .padding = {1, 1},
                                                              .padding_mode = PadMode::kCircular},
                                              10 + i));
      features_->add(std::make_shared<ReLU>());
      features_->add(make_downsample(
          spec, {.channels = 6, .padding_mode = PadMode::kCircular, .seed = static_cast<uint64_t>(20 + i)}));
    }
    head_ = register_module("head", std::make_shared<Linear>(Linear::Options{.in_features = 6, .out_features = 5}, 30));
  }
  Tensor forward(const Tensor& x) override { return head_->forward(global_avg_pool(features_->forward(x))); }
  std::string describe() const override { return "TinyNet"; }

 private:
  std::shared_ptr<Sequential> features_;
  std::shared_ptr<Linear> head_;
};

// The largest |logits(roll(x, t)) - logits(x)| over every circular shift t of the input, and
// how many of the H*W shifts agree bitwise.
std::pair<double, int> worst_shift_change(TinyNet& net, const Tensor& x) {
  NoGradGuard no_grad;
  const Tensor base = net.forward(x);
  double worst = 0.0;
  int exact = 0;
  for (int64_t dy = 0; dy < x.size(2); ++dy) {
    for (int64_t dx = 0; dx < x.size(3); ++dx) {
      const Tensor y = net.forward(roll(x, {dy, dx}));
      exact += testing::bitwise_equal(y, base) ? 1 : 0;
      for (int64_t i = 0; i < y.numel(); ++i) {
        worst = std::max(worst, static_cast<double>(std::fabs(y.data()[i] - base.data()[i])));
      }
    }
  }
  return {worst, exact};
}

// A few steps of plain SGD on cross-entropy with fixed labels; returns the first and last loss.
std::pair<float, float> train(TinyNet& net, const Tensor& x, int steps) {
  const std::vector<int32_t> labels = {0, 3, 1, 4};
  float first = 0.0f, last = 0.0f;
  for (int step = 0; step < steps; ++step) {
    for (const Tensor& p : net.parameters()) p.zero_grad();
    Tensor loss = cross_entropy(net.forward(x), labels);
    (step == 0 ? first : last) = loss.item();
    loss.backward();
    for (const Tensor& p : net.parameters()) {
      for (int64_t i = 0; i < p.numel(); ++i) p.data()[i] -= 0.5f * p.grad().data()[i];
    }
  }
  return {first, last};
}

struct Case {
  std::string spec;
  int64_t h = 16, w = 16;  // divisible by the total stride (two layers)
};

class ApsNetwork : public ::testing::TestWithParam<Case> {};

TEST_P(ApsNetwork, LogitsAreInvariantToEveryCircularShift) {
  const Case& c = GetParam();
  TinyNet net(c.spec);
  const Tensor x = testing::random_tensor({4, 3, c.h, c.w}, 1);
  auto [worst, exact] = worst_shift_change(net, x);
  EXPECT_LE(worst, 1e-6) << c.spec << " untrained; bitwise-equal shifts: " << exact << "/" << c.h * c.w;
  RecordProperty("bitwise_equal_shifts_untrained", exact);
  const auto [first, last] = train(net, x, 4);
  EXPECT_LT(last, first) << "the SGD steps should lower the loss";
  std::tie(worst, exact) = worst_shift_change(net, x);
  EXPECT_LE(worst, 1e-6) << c.spec << " after SGD; bitwise-equal shifts: " << exact << "/" << c.h * c.w;
  RecordProperty("bitwise_equal_shifts_trained", exact);
}

INSTANTIATE_TEST_SUITE_P(Downsample, ApsNetwork,
                         ::testing::Values(Case{"aps"}, Case{"aps:norm=l1"}, Case{"aps:norm=linf"}, Case{"aps_blur"},
                                           Case{"aps_blur:filter=5"}, Case{"aps:stride=3", 18, 18},
                                           Case{"aps:stride=2x3", 16, 18}, Case{"aps_blur:stride=3", 18, 18}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.spec;
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(ApsNetworkContrast, MaxPoolingInTheSameNetworkIsNotInvariant) {
  TinyNet net("max_pool");
  const auto [worst, exact] = worst_shift_change(net, testing::random_tensor({4, 3, 16, 16}, 1));
  EXPECT_GT(worst, 1e-3);
  EXPECT_LT(exact, 256);
}

}  // namespace
}  // namespace poolnet
