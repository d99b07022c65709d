// LpsPool2d (learnable polyphase sampling): shapes, describe/config, evaluation picks the phase
// of the largest logit, training is the Gumbel-softmax mixture with the layer's own noise,
// gradients reach the scorer by finite differences, 1 vs 2 threads, the noise per training step
// and across resume, shift equivariance in evaluation, and golden values from PyTorch 1.13
// (tests/golden/lps.json, written by tests/golden/generate_lps.py) with the same weights and noise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/downsample.h"
#include "layers/lps_pool2d.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::random_tensor;

Tensor softmax_rows(const Tensor& logits, const Tensor& noise, double tau) {
  const int64_t N = logits.size(0), P = logits.size(1);
  Tensor w = Tensor::empty({N, P});
  for (int64_t n = 0; n < N; ++n) {
    double m = -INFINITY, total = 0;
    for (int64_t p = 0; p < P; ++p) m = std::max(m, double(logits.data()[n * P + p] + noise.data()[n * P + p]) / tau);
    for (int64_t p = 0; p < P; ++p) total += std::exp(double(logits.data()[n * P + p] + noise.data()[n * P + p]) / tau - m);
    for (int64_t p = 0; p < P; ++p) {
      w.data()[n * P + p] =
          static_cast<float>(std::exp(double(logits.data()[n * P + p] + noise.data()[n * P + p]) / tau - m) / total);
    }
  }
  return w;
}

std::vector<int64_t> first_max(const Tensor& logits) {
  std::vector<int64_t> out;
  const int64_t P = logits.size(1);
  for (int64_t n = 0; n < logits.size(0); ++n) {
    const float* row = logits.data() + n * P;
    out.push_back(std::max_element(row, row + P) - row);
  }
  return out;
}

TEST(LpsPool2dLayer, ShapesDescribeConfigAndParameters) {
  LpsPool2d layer({.channels = 3, .seed = 1});
  EXPECT_EQ(layer.describe(), "LpsPool2d(3, hidden=3, stride=2, tau=1)");
  EXPECT_EQ(layer.parameter_count(), 2 * (3 * 3 * 9 + 3));
  const NamedTensors params = layer.named_parameters();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "conv1.weight");
  EXPECT_EQ(params[2].first, "conv2.weight");
  EXPECT_EQ(params[2].second.shape(), (Shape{3, 3, 3, 3}));
  EXPECT_EQ(layer(random_tensor({2, 3, 7, 6}, 1)).shape(), (Shape{2, 3, 4, 3}));
  layer.eval();
  EXPECT_EQ(layer(random_tensor({2, 3, 7, 6}, 1)).shape(), (Shape{2, 3, 4, 3}));

  const LpsPool2d wide({.channels = 2, .hidden = 5, .stride = {3, 3}, .blur_filter = 3, .tau = 0.5});
  EXPECT_EQ(wide.describe(), "LpsPool2d(2, hidden=5, stride=3, tau=0.5, blur=3, padding=zeros)");
  const ModuleConfig c = wide.config();
  EXPECT_EQ(c.type, "LpsPool2d");
  ASSERT_EQ(c.args.size(), 4u);
  EXPECT_EQ(c.args[0].first, "stride");
  EXPECT_EQ(std::get<Size2d>(c.args[0].second), (Size2d{3, 3}));
  EXPECT_EQ(std::get<int64_t>(c.args[1].second), 3);
  EXPECT_EQ(std::get<std::string>(c.args[2].second), "zeros");
  EXPECT_EQ(std::get<double>(c.args[3].second), 0.5);
  const std::vector<Window> w = wide.windows();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[1].stride, (Size2d{3, 3}));
  EXPECT_TRUE(w[1].adaptive);
}

