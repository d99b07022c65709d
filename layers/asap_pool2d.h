// AsapPool2d (Grabinski et al. 2023; op: asap_pool2d): the real part of the inverse DFT of the Hamming-windowed centred
// half of the shifted spectrum (asap.py). Halves H and W; no parameters. Every output reads the whole map: windows()
// reports a whole-map window of stride 2 (`poolnet inspect` shows the whole input as the receptive field).
#pragma once

#include "layers/module.h"

namespace poolnet {

class AsapPool2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string describe() const override { return "AsapPool2d(stride=2, field=whole map)"; }
  ModuleConfig config() const override { return {"AsapPool2d", {}}; }
  std::vector<Window> windows() const override { return {Window{.stride = {2, 2}, .whole_map = true}}; }
};

}  // namespace poolnet
