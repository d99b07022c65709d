// Counter-based random numbers (Philox-4x32-10 from Random123). A draw is a pure function of
// (seed, stream, index): no hidden state, so results never depend on thread count or on the
// order in which draws are made. Streams separate independent uses of one seed, e.g.
// stream = (epoch, sample) for data augmentation.
#pragma once

#include <cstdint>
#include <span>

namespace poolnet {

class RandomStream {
 public:
  RandomStream(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}
  uint32_t bits(uint64_t index) const;      // 32 uniform random bits
  float uniform(uint64_t index) const;      // in [0, 1)
  float normal(uint64_t index) const;       // standard normal (Box-Muller on draws 2i, 2i+1)
  int64_t below(uint64_t index, int64_t n) const;  // uniform integer in [0, n)

 private:
  uint64_t seed_;
  uint64_t stream_;
};

// Mixes several integers into one stream id (SplitMix64 steps).
uint64_t stream_id(uint64_t a, uint64_t b = 0, uint64_t c = 0);

// values[i] depends only on (seed, i).
void fill_uniform(std::span<float> values, float low, float high, uint64_t seed);
void fill_normal(std::span<float> values, float mean, float stddev, uint64_t seed);

}  // namespace poolnet
