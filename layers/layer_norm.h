// LayerNorm over the last dimension (PyTorch nn.LayerNorm(channels), op: framework/ops/layer_norm.h).
// Parameters: weight [C] (ones) and bias [C] (zeros); eps 1e-5.
#pragma once

#include "layers/module.h"

namespace poolnet {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t channels);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "LayerNorm(16)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override { return {}; }

 private:
  int64_t channels_;
  Tensor weight_, bias_;
};

}  // namespace poolnet
