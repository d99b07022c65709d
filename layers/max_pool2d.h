// MaxPool2d: max pooling (framework/ops/max_pool.h) with the options of Pool2d: kernel, stride,
// padding, dilation, ceil_mode. x [N, C, H, W] -> [N, C, OH, OW]. No parameters.
//   MaxPool2d pool(Pool2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
// forward_with_indices also returns the argmax positions, for MaxUnpool2d.
#pragma once

#include "framework/ops/max_pool.h"
#include "layers/module.h"
#include "layers/pool_window.h"

namespace poolnet {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Pool2d options = {});
  Tensor forward(const Tensor& x) override;
  MaxPoolResult forward_with_indices(const Tensor& x) const;
  std::string describe() const override;  // "MaxPool2d(kernel=2x2, stride=2x2)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override { return {pool_window(options_)}; }
  const Pool2d& options() const { return options_; }

 private:
  Pool2d options_;
};

}  // namespace poolnet
