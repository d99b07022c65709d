// PyTorch's default parameter initialisation, seeded (counter-based: a tensor's values depend
// only on its seed and size, never on the thread count or on other draws).
//   weight: kaiming_uniform with a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in));
//   bias:   U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
// fan_in: in_features for Linear, (C/groups)*KH*KW for Conv2d. A layer with seed s draws its
// weight from weight_seed(s) and its bias from bias_seed(s).
#pragma once

#include <cstdint>

#include "framework/tensor.h"

namespace poolnet::init {

uint64_t weight_seed(uint64_t layer_seed);  // stream_id(layer_seed, 0)
uint64_t bias_seed(uint64_t layer_seed);    // stream_id(layer_seed, 1)

// 1/sqrt(fan_in): the bound of both default initialisers. ConfigError if fan_in < 1.
float default_bound(int64_t fan_in);

// U(-bound, bound) with bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)).
Tensor kaiming_uniform(Shape shape, int64_t fan_in, float a, uint64_t seed);
// The default weight initialiser: kaiming_uniform with a = sqrt(5).
Tensor default_weight(Shape shape, int64_t fan_in, uint64_t seed);
// The default bias initialiser: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Tensor default_bias(int64_t size, int64_t fan_in, uint64_t seed);

}  // namespace poolnet::init
