// Forward + backward of the downsampling ops at batch 64 on the feature-map shapes of small
// CNNs (LeNet 6x28x28 and 16x10x10, CIFAR-style 32x32x32 and 64x16x16), 1 and 2 threads.
// Argument pairs: (shape index, threads).
#include <benchmark/benchmark.h>

#include <string>

#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "framework/parallel.h"

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
}  // namespace

#define POOLNET_BENCH(fn) BENCHMARK(fn)->ArgsProduct({{0, 1, 2, 3}, {1, 2}})->Unit(benchmark::kMicrosecond)
POOLNET_BENCH(BM_BlurPool);
POOLNET_BENCH(BM_BlurPoolFilter5);
POOLNET_BENCH(BM_Aps);
POOLNET_BENCH(BM_SoftPool);
POOLNET_BENCH(BM_StochasticPool);
