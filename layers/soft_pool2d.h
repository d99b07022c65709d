// SoftPool2d (Stergiou 2021; op: soft_pool2d): the softmax-weighted sum of each window. No parameters.
#pragma once

#include "framework/ops/soft_pool.h"
#include "layers/module.h"

namespace poolnet {

class SoftPool2d : public Module {
 public:
  explicit SoftPool2d(SoftPool options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "SoftPool2d(kernel=2x2, stride=2x2)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;
  const SoftPool& options() const { return options_; }

 private:
  SoftPool options_;
};

}  // namespace poolnet