TEST(LpsPool2dLayer, NonSquareAndStrideThree) {
  const Tensor x = random_tensor({2, 2, 7, 8}, 2);
  for (Size2d s : {Size2d{2, 3}, Size2d{3, 2}, Size2d{3, 3}}) {
    LpsPool2d layer({.channels = 2, .stride = s, .seed = 3});
    const Shape out{2, 2, (7 + s.h - 1) / s.h, (8 + s.w - 1) / s.w};
    EXPECT_EQ(layer(x).shape(), out) << to_string(s);
    layer.eval();
    const Tensor y = layer(x);
    EXPECT_EQ(y.shape(), out);
    EXPECT_EQ(layer.last_phases(), first_max(layer.phase_logits(x))) << to_string(s);
    std::vector<float> onehot(static_cast<size_t>(2 * s.h * s.w), 0.0f);
    for (int64_t n = 0; n < 2; ++n) onehot[static_cast<size_t>(n * s.h * s.w + layer.last_phases()[n])] = 1.0f;
    EXPECT_TRUE(all_close(y, reference::polyphase_mix(x, Tensor::from_vector({2, s.h * s.w}, onehot), s), 0, 0));
  }
}

TEST(LpsPool2dLayer, RejectsBadOptions) {
  EXPECT_THROW(LpsPool2d({.channels = 0}), ConfigError);
  EXPECT_THROW(LpsPool2d({.channels = 2, .hidden = -1}), ConfigError);
  EXPECT_THROW(LpsPool2d({.channels = 2, .stride = {0, 2}}), ConfigError);
  EXPECT_THROW(LpsPool2d({.channels = 2, .blur_filter = 8}), ConfigError);
  EXPECT_THROW(LpsPool2d({.channels = 2, .tau = 0.0}), ConfigError);
  LpsPool2d layer({.channels = 2});
  EXPECT_THROW(layer.set_tau(-1.0), ConfigError);
  layer.set_tau(0.25);
  EXPECT_EQ(layer.options().tau, 0.25);
  EXPECT_THROW(layer.forward_with_noise(random_tensor({2, 2, 4, 4}, 1), Tensor::zeros({2, 3})), ShapeError);
}

TEST(LpsPool2dLayer, EvalPicksTheLargestLogitsPhase) {
  LpsPool2d layer({.channels = 3, .hidden = 4, .seed = 5});
  layer.eval();
  const Tensor x = random_tensor({4, 3, 6, 8}, 6);
  const Tensor y = layer(x);
  const std::vector<int64_t> phases = first_max(layer.phase_logits(x));
  EXPECT_EQ(layer.last_phases(), phases);
  EXPECT_TRUE(bitwise_equal(y, aps_select(x, phases, Size2d{2, 2})));
  EXPECT_TRUE(bitwise_equal(layer(x), y));
  EXPECT_EQ(layer.calls(), 0u);
  // Undone by polyphase_unpool at the kept phases.
  EXPECT_TRUE(bitwise_equal(aps_select(polyphase_unpool(y, layer.last_phases(), Size2d{2, 2}), layer.last_phases(), Size2d{2, 2}), y));
}

TEST(LpsPool2dLayer, TrainingIsTheGumbelSoftmaxMixture) {
  const Size2d s{2, 3};
  LpsPool2d layer({.channels = 2, .hidden = 3, .stride = s, .tau = 0.7, .seed = 9});
  const Tensor x = random_tensor({3, 2, 6, 7}, 7);
  const Tensor y = layer(x);
  const Tensor noise = lps_gumbel_noise(3, 6, 9, 0);
  EXPECT_TRUE(bitwise_equal(y, layer.forward_with_noise(x, noise)));
  const Tensor weights = softmax_rows(layer.phase_logits(x).detach(), noise, 0.7);
  EXPECT_TRUE(all_close(y, reference::polyphase_mix(x, weights, s), 1e-6, 1e-5));
  // The kept phases are those the noisy logits favour.
  EXPECT_EQ(layer.last_phases(), first_max(add(layer.phase_logits(x), noise)));
  // The noise is finite and standard Gumbel-like: mean ~ 0.577 over many draws.
  const Tensor many = lps_gumbel_noise(1000, 9, 1, 0);
  double total = 0;
  for (float v : many.span()) {
    ASSERT_TRUE(std::isfinite(v));
    total += v;
  }
  EXPECT_NEAR(total / 9000.0, 0.5772, 0.05);
}

