#include "layers/flatten.h"

#include <fmt/format.h>

#include "framework/ops/shape_ops.h"

namespace poolnet {

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim_); }

std::string Flatten::describe() const { return fmt::format("Flatten(start_dim={})", start_dim_); }

ModuleConfig Flatten::config() const { return {"Flatten", {{"start_dim", start_dim_}}}; }

}  // namespace poolnet
