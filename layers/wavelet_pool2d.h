// WaveletPool2d (Williams & Li 2018; op: wavelet_pool2d): two-level wavelet pooling, haar or db2
// with periodic extension, [N,C,H,W] -> [N,C,ceil(H/2),ceil(W/2)]. No parameters.
#pragma once

#include "framework/ops/wavelet_pool.h"
#include "layers/module.h"

namespace poolnet {

class WaveletPool2d : public Module {
 public:
  explicit WaveletPool2d(WaveletPool options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "WaveletPool2d(wavelet=db2)"
  ModuleConfig config() const override;
  // The low-pass window along each axis: haar reads 2 inputs from 2i, db2 4 inputs from 2i - 1
  // (wrapping around the border, which the receptive field counts as padding).
  std::vector<Window> windows() const override;
  const WaveletPool& options() const { return options_; }

 private:
  WaveletPool options_;
};

}  // namespace poolnet
