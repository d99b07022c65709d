#include "layers/layer_norm.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/ops/layer_norm.h"

namespace poolnet {

LayerNorm::LayerNorm(int64_t channels) : channels_(channels) {
  if (channels < 1) throw ConfigError(fmt::format("LayerNorm: needs channels >= 1, got {}", channels));
  weight_ = register_parameter("weight", Tensor::ones({channels}));
  bias_ = register_parameter("bias", Tensor::zeros({channels}));
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, weight_, bias_); }

std::string LayerNorm::describe() const { return fmt::format("LayerNorm({})", channels_); }

ModuleConfig LayerNorm::config() const { return {"LayerNorm", {{"channels", channels_}}}; }

}  // namespace poolnet
