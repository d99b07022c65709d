// max_pool2d and avg_pool2d, kernel 2x2 stride 2, at batch 64 on the feature-map shapes of the
// standard models: forward alone and forward + backward, at 1 and 2 threads; plus overlapping
// windows (the general kernel). The same cases in PyTorch: tests/bench/bench_pool_torch.py.
#include <benchmark/benchmark.h>

#include "framework/autograd.h"
#include "framework/ops/avg_pool.h"
#include "framework/ops/max_pool.h"
#include "framework/parallel.h"

namespace {
using poolnet::Tensor;

enum class Op { kMax, kAvg };

Tensor pool(Op op, const Tensor& x) {
  return op == Op::kMax ? poolnet::max_pool2d(x, {}) : poolnet::avg_pool2d(x, {});
}

// Args: C, H (= W), threads.
template <Op op>
void BM_Forward(benchmark::State& state) {
  poolnet::parallel::set_num_threads(static_cast<int>(state.range(2)));
  const int64_t N = 64, C = state.range(0), H = state.range(1);
  const Tensor x = Tensor::uniform({N, C, H, H}, -1, 1, 1);
  poolnet::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(pool(op, x).data());
  state.counters["img/s"] = benchmark::Counter(static_cast<double>(N), benchmark::Counter::kIsIterationInvariantRate);
  poolnet::parallel::set_num_threads(0);
}

template <Op op>
void BM_ForwardBackward(benchmark::State& state) {
  poolnet::parallel::set_num_threads(static_cast<int>(state.range(2)));
  const int64_t N = 64, C = state.range(0), H = state.range(1);
  Tensor x = Tensor::uniform({N, C, H, H}, -1, 1, 1).set_requires_grad();
  const Tensor gy = Tensor::uniform({N, C, H / 2, H / 2}, -1, 1, 2);
  for (auto _ : state) {
    Tensor y = pool(op, x);
    y.backward(gy);
    benchmark::DoNotOptimize(x.grad().data());
  }
  state.counters["img/s"] = benchmark::Counter(static_cast<double>(N), benchmark::Counter::kIsIterationInvariantRate);
  poolnet::parallel::set_num_threads(0);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (auto [C, H] : {std::pair{6, 28}, std::pair{16, 10}, std::pair{32, 32}, std::pair{64, 16}}) {
      b->Args({C, H, threads});
    }
  }
  b->ArgNames({"C", "H", "threads"})->UseRealTime();
}
}  // namespace

BENCHMARK(BM_Forward<Op::kMax>)->Name("max_pool2d/forward")->Apply(shapes);
BENCHMARK(BM_ForwardBackward<Op::kMax>)->Name("max_pool2d/forward_backward")->Apply(shapes);
BENCHMARK(BM_Forward<Op::kAvg>)->Name("avg_pool2d/forward")->Apply(shapes);
BENCHMARK(BM_ForwardBackward<Op::kAvg>)->Name("avg_pool2d/forward_backward")->Apply(shapes);

// Overlapping windows (the general kernel): max pool kernel 2 stride 1 (max_blur_pool's first
// step) and kernel 3 stride 2 padding 1, forward + backward, at 1 thread.
namespace {
void BM_MaxOverlapping(benchmark::State& state) {
  poolnet::parallel::set_num_threads(1);
  const int64_t N = 64, C = state.range(0), H = state.range(1), K = state.range(2), S = state.range(3);
  const poolnet::Pool2d options{.kernel = {K, K}, .stride = {S, S}, .padding = {K / 2 * (S - 1), K / 2 * (S - 1)}};
  Tensor x = Tensor::uniform({N, C, H, H}, -1, 1, 1).set_requires_grad();
  const Tensor gy = Tensor::uniform(poolnet::max_pool2d_out_shape(x.shape(), options), -1, 1, 2);
  for (auto _ : state) {
    Tensor y = poolnet::max_pool2d(x, options);
    y.backward(gy);
    benchmark::DoNotOptimize(x.grad().data());
  }
  state.counters["img/s"] = benchmark::Counter(static_cast<double>(N), benchmark::Counter::kIsIterationInvariantRate);
  poolnet::parallel::set_num_threads(0);
}
}  // namespace

BENCHMARK(BM_MaxOverlapping)->Name("max_pool2d/overlapping_forward_backward")
    ->Args({16, 10, 2, 1})->Args({64, 16, 2, 1})->Args({64, 16, 3, 2})->ArgNames({"C", "H", "k", "s"})->UseRealTime();