TEST(LpsPool2dLayer, NoisePerStepSameAfterResume) {
  const Tensor x = random_tensor({2, 2, 6, 6}, 3);
  LpsPool2d a({.channels = 2, .seed = 4}), b({.channels = 2, .seed = 4});
  const Tensor a0 = a(x), a1 = a(x);
  EXPECT_EQ(a.calls(), 2u);
  EXPECT_FALSE(bitwise_equal(a0, a1));
  EXPECT_TRUE(bitwise_equal(b(x), a0));
  EXPECT_TRUE(bitwise_equal(lps_gumbel_noise(2, 4, 4, 1), lps_gumbel_noise(2, 4, 4, 1)));
  EXPECT_FALSE(bitwise_equal(lps_gumbel_noise(2, 4, 4, 1), lps_gumbel_noise(2, 4, 4, 2)));
  // Sample n's noise does not depend on the batch size.
  const Tensor big = lps_gumbel_noise(5, 4, 4, 1), small = lps_gumbel_noise(2, 4, 4, 1);
  EXPECT_TRUE(std::equal(small.span().begin(), small.span().end(), big.span().begin()));
  LpsPool2d resumed({.channels = 2, .seed = 4});
  for (const auto& [name, counter] : resumed.named_counters()) {
    EXPECT_EQ(name, "calls");
    *counter = 2;
  }
  EXPECT_TRUE(bitwise_equal(resumed(x), a(x)));
}

// A residual shortcut follows the latest forward: its mixture weights in training, its phases in
// evaluation, on a tensor with other channels.
TEST(LpsPool2dLayer, FollowAppliesTheLatestChoiceToAnotherTensor) {
  LpsPool2d layer({.channels = 2, .stride = {2, 3}, .seed = 5});
  const Tensor x = random_tensor({3, 2, 6, 9}, 1), shortcut = random_tensor({3, 4, 6, 9}, 2);
  layer(x);
  const Tensor noise = lps_gumbel_noise(3, 6, 5, 0);
  const Tensor weights = softmax_rows(layer.phase_logits(x).detach(), noise, 1.0);
  EXPECT_TRUE(all_close(layer.follow(shortcut), reference::polyphase_mix(shortcut, weights, {2, 3}), 1e-6, 1e-5));
  layer.eval();
  layer(x);
  EXPECT_TRUE(bitwise_equal(layer.follow(shortcut), aps_select(shortcut, layer.last_phases(), {2, 3})));
}

// The step decay of tau, counted in training forwards (the resumable counter): 1, 1, 0.5, 0.5,
// 0.25, 0.25, then the floor 0.2; the mixture uses it.
TEST(LpsPool2dLayer, TauAnnealsByStepDecayToItsFloor) {
  LpsPool2d layer({.channels = 2, .tau = 1.0, .tau_decay = 0.5, .tau_every = 2, .tau_min = 0.2, .seed = 3});
  const Tensor x = random_tensor({2, 2, 6, 6}, 1);
  std::vector<double> taus;
  for (int step = 0; step < 8; ++step) {
    taus.push_back(layer.current_tau());
    const Tensor noise = lps_gumbel_noise(2, 4, 3, layer.calls());
    const Tensor weights = softmax_rows(layer.phase_logits(x).detach(), noise, taus.back());
    EXPECT_TRUE(all_close(layer(x), reference::polyphase_mix(x, weights, {2, 2}), 1e-6, 1e-5)) << step;
  }
  EXPECT_EQ(taus, (std::vector<double>{1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2}));
  EXPECT_EQ(LpsPool2d({.channels = 2, .tau = 0.7}).current_tau(), 0.7);  // no decay: constant
  EXPECT_THROW(LpsPool2d({.channels = 2, .tau_decay = 1.5}), ConfigError);
  EXPECT_THROW(LpsPool2d({.channels = 2, .tau_every = 0}), ConfigError);
  const DownsampleSpec spec = parse_downsample("lps:tau_decay=0.85,tau_every=100");
  EXPECT_EQ(to_string(spec), "lps:filter=1,tau_decay=0.85,tau_every=100");
  const auto built = std::dynamic_pointer_cast<LpsPool2d>(make_downsample(spec, {.channels = 2}));
  ASSERT_TRUE(built);
  EXPECT_EQ(built->options().tau_decay, 0.85);
  EXPECT_EQ(built->options().tau_every, 100);
}

