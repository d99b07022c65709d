// matmul through the tensor API vs the same product in raw Eigen (single thread both).
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "framework/ops/matmul.h"
#include "framework/parallel.h"

namespace {
using poolnet::Tensor;

void BM_TensorMatmul(benchmark::State& state) {
  poolnet::parallel::set_num_threads(static_cast<int>(state.range(3)));
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  Tensor a = Tensor::uniform({M, K}, -1, 1, 1), b = Tensor::uniform({K, N}, -1, 1, 2);
  for (auto _ : state) benchmark::DoNotOptimize(poolnet::matmul(a, b).data());
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * M * K * N, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void BM_EigenMatmul(benchmark::State& state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Mat a = Mat::Random(M, K), b = Mat::Random(K, N), c(M, N);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * M * K * N, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}
}  // namespace

BENCHMARK(BM_TensorMatmul)->Args({256, 256, 256, 1})->Args({64, 400, 120, 1})->Args({256, 256, 256, 2})->Args({64, 400, 120, 2});
BENCHMARK(BM_EigenMatmul)->Args({256, 256, 256})->Args({64, 400, 120});
