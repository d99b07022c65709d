// conv2d forward and forward+backward at batch 64 on the LeNet/VGG-style shapes of the models,
// at 1 and 2 threads, plus the 3x3 stride-2 convolutions of the strided_conv strategy in vgg and
// lenet.
// BM_Conv2dFirstLayerForwardBackward: a first layer's (no input gradient). BM_Conv2dOneSampleForward:
// strided convolutions on one sample, which stays in the cache.
// Args: C, OC, H (= W), K, padding, threads, stride, kernel (conv2d_kernel.h: 0 auto, 1 direct,
// 2 im2col, 3 implicit, 4 winograd, 5 depthwise, 6 winograd4; the label names it). BM_Conv2dKernel* force each
// kernel on a few shapes (skipped where the kernel cannot run the shape). BM_Conv2dWinograd* time
// the 3x3 stride-1 shapes of vgg and of the narrow VGG on 28x28 inputs under the implicit,
// Winograd F(2x2) and F(4x4) kernels and the selection table. BM_Conv2dDepthwise* time the 3x3
// 'same' depthwise convolutions of the tips branch (framework/ops/tips.cpp) under the im2col
// and depthwise kernels; their args: N, C, H (= W), K, circular (0: zero padding), threads,
// kernel. Compare with PyTorch using tests/bench/compare_conv2d_torch.py (same shapes, same
// protocol).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/conv2d.h"
#include "framework/parallel.h"

