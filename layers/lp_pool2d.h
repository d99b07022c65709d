// LpPool2d: power-average pooling (framework/ops/lp_pool.h, PyTorch's LPPool2d): the p-norm of
// each window, (sum x^p)^(1/p). Options: kernel, stride, ceil_mode. x [N, C, H, W] ->
// [N, C, OH, OW]. No parameters.
//   LpPool2d pool(2.0f, Pool2d{.kernel = {2, 2}});
#pragma once

#include "framework/ops/lp_pool.h"
#include "layers/module.h"
#include "layers/pool_window.h"

namespace poolnet {

class LpPool2d : public Module {
 public:
  explicit LpPool2d(float p, Pool2d options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "LpPool2d(p=2, kernel=2x2, stride=2x2)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override { return {pool_window(options_)}; }
  float p() const { return p_; }
  const Pool2d& options() const { return options_; }

 private:
  float p_;
  Pool2d options_;
};

}  // namespace poolnet
