// BlurPool2d: Zhang 2019's anti-aliased average-pool replacement, a binomial low-pass filter
// then subsampling (op: blur_pool2d). No parameters; the filter is a constant.
#pragma once

#include "framework/ops/blur_pool.h"
#include "layers/module.h"

namespace poolnet {

class BlurPool2d : public Module {
 public:
  explicit BlurPool2d(Blur2d options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "BlurPool2d(filter=3, stride=2, padding=reflect)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;
  const Blur2d& options() const { return options_; }

 private:
  Blur2d options_;
};

}  // namespace poolnet
