#include "layers/batch_norm2d.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/ops/batch_norm.h"

namespace poolnet {

BatchNorm2d::BatchNorm2d(Options options) : options_(options) {
  const Options& o = options_;
  if (o.num_features < 1 || !(o.eps > 0.0f) || !(o.momentum >= 0.0f && o.momentum <= 1.0f)) {
    throw ConfigError(fmt::format(
        "BatchNorm2d: expected num_features >= 1, eps > 0 and momentum in [0, 1], got {}, {}, {}", o.num_features,
        o.eps, o.momentum));
  }
  if (o.affine) {
    weight_ = register_parameter("weight", Tensor::ones({o.num_features}));
    bias_ = register_parameter("bias", Tensor::zeros({o.num_features}));
  }
  running_mean_ = register_buffer("running_mean", Tensor::zeros({o.num_features}));
  running_var_ = register_buffer("running_var", Tensor::ones({o.num_features}));
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  return batch_norm2d(x, weight_, bias_, running_mean_, running_var_, is_training(), options_.momentum,
                      options_.eps);
}

std::string BatchNorm2d::describe() const {
  return fmt::format("BatchNorm2d({}, eps={}, momentum={}, affine={})", options_.num_features, options_.eps,
                     options_.momentum, options_.affine);
}

ModuleConfig BatchNorm2d::config() const {
  return {"BatchNorm2d",
          {{"num_features", options_.num_features},
           {"eps", static_cast<double>(options_.eps)},
           {"momentum", static_cast<double>(options_.momentum)},
           {"affine", options_.affine}}};
}

}  // namespace poolnet
