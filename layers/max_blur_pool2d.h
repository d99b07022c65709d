// MaxBlurPool2d (Zhang 2019's anti-aliased max pooling; op: max_blur_pool2d): max pooling with
// kernel 2 and stride 1 (the dense max), then a binomial blur that subsamples by the stride.
//   x [N,C,H,W] -> max [N,C,H-1,W-1] -> y [N,C,ceil((H-1)/s),ceil((W-1)/s)]
// With padding_mode circular the max windows wrap around as well (x is padded circularly by one
// row and column at the bottom/right first: max [N,C,H,W], y [N,C,ceil(H/s),ceil(W/s)]), so the
// whole layer commutes with circular shifts by multiples of s. Otherwise (zeros, reflect) the
// max pool is the reference implementation's unpadded one and the mode applies to the blur.
// No parameters.
#pragma once

#include "framework/ops/blur_pool.h"
#include "layers/module.h"

namespace poolnet {

class MaxBlurPool2d : public Module {
 public:
  explicit MaxBlurPool2d(Blur2d blur = {});  // blur.stride: the downsampling factor
  Tensor forward(const Tensor& x) override;
  // "MaxBlurPool2d(filter=3, stride=2, padding=reflect)"
  std::string describe() const override;
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;  // the max (2x2, stride 1), then the blur
  const Blur2d& options() const { return blur_; }

 private:
  Blur2d blur_;
};

}  // namespace poolnet
