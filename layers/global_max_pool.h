// GlobalMaxPool: the maximum over each channel's whole plane (framework/ops/adaptive_pool.h),
// x [N, C, H, W] -> [N, C], the "gmp" head. No parameters.
#pragma once

#include "framework/ops/adaptive_pool.h"
#include "layers/module.h"

namespace poolnet {

class GlobalMaxPool : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "GlobalMaxPool()"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override { return {Window{.global = true}}; }
};

}  // namespace poolnet