namespace {
using poolnet::Conv2dKernel;
using poolnet::Tensor;
constexpr int64_t kBatch = 64;
constexpr Conv2dKernel kKernels[] = {Conv2dKernel::kAuto,     Conv2dKernel::kDirect,   Conv2dKernel::kIm2col,
                                     Conv2dKernel::kImplicit, Conv2dKernel::kWinograd, Conv2dKernel::kDepthwise,
                                     Conv2dKernel::kWinograd4};

// Forces the benchmark's kernel (arg `arg`); false (the benchmark skipped) if it cannot run the shape.
bool force_kernel(benchmark::State& state, const Tensor& x, const Tensor& w, const poolnet::Conv2dOptions& o,
                  std::optional<poolnet::ScopedConv2dKernel>& force, int arg = 7) {
  const Conv2dKernel kernel = kKernels[state.range(arg)];
  force.emplace(kernel);
  state.SetLabel(poolnet::to_string(kernel));
  try {
    poolnet::conv2d_kernel_for(x.shape(), w.shape(), o);
  } catch (const poolnet::ShapeError& e) {
    state.SkipWithError(e.what());
    return false;
  }
  return true;
}

struct Setup {
  Tensor x, w, b;
  poolnet::Conv2dOptions options;
  double flops;  // forward multiply-adds x 2
};

Setup make_setup(const benchmark::State& state, bool grad, bool input_grad = true, int64_t batch = kBatch) {
  const int64_t C = state.range(0), OC = state.range(1), H = state.range(2), K = state.range(3), P = state.range(4);
  const int64_t S = state.range(6);
  poolnet::parallel::set_num_threads(static_cast<int>(state.range(5)));
  Setup s{Tensor::uniform({batch, C, H, H}, -1, 1, 1),
          Tensor::uniform({OC, C, K, K}, -1, 1, 2),
          Tensor::uniform({OC}, -1, 1, 3),
          {.stride = {S, S}, .padding = {P, P}},
          0.0};
  if (grad) {
    if (input_grad) s.x.set_requires_grad();
    s.w.set_requires_grad();
    s.b.set_requires_grad();
  }
  const int64_t OH = (H + 2 * P - K) / S + 1;
  s.flops = 2.0 * batch * OC * OH * OH * C * K * K;
  return s;
}

void conv2d_forward(benchmark::State& state, int64_t batch) {
  Setup s = make_setup(state, false, true, batch);
  poolnet::NoGradGuard no_grad;
  std::optional<poolnet::ScopedConv2dKernel> force;
  if (!force_kernel(state, s.x, s.w, s.options, force)) return;
  for (auto _ : state) benchmark::DoNotOptimize(poolnet::conv2d(s.x, s.w, s.b, s.options).data());
  state.counters["GFLOP/s"] =
      benchmark::Counter(s.flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  poolnet::parallel::set_num_threads(0);
}

void BM_Conv2dForward(benchmark::State& state) { conv2d_forward(state, kBatch); }
// One sample, the same every iteration: its input stays in the cache (against BM_Conv2dForward's
// 64 samples, which do not fit in the L2 cache, it shows what the cache misses cost).
void BM_Conv2dOneSampleForward(benchmark::State& state) { conv2d_forward(state, 1); }

// Forward and backward; `input_grad` false: a first layer, whose input needs no gradient.
void conv2d_forward_backward(benchmark::State& state, bool input_grad) {
  Setup s = make_setup(state, true, input_grad);
  const Tensor gy = Tensor::uniform(poolnet::conv2d_out_shape(s.x.shape(), s.w.shape(), s.options), -1, 1, 4);
  std::optional<poolnet::ScopedConv2dKernel> force;
  if (!force_kernel(state, s.x, s.w, s.options, force)) return;
  for (auto _ : state) {
    Tensor y = poolnet::conv2d(s.x, s.w, s.b, s.options);
    y.backward(gy);
    benchmark::DoNotOptimize(s.w.grad().data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      (input_grad ? 3.0 : 2.0) * s.flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  poolnet::parallel::set_num_threads(0);
}

void BM_Conv2dForwardBackward(benchmark::State& state) { conv2d_forward_backward(state, true); }
void BM_Conv2dFirstLayerForwardBackward(benchmark::State& state) { conv2d_forward_backward(state, false); }

// Depthwise KxK 'same' convolution without bias: x [N,C,H,H], w [C,1,K,K], groups C.
Setup make_depthwise_setup(const benchmark::State& state, bool grad) {
  const int64_t N = state.range(0), C = state.range(1), H = state.range(2), K = state.range(3);
  poolnet::parallel::set_num_threads(static_cast<int>(state.range(5)));
  const auto mode = state.range(4) != 0 ? poolnet::PadMode::kCircular : poolnet::PadMode::kZeros;
  Setup s{Tensor::uniform({N, C, H, H}, -1, 1, 1),
          Tensor::uniform({C, 1, K, K}, -1, 1, 2),
          Tensor(),
          {.same = true, .groups = C, .padding_mode = mode},
          2.0 * N * C * H * H * K * K};
  if (grad) {
    s.x.set_requires_grad();
    s.w.set_requires_grad();
  }
  return s;
}

void BM_Conv2dDepthwiseForward(benchmark::State& state) {
  Setup s = make_depthwise_setup(state, false);
  poolnet::NoGradGuard no_grad;
  std::optional<poolnet::ScopedConv2dKernel> force;
  if (!force_kernel(state, s.x, s.w, s.options, force, 6)) return;
  for (auto _ : state) benchmark::DoNotOptimize(poolnet::conv2d(s.x, s.w, s.b, s.options).data());
  state.counters["GFLOP/s"] =
      benchmark::Counter(s.flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  poolnet::parallel::set_num_threads(0);
}

void BM_Conv2dDepthwiseForwardBackward(benchmark::State& state) {
  Setup s = make_depthwise_setup(state, true);
  const Tensor gy = Tensor::uniform(poolnet::conv2d_out_shape(s.x.shape(), s.w.shape(), s.options), -1, 1, 4);
  std::optional<poolnet::ScopedConv2dKernel> force;
  if (!force_kernel(state, s.x, s.w, s.options, force, 6)) return;
  for (auto _ : state) {
    Tensor y = poolnet::conv2d(s.x, s.w, s.b, s.options);
    y.backward(gy);
    benchmark::DoNotOptimize(s.w.grad().data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(3.0 * s.flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  poolnet::parallel::set_num_threads(0);
}

// The machine is shared: the minimum over repetitions is the least disturbed measurement.
void protocol(benchmark::internal::Benchmark* b,
              const std::vector<std::string>& names = {"C", "OC", "H", "K", "pad", "threads", "stride", "kernel"}) {
  b->ArgNames(names);
  b->Unit(benchmark::kMillisecond)->UseRealTime()->ComputeStatistics("min", [](const std::vector<double>& v) {
    return *std::min_element(v.begin(), v.end());
  });
}

void shapes(benchmark::internal::Benchmark* b) {
  protocol(b);
  for (int64_t threads : {1, 2}) {
    b->Args({1, 6, 28, 5, 2, threads, 1, 0});
    b->Args({6, 16, 14, 5, 0, threads, 1, 0});
    b->Args({3, 32, 32, 3, 1, threads, 1, 0});
    b->Args({32, 32, 32, 3, 1, threads, 1, 0});
    b->Args({32, 64, 16, 3, 1, threads, 1, 0});
    b->Args({64, 64, 16, 3, 1, threads, 1, 0});
    b->Args({64, 128, 8, 3, 1, threads, 1, 0});
    b->Args({32, 32, 32, 3, 1, threads, 2, 0});
    b->Args({64, 64, 16, 3, 1, threads, 2, 0});
    b->Args({6, 6, 28, 3, 1, threads, 2, 0});
    b->Args({16, 16, 10, 3, 1, threads, 2, 0});
  }
}

// The stride-2 3x3 convolutions of vgg's strided_conv and lenet's first one, at 1 thread.
void strided_shapes(benchmark::internal::Benchmark* b) {
  protocol(b);
  b->Args({32, 32, 32, 3, 1, 1, 2, 0});
  b->Args({64, 64, 16, 3, 1, 1, 2, 0});
  b->Args({6, 6, 28, 3, 1, 1, 2, 0});
}

// LeNet's first convolution (1 -> 6, 5x5, its input needing no gradient) and the 1 -> 12 first
// convolution of the default study's vgg under the selection table (direct) and im2col.
void first_layer_shapes(benchmark::internal::Benchmark* b) {
  protocol(b);
  for (int64_t kernel : {0, 2}) {
    for (int64_t threads : {1, 2}) {
      b->Args({1, 6, 28, 5, 2, threads, 1, kernel});
      b->Args({1, 12, 28, 3, 1, threads, 1, kernel});
    }
  }
}

// Every forced kernel at 1 thread on LeNet's convolutions, a VGG 3x3, a strided 3x3 and the
// strided 3x3s of lenet's strided_conv.
void kernel_shapes(benchmark::internal::Benchmark* b) {
  protocol(b);
  for (int64_t kernel = 1; kernel < 5; ++kernel) {
    b->Args({1, 6, 28, 5, 2, 1, 1, kernel});
    b->Args({6, 16, 14, 5, 0, 1, 1, kernel});
    b->Args({32, 32, 32, 3, 1, 1, 1, kernel});
    b->Args({32, 32, 32, 3, 1, 1, 2, kernel});
    b->Args({6, 6, 28, 3, 1, 1, 2, kernel});
    b->Args({16, 16, 10, 3, 1, 1, 2, kernel});
  }
}
// vgg's wide 3x3 convolutions and the narrow VGG's (28x28 inputs) at 1 thread: auto (0),
// implicit (3), winograd (4), winograd4 (6).
void winograd_shapes(benchmark::internal::Benchmark* b) {
  protocol(b);
  for (int64_t kernel : {0, 3, 4, 6}) {
    b->Args({32, 32, 32, 3, 1, 1, 1, kernel});
    b->Args({32, 64, 16, 3, 1, 1, 1, kernel});
    b->Args({64, 64, 16, 3, 1, 1, 1, kernel});
    b->Args({64, 128, 8, 3, 1, 1, 1, kernel});
    b->Args({12, 12, 28, 3, 1, 1, 1, kernel});
    b->Args({12, 24, 14, 3, 1, 1, 1, kernel});
    b->Args({24, 24, 14, 3, 1, 1, 1, kernel});
    b->Args({24, 48, 7, 3, 1, 1, 1, kernel});
  }
}
// The tips branch at [64,32,32,32] (zeros and circular, 1 and 2 threads) and [128,24,28,28]:
// im2col (2) against depthwise (5).
void depthwise_shapes(benchmark::internal::Benchmark* b) {
  protocol(b, {"N", "C", "H", "K", "circular", "threads", "kernel"});
  for (int64_t kernel : {2, 5}) {
    for (int64_t threads : {1, 2}) {
      b->Args({64, 32, 32, 3, 0, threads, kernel});
      b->Args({64, 32, 32, 3, 1, threads, kernel});
    }
    b->Args({128, 24, 28, 3, 1, 2, kernel});
  }
}
}  // namespace

BENCHMARK(BM_Conv2dForward)->Apply(shapes);
BENCHMARK(BM_Conv2dForwardBackward)->Apply(shapes);
BENCHMARK(BM_Conv2dFirstLayerForwardBackward)->Apply(first_layer_shapes);
BENCHMARK(BM_Conv2dOneSampleForward)->Apply(strided_shapes);
BENCHMARK(BM_Conv2dForward)->Name("BM_Conv2dKernelForward")->Apply(kernel_shapes);
BENCHMARK(BM_Conv2dForwardBackward)->Name("BM_Conv2dKernelForwardBackward")->Apply(kernel_shapes);
BENCHMARK(BM_Conv2dForward)->Name("BM_Conv2dWinogradForward")->Apply(winograd_shapes);
BENCHMARK(BM_Conv2dForwardBackward)->Name("BM_Conv2dWinogradForwardBackward")->Apply(winograd_shapes);
BENCHMARK(BM_Conv2dDepthwiseForward)->Apply(depthwise_shapes);
BENCHMARK(BM_Conv2dDepthwiseForwardBackward)->Apply(depthwise_shapes);
