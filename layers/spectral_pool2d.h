// SpectralPool2d (Rippel et al. 2015; op: spectral_pool2d): keeps the centred low-frequency DFT
// block of each plane. No parameters. Every output reads the whole map: windows() reports a
// whole-map window (`poolnet inspect` shows the whole input as the receptive field) with the
// nominal stride round(1 / ratio).
#pragma once

#include "framework/ops/spectral_pool.h"
#include "layers/module.h"

namespace poolnet {

class SpectralPool2d : public Module {
 public:
  explicit SpectralPool2d(SpectralPool options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "SpectralPool2d(ratio=0.5, field=whole map)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;
  const SpectralPool& options() const { return options_; }

 private:
  SpectralPool options_;
};

}  // namespace poolnet
