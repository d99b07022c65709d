// AvgPool2d: average pooling (framework/ops/avg_pool.h) with the options of Pool2d: kernel,
// stride, padding, ceil_mode, count_include_pad, divisor_override (no dilation).
// x [N, C, H, W] -> [N, C, OH, OW]. No parameters.
#pragma once

#include "framework/ops/avg_pool.h"
#include "layers/module.h"
#include "layers/pool_window.h"

namespace poolnet {

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Pool2d options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "AvgPool2d(kernel=2x2, stride=2x2)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override { return {pool_window(options_)}; }
  const Pool2d& options() const { return options_; }

 private:
  Pool2d options_;
};

}  // namespace poolnet
