#include "layers/init.h"

#include <cmath>
#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/random.h"

namespace poolnet::init {

uint64_t weight_seed(uint64_t layer_seed) { return stream_id(layer_seed, 0); }
uint64_t bias_seed(uint64_t layer_seed) { return stream_id(layer_seed, 1); }

float default_bound(int64_t fan_in) {
  if (fan_in < 1) throw ConfigError(fmt::format("init: fan_in must be >= 1, got {}", fan_in));
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)));
}

Tensor kaiming_uniform(Shape shape, int64_t fan_in, float a, uint64_t seed) {
  const double gain = std::sqrt(2.0 / (1.0 + static_cast<double>(a) * a));
  const auto bound = static_cast<float>(gain * std::sqrt(3.0) * default_bound(fan_in));
  return Tensor::uniform(std::move(shape), -bound, bound, seed);
}

Tensor default_weight(Shape shape, int64_t fan_in, uint64_t seed) {
  return kaiming_uniform(std::move(shape), fan_in, std::sqrt(5.0f), seed);
}

Tensor default_bias(int64_t size, int64_t fan_in, uint64_t seed) {
  const float bound = default_bound(fan_in);
  return Tensor::uniform({size}, -bound, bound, seed);
}

}  // namespace poolnet::init
