// BatchNorm2d: per-channel batch normalisation (PyTorch nn.BatchNorm2d), composing
// framework/ops/batch_norm's batch_norm2d.
//   x [N, num_features, H, W] -> same shape.
// Training normalises with the batch statistics and updates the running ones (momentum);
// eval normalises with the running statistics.
// Parameters (affine): weight [C] = 1, bias [C] = 0. Buffers: running_mean [C] = 0,
// running_var [C] = 1 (PyTorch's num_batches_tracked is not kept).
#pragma once

#include <cstdint>
#include <string>

#include "layers/module.h"

namespace poolnet {

class BatchNorm2d : public Module {
 public:
  struct Options {
    int64_t num_features = 0;
    float eps = 1e-5f;
    float momentum = 0.1f;
    bool affine = true;
  };

  // Throws ConfigError unless num_features >= 1, eps > 0 and momentum is in [0, 1].
  explicit BatchNorm2d(Options options);

  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=true)"
  ModuleConfig config() const override;

  const Options& options() const { return options_; }
  const Tensor& weight() const { return weight_; }  // undefined unless affine
  const Tensor& bias() const { return bias_; }
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }

 private:
  Options options_;
  Tensor weight_, bias_, running_mean_, running_var_;
};

}  // namespace poolnet