// The training forward as a function of the input and the scorer's parameters, with the same
// noise on every evaluation.
testing::TensorFn training_forward(LpsPool2d& layer) {
  return [&layer](const std::vector<Tensor>& in) {
    for (const auto& [name, counter] : layer.named_counters()) *counter = 0;
    return layer.forward(in[0]);
  };
}

TEST(LpsPool2dLayer, GradientsReachTheScorerInTraining) {
  for (Size2d s : {Size2d{2, 2}, Size2d{2, 3}}) {
    LpsPool2d layer({.channels = 2, .hidden = 3, .stride = s, .blur_filter = 2, .tau = 0.5, .seed = 2});
    std::vector<Tensor> inputs{testing::separated_tensor({2, 2, 6, 6}, 4, 0.01f).set_requires_grad()};
    for (const Tensor& p : layer.parameters()) inputs.push_back(p);
    EXPECT_TRUE(testing::grad_check(training_forward(layer), inputs, {.eps = 1e-3})) << to_string(s);
    // And they are not zero.
    double norm = 0;
    for (float v : layer.parameters()[0].grad().span()) norm += std::abs(v);
    EXPECT_GT(norm, 0.0);
  }
}

TEST(LpsPool2dLayer, SameAtOneAndTwoThreads) {
  LpsPool2d layer({.channels = 3, .hidden = 4, .blur_filter = 3, .seed = 8});
  std::vector<Tensor> inputs{random_tensor({16, 3, 20, 20}, 5).set_requires_grad()};
  for (const Tensor& p : layer.parameters()) inputs.push_back(p);
  EXPECT_TRUE(testing::same_at_one_and_two_threads(training_forward(layer), inputs));
  layer.eval();
  EXPECT_TRUE(testing::same_at_one_and_two_threads(training_forward(layer), inputs));
}

// With circular padding throughout, evaluation commutes with circular shifts by multiples of
// the stride, and the chosen phase follows a shift by one pixel (given logits apart by more
// than their rounding).
TEST(LpsPool2dLayer, EvalFollowsCircularShifts) {
  for (Size2d s : {Size2d{2, 2}, Size2d{2, 3}, Size2d{3, 3}}) {
    for (int64_t filter : {1, 3}) {
      LpsPool2d layer({.channels = 3, .stride = s, .blur_filter = filter, .blur_padding = PadMode::kCircular, .seed = 6});
      layer.eval();
      const Tensor x = random_tensor({3, 3, 4 * s.h, 3 * s.w}, 10);
      const Tensor y = layer(x);
      const std::vector<int64_t> phases = layer.last_phases();
      // Phases whose logits agree to rounding could swap under a shift: make sure these do not.
      const Tensor logits = layer.phase_logits(filter == 1 ? x : blur_pool2d(x, {.filter_size = filter, .stride = {1, 1},
                                                                              .padding_mode = PadMode::kCircular}));
      for (int64_t n = 0; n < 3; ++n) {
        std::vector<float> row(logits.data() + n * s.h * s.w, logits.data() + (n + 1) * s.h * s.w);
        std::sort(row.rbegin(), row.rend());
        ASSERT_GT(row[0] - row[1], 1e-5f) << to_string(s) << " filter " << filter << " sample " << n;
      }
      for (Size2d k : {Size2d{1, 0}, Size2d{0, 1}, Size2d{-1, 2}, Size2d{3, -2}}) {
        const Size2d t{k.h * s.h, k.w * s.w};
        EXPECT_TRUE(all_close(layer(roll(x, t)), roll(y, k), 1e-6, 1e-5)) << to_string(s) << " shift " << to_string(t);
        EXPECT_EQ(layer.last_phases(), phases);
      }
      // One pixel right: component (i, j) of the shifted input is component (i, j - 1) of x.
      layer(roll(x, {0, 1}));
      for (size_t n = 0; n < phases.size(); ++n) {
        const int64_t i = phases[n] / s.w, j = phases[n] % s.w;
        EXPECT_EQ(layer.last_phases()[n], i * s.w + (j + 1) % s.w) << to_string(s) << " sample " << n;
      }
    }
  }
}

