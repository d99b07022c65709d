// InstanceNorm2d: per-sample, per-channel normalisation (PyTorch nn.InstanceNorm2d with
// track_running_stats = false), composing framework/ops/instance_norm's instance_norm2d.
//   x [N, num_features, H, W] -> same shape; the same in training and evaluation.
// Parameters (affine): weight [C] = 1, bias [C] = 0 (PyTorch's names and initialisation).
#pragma once

#include <cstdint>
#include <string>

#include "layers/module.h"

namespace poolnet {

class InstanceNorm2d : public Module {
 public:
  struct Options {
    int64_t num_features = 0;
    float eps = 1e-5f;
    bool affine = false;  // PyTorch's default
  };

  // Throws ConfigError unless num_features >= 1 and eps > 0.
  explicit InstanceNorm2d(Options options);

  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "InstanceNorm2d(16, eps=1e-05, affine=true)"
  ModuleConfig config() const override;

  const Options& options() const { return options_; }
  const Tensor& weight() const { return weight_; }  // undefined unless affine
  const Tensor& bias() const { return bias_; }

 private:
  Options options_;
  Tensor weight_, bias_;
};

}  // namespace poolnet
