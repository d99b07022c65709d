// The global heads with a learnable exponent (ops: framework/ops/global_pool_heads.h),
// x [N, C, H, W] -> [N, C]:
//   GemPool: generalised mean, parameter `p` [1], initial 3 (cirtorch's GeM);
//   LsePool: log-sum-exp, parameter `r` [1], initial 10 (timm's LsePlus2d).
#pragma once

#include "layers/module.h"

namespace poolnet {

class GemPool : public Module {
 public:
  explicit GemPool(float p = 3.0f);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "GemPool(p=3)" with p's current value
  ModuleConfig config() const override { return {.type = "GemPool"}; }
  std::vector<Window> windows() const override { return {Window{.global = true}}; }
  const Tensor& p() const { return p_; }

 private:
  Tensor p_;
};

class LsePool : public Module {
 public:
  explicit LsePool(float r = 10.0f);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "LsePool(r=10)" with r's current value
  ModuleConfig config() const override { return {.type = "LsePool"}; }
  std::vector<Window> windows() const override { return {Window{.global = true}}; }
  const Tensor& r() const { return r_; }

 private:
  Tensor r_;
};

}  // namespace poolnet
