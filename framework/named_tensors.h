// NamedTensors: an ordered list of (name, tensor) pairs — a module's parameters, an optimizer's
// state, the contents of a safetensors file. Names are PyTorch-style dotted paths
// ("features.0.weight"). layers/module.h declares the same alias; the two are one type.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "framework/tensor.h"

namespace poolnet {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

}  // namespace poolnet
