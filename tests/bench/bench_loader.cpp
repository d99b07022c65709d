// Batch assembly: 64 MNIST-sized images (shapes data set, 28x28x1) and 128 CIFAR-sized ones
// (32x32x3), plain and with shift + flip augmentation, at 1 and 2 threads.
#include <benchmark/benchmark.h>

#include "framework/data/loader.h"
#include "framework/parallel.h"

namespace {
using namespace poolnet::data;

const Dataset& data(int64_t size, int64_t channels) {
  static const Dataset mnist = make_shapes({.image_size = 28, .channels = 1, .train_samples = 4096}, Split::kTrain);
  static const Dataset cifar = make_shapes({.image_size = 32, .channels = 3, .train_samples = 4096}, Split::kTrain);
  return size == 28 && channels == 1 ? mnist : cifar;
}

void BM_LoaderBatch(benchmark::State& state) {
  poolnet::parallel::set_num_threads(static_cast<int>(state.range(3)));
  const bool augment = state.range(2) != 0;
  const Loader loader(data(state.range(0), state.range(0) == 28 ? 1 : 3),
                      {.batch_size = state.range(1),
                       .augment = augment ? Augment{.max_shift = 4, .horizontal_flip = true} : Augment{}});
  int64_t index = 0;
  for (auto _ : state) {
    Batch b = loader.batch(0, index);
    benchmark::DoNotOptimize(b.images.data());
    index = (index + 1) % loader.batches_per_epoch();
  }
  state.counters["images/s"] =
      benchmark::Counter(static_cast<double>(state.range(1)), benchmark::Counter::kIsIterationInvariantRate);
  poolnet::parallel::set_num_threads(0);
}

// {image size, batch, augment, threads}
BENCHMARK(BM_LoaderBatch)
    ->Args({28, 64, 0, 1})
    ->Args({28, 64, 1, 1})
    ->Args({28, 64, 1, 2})
    ->Args({32, 128, 0, 1})
    ->Args({32, 128, 1, 1})
    ->Args({32, 128, 1, 2})
    ->Unit(benchmark::kMicrosecond);

void BM_EpochOrder(benchmark::State& state) {
  const Loader loader(data(28, 1), {});
  int64_t epoch = 0;
  for (auto _ : state) benchmark::DoNotOptimize(loader.epoch_order(epoch++).data());
}
BENCHMARK(BM_EpochOrder)->Unit(benchmark::kMicrosecond);

}  // namespace
