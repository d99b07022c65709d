#include "layers/linear.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/ops/matmul.h"
#include "layers/init.h"

namespace poolnet {

Linear::Linear(Options options, uint64_t seed) : options_(options) {
  if (options_.in_features < 1 || options_.out_features < 1) {
    throw ConfigError(fmt::format("Linear: feature counts must be >= 1, got in_features={}, out_features={}",
                                  options_.in_features, options_.out_features));
  }
  const int64_t fan_in = options_.in_features;
  weight_ = register_parameter("weight", init::default_weight({options_.out_features, options_.in_features}, fan_in,
                                                              init::weight_seed(seed)));
  if (options_.bias) {
    bias_ = register_parameter("bias", init::default_bias(options_.out_features, fan_in, init::bias_seed(seed)));
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight_, bias_); }

std::vector<Window> Linear::windows() const { return {Window{.global = true}}; }

std::string Linear::describe() const {
  return fmt::format("Linear(in_features={}, out_features={}, bias={})", options_.in_features, options_.out_features,
                     options_.bias);
}

ModuleConfig Linear::config() const {
  return {"Linear",
          {{"in_features", options_.in_features}, {"out_features", options_.out_features}, {"bias", options_.bias}}};
}

}  // namespace poolnet
