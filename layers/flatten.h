// Flatten: joins the dimensions from start_dim on (PyTorch nn.Flatten, end_dim = -1),
// e.g. [N, C, H, W] -> [N, C*H*W]. Composes framework/ops/shape_ops's flatten.
#pragma once

#include <cstdint>
#include <string>

#include "layers/module.h"

namespace poolnet {

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1) : start_dim_(start_dim) {}
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "Flatten(start_dim=1)"
  ModuleConfig config() const override;
  int64_t start_dim() const { return start_dim_; }

 private:
  int64_t start_dim_;
};

}  // namespace poolnet
