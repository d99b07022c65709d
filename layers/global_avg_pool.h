// GlobalAvgPool: the mean over each channel's whole plane (framework/ops/adaptive_pool.h),
// x [N, C, H, W] -> [N, C], the "gap" head. No parameters.
#pragma once

#include "framework/ops/adaptive_pool.h"
#include "layers/module.h"

namespace poolnet {

class GlobalAvgPool : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "GlobalAvgPool()"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override { return {Window{.global = true}}; }
};

}  // namespace poolnet
