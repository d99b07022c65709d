// Forward + backward of the downsampling ops at batch 64 on the feature-map shapes of small
// CNNs (LeNet 6x28x28 and 16x10x10, CIFAR-style 32x32x32 and 64x16x16), 1 and 2 threads.
// Argument pairs: (shape index, threads).
#include <benchmark/benchmark.h>

#include <string>

#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "framework/parallel.h"
#include "layers/conv2d.h"
#include "layers/downsample.h"
#include "layers/linear.h"
#include "layers/lip_pool2d.h"
#include "layers/lps_pool2d.h"
#include "layers/max_blur_pool2d.h"
#include "layers/relu.h"
#include "layers/sequential.h"
#include "layers/tips_pool2d.h"
#include "layers/dpp_pool2d.h"

namespace {
using poolnet::Tensor;

const std::vector<std::vector<int64_t>> kShapes = {{6, 28, 28}, {16, 10, 10}, {32, 32, 32}, {64, 16, 16}};

// Runs forward + backward of `op` on a [64, C, H, W] input; reports images/s.
template <class Op>
void run(benchmark::State& state, const Op& op) {
  poolnet::parallel::set_num_threads(static_cast<int>(state.range(1)));
  const auto& s = kShapes[static_cast<size_t>(state.range(0))];
  Tensor x = Tensor::uniform({64, s[0], s[1], s[2]}, 0.0f, 1.0f, 1).set_requires_grad();
  Tensor up;
  for (auto _ : state) {
    Tensor y = op(x);
    if (!up.defined()) up = Tensor::ones(y.shape());
    y.backward(up);
    benchmark::DoNotOptimize(x.grad().data());
  }
  state.SetLabel(std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]));
  state.counters["img/s"] = benchmark::Counter(64.0, benchmark::Counter::kIsIterationInvariantRate);
  poolnet::parallel::set_num_threads(0);
}

void BM_MaxPool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::max_pool2d(x, {.kernel = {2, 2}, .stride = {2, 2}}); });
}

void BM_MaxBlurPool(benchmark::State& state) {
  poolnet::MaxBlurPool2d layer;
  run(state, [&](const Tensor& x) { return layer.forward(x); });
}

void BM_BlurPool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::blur_pool2d(x, {.filter_size = 3}); });
}

void BM_BlurPoolFilter5(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::blur_pool2d(x, {.filter_size = 5}); });
}

void BM_Aps(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::aps_downsample(x, {}); });
}

void BM_SoftPool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::soft_pool2d(x, {}); });
}

void BM_StochasticPool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::stochastic_pool2d(x, {.seed = 1}); });
}

void BM_FractionalMaxPool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::fractional_max_pool2d(x, {.ratio = 0.7, .seed = 1}); });
}

// Learnable polyphase sampling in training mode (the scorer's two convolutions with hidden = C,
// the Gumbel-softmax mixture), the scorer's weights learning too.
void BM_Lps(benchmark::State& state) {
  poolnet::LpsPool2d layer({.channels = kShapes[static_cast<size_t>(state.range(0))][0], .seed = 1});
  run(state, [&](const Tensor& x) { return layer.forward(x); });
}

void BM_S3Pool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::s3_pool2d(x, {.grid = {4, 4}, .seed = 1}); });
}

// The layer in training mode (its shift-consistency regulariser computed too, not back-propagated).
void BM_Tips(benchmark::State& state) {
  poolnet::TipsPool2d layer({.channels = kShapes[static_cast<size_t>(state.range(0))][0], .seed = 1});
  run(state, [&](const Tensor& x) { return layer.forward(x); });
}

// The op alone (lip2d's window: kernel 3, stride 2, padding 1) with fixed logits, then the layer
// (logit conv 3x3 C -> C, instance norm, gate; its weights learning too).
void BM_LipPoolOp(benchmark::State& state) {
  const auto& s = kShapes[static_cast<size_t>(state.range(0))];
  const Tensor logits = Tensor::uniform({64, s[0], s[1], s[2]}, 0.0f, 12.0f, 2);
  run(state, [&](const Tensor& x) { return poolnet::lip_pool2d(x, logits); });
}

void BM_LipPool(benchmark::State& state) {
  poolnet::LipPool2d layer({.channels = kShapes[static_cast<size_t>(state.range(0))][0], .seed = 1});
  run(state, [&](const Tensor& x) { return layer.forward(x); });
}

