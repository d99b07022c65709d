#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <cmath>
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
