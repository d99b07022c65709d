#include "layers/instance_norm2d.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/ops/instance_norm.h"

namespace poolnet {

InstanceNorm2d::InstanceNorm2d(Options options) : options_(options) {
  const Options& o = options_;
  if (o.num_features < 1 || !(o.eps > 0.0f)) {
    throw ConfigError(
        fmt::format("InstanceNorm2d: expected num_features >= 1 and eps > 0, got {}, {}", o.num_features, o.eps));
  }
  if (o.affine) {
    weight_ = register_parameter("weight", Tensor::ones({o.num_features}));
    bias_ = register_parameter("bias", Tensor::zeros({o.num_features}));
  }
}

Tensor InstanceNorm2d::forward(const Tensor& x) { return instance_norm2d(x, weight_, bias_, options_.eps); }

std::string InstanceNorm2d::describe() const {
  return fmt::format("InstanceNorm2d({}, eps={}, affine={})", options_.num_features, options_.eps, options_.affine);
}

ModuleConfig InstanceNorm2d::config() const {
  return {"InstanceNorm2d",
          {{"num_features", options_.num_features},
           {"eps", static_cast<double>(options_.eps)},
           {"affine", options_.affine}}};
}

}  // namespace poolnet