// Frequency-domain pooling: per plane a 2-D FFT, the kept block, an inverse FFT (FFTW).
void BM_SpectralPool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::spectral_pool2d(x, {}); });
}

void BM_FlcPool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::flc_pool2d(x); });
}

void BM_AsapPool(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::asap_pool2d(x); });
}

void BM_WaveletPoolDb2(benchmark::State& state) {
  run(state, [](const Tensor& x) { return poolnet::wavelet_pool2d(x, {.wavelet = poolnet::Wavelet::kDb2}); });
}

// The layer, its log_alpha and log_lambda learning too.
void BM_DppPool(benchmark::State& state) {
  poolnet::DppPool2d layer({.channels = kShapes[static_cast<size_t>(state.range(0))][0], .seed = 1});
  run(state, [&](const Tensor& x) { return layer.forward(x); });
}
// One SGD training step (forward, cross-entropy, backward) of a LeNet-style CNN on a batch of 64
// 1x28x28 images: conv 5x5 (1->6, padding 2), ReLU, downsample, conv 5x5 (6->16), ReLU,
// downsample, flatten, linear -> 10. Argument: index into kStepStrategies; 2 threads.
const std::vector<std::string> kStepStrategies = {"max_pool",  "max_blur_pool",   "blur_pool",    "avg_pool",
                                                  "aps",       "aps_blur",        "strided_conv", "conv_blur_pool",
                                                  "soft_pool", "stochastic_pool", "mixed_pool",   "lp_pool",
                                                  "tips",      "lip_pool"};

void BM_LeNetStep(benchmark::State& state) {
  using namespace poolnet;
  parallel::set_num_threads(2);
  const std::string& name = kStepStrategies[static_cast<size_t>(state.range(0))];
  const DownsampleSpec spec = parse_downsample(name);
  Sequential net;
  net.add(std::make_shared<Conv2d>(
      Conv2d::Options{.in_channels = 1, .out_channels = 6, .kernel = {5, 5}, .padding = {2, 2}}, 1));
  net.add(std::make_shared<ReLU>());
  net.add(make_downsample(spec, {.channels = 6, .seed = 2}));
  net.add(std::make_shared<Conv2d>(Conv2d::Options{.in_channels = 6, .out_channels = 16, .kernel = {5, 5}}, 3));
  net.add(std::make_shared<ReLU>());
  net.add(make_downsample(spec, {.channels = 16, .seed = 4}));
  const Tensor x = Tensor::uniform({64, 1, 28, 28}, 0.0f, 1.0f, 5);
  const int64_t features = net.forward(x).numel() / 64;
  Linear head({.in_features = features, .out_features = 10}, 6);
  const std::vector<int32_t> labels(64, 3);
  for (auto _ : state) {
    Tensor loss = cross_entropy(head.forward(flatten(net.forward(x))), labels);
    loss.backward();
    benchmark::DoNotOptimize(loss.data());
  }
  state.SetLabel(name);
  state.counters["img/s"] = benchmark::Counter(64.0, benchmark::Counter::kIsIterationInvariantRate);
  parallel::set_num_threads(0);
}
}  // namespace

BENCHMARK(BM_LeNetStep)->DenseRange(0, 13)->Unit(benchmark::kMillisecond);

#define POOLNET_BENCH(fn) BENCHMARK(fn)->ArgsProduct({{0, 1, 2, 3}, {1, 2}})->Unit(benchmark::kMicrosecond)
POOLNET_BENCH(BM_MaxPool);
POOLNET_BENCH(BM_MaxBlurPool);
POOLNET_BENCH(BM_BlurPool);
POOLNET_BENCH(BM_BlurPoolFilter5);
POOLNET_BENCH(BM_Aps);
POOLNET_BENCH(BM_SoftPool);
POOLNET_BENCH(BM_StochasticPool);
POOLNET_BENCH(BM_FractionalMaxPool);
POOLNET_BENCH(BM_Lps);
POOLNET_BENCH(BM_S3Pool);
POOLNET_BENCH(BM_Tips);
POOLNET_BENCH(BM_LipPoolOp);
POOLNET_BENCH(BM_LipPool);
POOLNET_BENCH(BM_SpectralPool);
POOLNET_BENCH(BM_FlcPool);
POOLNET_BENCH(BM_AsapPool);
POOLNET_BENCH(BM_WaveletPoolDb2);
POOLNET_BENCH(BM_DppPool);
