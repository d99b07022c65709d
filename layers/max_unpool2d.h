// MaxUnpool2d: the partial inverse of MaxPool2d (framework/ops/max_unpool2d in max_pool.h):
// puts each value back at its argmax position, zeros elsewhere. Options: kernel, stride,
// padding of the max pool it inverts. x [N, C, H, W] with its indices -> [N, C, OH, OW], by
// default OH = (H - 1)*stride.h - 2*padding.h + kernel.h (PyTorch's rule); an explicit output
// size must lie strictly between default - stride and default + stride (PyTorch's rule; it
// recovers odd input sizes). No parameters.
//   MaxPool2d pool(Pool2d{});  MaxUnpool2d unpool(Pool2d{});
//   auto [y, indices] = pool.forward_with_indices(x);
//   Tensor restored = unpool.forward(y, indices, {x.size(2), x.size(3)});
// forward(x) alone cannot know the positions and throws ConfigError.
#pragma once

#include "framework/ops/max_pool.h"
#include "layers/module.h"

namespace poolnet {

class MaxUnpool2d : public Module {
 public:
  explicit MaxUnpool2d(Pool2d options = {});
  Tensor forward(const Tensor& x) override;
  Tensor forward(const Tensor& x, const PoolIndices& indices);
  Tensor forward(const Tensor& x, const PoolIndices& indices, Size2d output_size);
  std::string describe() const override;  // "MaxUnpool2d(kernel=2x2, stride=2x2)"
  ModuleConfig config() const override;
  Size2d default_output_size(const Tensor& x) const;
  const Pool2d& options() const { return options_; }

 private:
  Pool2d options_;
};

}  // namespace poolnet