// ---- golden values ------------------------------------------------------------------------------

class LpsGolden : public ::testing::TestWithParam<std::string> {};

const nlohmann::json& golden_cases() {
  static const nlohmann::json cases = testing::read_golden_cases("lps.json");
  return cases;
}

TEST_P(LpsGolden, MatchesPyTorch) {
  const nlohmann::json& c = testing::case_named(golden_cases(), GetParam());
  const Tensor x = testing::tensor_of(c.at("x"));
  const Size2d s{c.at("stride")[0].get<int64_t>(), c.at("stride")[1].get<int64_t>()};
  LpsPool2d layer({.channels = x.size(1),
                   .hidden = c.at("hidden").get<int64_t>(),
                   .stride = s,
                   .blur_filter = c.at("blur_filter").get<int64_t>(),
                   .blur_padding = parse_pad_mode(c.at("blur_padding").get<std::string>()),
                   .tau = c.at("tau").get<double>()});
  for (const auto& [name, p] : layer.named_parameters()) {
    std::string key = name;
    std::replace(key.begin(), key.end(), '.', '_');
    const Tensor value = testing::tensor_of(c.at(key));
    ASSERT_EQ(value.shape(), p.shape()) << name;
    std::copy(value.span().begin(), value.span().end(), p.span().begin());
  }
  const Tensor xg = x.detach().set_requires_grad();
  const int64_t filter = layer.options().blur_filter;
  const Tensor blurred =
      filter == 1 ? x : blur_pool2d(x, {.filter_size = filter, .stride = {1, 1}, .padding_mode = layer.options().blur_padding});
  EXPECT_TRUE(all_close(layer.phase_logits(blurred), testing::tensor_of(c.at("logits")), 1e-6, 1e-4));
  const Tensor y = layer.forward_with_noise(xg, testing::tensor_of(c.at("g")));
  EXPECT_TRUE(all_close(y, testing::tensor_of(c.at("train_y")), 1e-5, 1e-4));
  sum(mul(y, testing::tensor_of(c.at("gy")))).backward();
  EXPECT_TRUE(all_close(xg.grad(), testing::tensor_of(c.at("gx")), 1e-5, 1e-4));
  EXPECT_TRUE(all_close(layer.parameters()[0].grad(), testing::tensor_of(c.at("gconv1_weight")), 1e-5, 1e-3));
  layer.eval();
  EXPECT_TRUE(all_close(layer(x), testing::tensor_of(c.at("eval_y")), 1e-6, 1e-5));
  EXPECT_EQ(layer.last_phases(), c.at("phases").get<std::vector<int64_t>>());
}

INSTANTIATE_TEST_SUITE_P(Cases, LpsGolden, ::testing::ValuesIn(testing::case_names(golden_cases())),
                         testing::param_name);

}  // namespace
}  // namespace poolnet
