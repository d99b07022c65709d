// A downsampling layer that picks polyphase components per sample (ApsPool2d, LpsPool2d) and can
// downsample another tensor the same way: a residual shortcut that follows the main branch's
// choice keeps the block exactly shift invariant under circular padding (models/resnet.h).
#pragma once

#include "framework/tensor.h"

namespace poolnet {

class PolyphaseChoice {
 public:
  virtual ~PolyphaseChoice() = default;
  // `t` [N,C',H,W] (same N, H, W as the latest forward's input, any channel count) downsampled
  // with that forward's choice: the same blur first, then its phases (evaluation) or, for
  // learnable polyphase sampling in training, its mixture weights.
  virtual Tensor follow(const Tensor& t) const = 0;
};

}  // namespace poolnet
