#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <cmath>
#include <thread>
#include <vector>

#include "framework/parallel.h"
#include "framework/random.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

TEST(Parallel, ForCoversEveryIndexOnceInFixedChunks) {
  for (int threads : {1, 2}) {
    testing::with_threads(threads, [] {
      std::vector<std::atomic<int>> hits(1003);
      parallel::parallel_for(0, 1003, 100, [&](int64_t b, int64_t e) {
        EXPECT_EQ(b % 100, 0);
        EXPECT_TRUE(e - b == 100 || e == 1003);
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
      });
      for (auto& h : hits) EXPECT_EQ(h.load(), 1);
    });
  }
}

TEST(Parallel, ReductionIsBitwiseIdenticalAtAnyThreadCount) {
  std::vector<float> values(100000);
  const RandomStream rng(3, 0);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::ldexp(rng.uniform(i), static_cast<int>(i % 40) - 20);
  const auto run = [&] {
    return parallel::deterministic_reduce<float>(
        static_cast<int64_t>(values.size()), 777, 0.0f,
        [&](int64_t, int64_t b, int64_t e) {
          float s = 0;
          for (int64_t i = b; i < e; ++i) s += values[static_cast<size_t>(i)];
          return s;
        },
        [](float a, float b) { return a + b; });
  };
  float one = 0, two = 0;
  testing::with_threads(1, [&] { one = run(); });
  testing::with_threads(2, [&] { two = run(); });
  EXPECT_EQ(std::memcmp(&one, &two, sizeof(float)), 0);
}

TEST(Parallel, ThreadCountIsSettable) {
  testing::with_threads(1, [] { EXPECT_EQ(parallel::num_threads(), 1); });
  testing::with_threads(2, [] { EXPECT_EQ(parallel::num_threads(), 2); });
}

// Two chunks are inside the body at the same moment, so a second thread really runs work (the
// thread-count tests, and ThreadSanitizer, rely on it). Each chunk waits, up to a deadline, for
// the other to arrive; one thread running both in turn never has two inside.
TEST(Parallel, TwoThreadsRunChunksAtOnce) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core: oneTBB starts no worker thread";
  testing::with_threads(2, [] {
    std::atomic<int> inside{0};
    std::atomic<bool> together{false};
    parallel::parallel_for(0, 2, 1, [&](int64_t, int64_t) {
      if (inside.fetch_add(1) + 1 == 2) together = true;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!together.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
      inside.fetch_sub(1);
    });
    EXPECT_TRUE(together.load()) << "parallel_for with 2 threads ran its 2 chunks one after the other";
  });
}

TEST(Random, StreamsAreIndependentAndPure) {
  const RandomStream a(1, 0), b(1, 1), c(2, 0);
  EXPECT_EQ(a.bits(5), RandomStream(1, 0).bits(5));
  EXPECT_NE(a.bits(5), b.bits(5));
  EXPECT_NE(a.bits(5), c.bits(5));
  int counts[4] = {0, 0, 0, 0};
  for (uint64_t i = 0; i < 4000; ++i) counts[a.below(i, 4)]++;
  for (int k : counts) EXPECT_NEAR(k, 1000, 120);
  EXPECT_NE(stream_id(1, 2), stream_id(2, 1));
}

}  // namespace
}  // namespace poolnet
