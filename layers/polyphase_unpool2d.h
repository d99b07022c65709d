// PolyphaseUnpool2d: the upsampling counterpart of ApsPool2d (op: polyphase_unpool in
// framework/ops/aps.h): puts each value back at the polyphase component the matching
// downsampling layer chose for its sample, zeros elsewhere. With those phases, downsampling
// then unpooling commutes with circular shifts of the input exactly, so an encoder-decoder
// built from circular convolutions, ApsPool2d and PolyphaseUnpool2d is shift-equivariant
// (examples/shift_equivariant_autoencoder.cpp). No parameters.
//   ApsPool2d pool;  PolyphaseUnpool2d unpool(2);
//   Tensor y = pool.forward(x);
//   Tensor restored = unpool.forward(y, pool.last_phases(), {x.size(2), x.size(3)});
// forward(x) alone cannot know the phases and throws ConfigError.
#pragma once

#include <span>

#include "framework/ops/aps.h"
#include "framework/ops/geometry.h"
#include "layers/module.h"

namespace poolnet {

class PolyphaseUnpool2d : public Module {
 public:
  explicit PolyphaseUnpool2d(int64_t stride = 2) : PolyphaseUnpool2d(Size2d{stride, stride}) {}
  explicit PolyphaseUnpool2d(Size2d stride);
  Tensor forward(const Tensor& x) override;
  // Output stride * the input's size, or `output_size` (ceil(output_size / stride) = input size).
  Tensor forward(const Tensor& x, std::span<const int64_t> phases);
  Tensor forward(const Tensor& x, std::span<const int64_t> phases, Size2d output_size);
  std::string describe() const override;  // "PolyphaseUnpool2d(stride=2)", "...(stride=2x1)"
  ModuleConfig config() const override;
  Size2d stride() const { return stride_; }

 private:
  Size2d stride_;
};

}  // namespace poolnet
