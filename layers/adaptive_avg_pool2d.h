// AdaptiveAvgPool2d: adaptive avg pooling to a fixed output size (framework/ops/adaptive_pool.h,
// PyTorch's windows [floor(i*H/OH), ceil((i+1)*H/OH))). x [N, C, H, W] -> [N, C, OH, OW] for
// any H, W >= 1. No parameters.
#pragma once

#include "framework/ops/adaptive_pool.h"
#include "layers/module.h"

namespace poolnet {

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2d output_size);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "AdaptiveAvgPool2d(output=1x1)"
  ModuleConfig config() const override;
  Size2d output_size() const { return output_size_; }

 private:
  Size2d output_size_;
};

}  // namespace poolnet
