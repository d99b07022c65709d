// MixedPool2d (Lee et al. 2016; op: mixed_pool2d): a * max + (1 - a) * avg over each window with
// a = sigmoid(gate), one learnable scalar per layer (parameter "gate" [1], initialised to 0:
// a = 0.5). Windows as MaxPool2d / AvgPool2d with the same Pool2d options (no dilation).
#pragma once

#include "framework/ops/mixed_pool.h"
#include "layers/module.h"

namespace poolnet {

class MixedPool2d : public Module {
 public:
  explicit MixedPool2d(Pool2d options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "MixedPool2d(kernel=2x2, stride=2x2)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;
  const Pool2d& options() const { return options_; }
  const Tensor& gate() const { return gate_; }
  float alpha() const;  // sigmoid(gate): the weight of the max

 private:
  Pool2d options_;
  Tensor gate_;
};

}  // namespace poolnet
