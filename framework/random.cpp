#include "framework/random.h"

#include <Random123/boxmuller.hpp>
#include <Random123/philox.h>

namespace poolnet {

namespace {
// The four 32-bit words of block `block` of stream `stream` under `seed`.
r123::Philox4x32::ctr_type philox_block(uint64_t seed, uint64_t stream, uint64_t block) {
  r123::Philox4x32 rng;
  r123::Philox4x32::ctr_type counter = {{static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                                         static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)}};
  r123::Philox4x32::key_type key = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  return rng(counter, key);
}

float to_unit(uint32_t bits) { return static_cast<float>(bits >> 8) * 0x1.0p-24f; }  // [0, 1), exact

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

uint32_t RandomStream::bits(uint64_t index) const { return philox_block(seed_, stream_, index / 4)[index % 4]; }

float RandomStream::uniform(uint64_t index) const { return to_unit(bits(index)); }

float RandomStream::normal(uint64_t index) const {
  const auto block = philox_block(seed_, stream_, index / 2);
  const auto pair = r123::boxmuller(block[0], block[1]);
  return index % 2 == 0 ? pair.x : pair.y;
}

int64_t RandomStream::below(uint64_t index, int64_t n) const {
  const auto block = philox_block(seed_, stream_, index);
  const uint64_t wide = (static_cast<uint64_t>(block[0]) << 32) | block[1];
  return static_cast<int64_t>(wide % static_cast<uint64_t>(n));
}

uint64_t stream_id(uint64_t a, uint64_t b, uint64_t c) { return splitmix(splitmix(splitmix(a) ^ b) ^ c); }

void fill_uniform(std::span<float> values, float low, float high, uint64_t seed) {
  const RandomStream rng(seed, 0);
  for (size_t i = 0; i < values.size(); ++i) values[i] = low + (high - low) * rng.uniform(i);
}

void fill_normal(std::span<float> values, float mean, float stddev, uint64_t seed) {
  const RandomStream rng(seed, 1);
  for (size_t i = 0; i < values.size(); ++i) values[i] = mean + stddev * rng.normal(i);
}

}  // namespace poolnet
