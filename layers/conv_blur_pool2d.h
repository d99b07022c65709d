// ConvBlurPool2d (Zhang 2019's anti-aliased strided convolution): a learnable 3x3 convolution
// with stride 1 and padding 1 (channels -> channels), ReLU, then a binomial blur that
// subsamples by the stride. x [N,C,H,W] -> [N,C,ceil(H/sh),ceil(W/sw)].
// The padding mode applies to the convolution and to the blur. Parameters "conv.weight"
// [C,C,3,3] and "conv.bias" [C], PyTorch's default initialisation from `seed`.
#pragma once

#include <memory>

#include "framework/ops/blur_pool.h"
#include "layers/conv2d.h"
#include "layers/module.h"

namespace poolnet {

struct ConvBlurPool2dOptions {
  int64_t channels = 0;
  int64_t filter_size = 3;
  Size2d stride{2, 2};
  PadMode padding_mode = PadMode::kZeros;
};

class ConvBlurPool2d : public Module {
 public:
  ConvBlurPool2d(ConvBlurPool2dOptions options, uint64_t seed);
  Tensor forward(const Tensor& x) override;
  // "ConvBlurPool2d(16, filter=3, stride=2, padding=zeros)"
  std::string describe() const override;
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;  // the conv (3x3, padding 1), then the blur
  const ConvBlurPool2dOptions& options() const { return options_; }
  Blur2d blur() const;  // the blur after the convolution

 private:
  ConvBlurPool2dOptions options_;
  std::shared_ptr<Conv2d> conv_;
};

}  // namespace poolnet
