// One optimizer step over a 1M-parameter model (the size of a small VGG), single thread and
// all threads; memory-bound, so the numbers to watch are GB/s of parameter state touched.
#include <benchmark/benchmark.h>

#include <memory>

#include "framework/autograd.h"
#include "framework/optim/adam.h"
#include "framework/optim/sgd.h"
#include "framework/parallel.h"

namespace {
using poolnet::NamedTensors;
using poolnet::Tensor;

template <class Make>
void run(benchmark::State& state, const Make& make, int arrays_touched) {
  poolnet::parallel::set_num_threads(static_cast<int>(state.range(1)));
  const int64_t n = state.range(0);
  NamedTensors params{{"w", Tensor::uniform({n}, -1, 1, 1).set_requires_grad()}};
  Tensor g = Tensor::uniform({n}, -1, 1, 2);
  std::copy_n(g.data(), n, poolnet::grad_buffer(params[0].second));
  auto optimizer = make(params);
  for (auto _ : state) {
    optimizer->step();
    benchmark::DoNotOptimize(params[0].second.data());
  }
  state.counters["GB/s"] = benchmark::Counter(4.0 * n * arrays_touched, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
  poolnet::parallel::set_num_threads(0);
}

void BM_SgdMomentum(benchmark::State& state) {
  run(
      state, [](NamedTensors p) { return std::make_unique<poolnet::Sgd>(p, poolnet::SgdOptions{.momentum = 0.9}); }, 3);
}

void BM_AdamW(benchmark::State& state) {
  run(
      state, [](NamedTensors p) { return std::make_unique<poolnet::AdamW>(p); }, 4);
}

BENCHMARK(BM_SgdMomentum)->Args({1 << 20, 1})->Args({1 << 20, 0})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AdamW)->Args({1 << 20, 1})->Args({1 << 20, 0})->Unit(benchmark::kMicrosecond);
}  // namespace
