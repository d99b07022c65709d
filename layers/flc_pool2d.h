// FlcPool2d (Grabinski et al. 2022; op: flc_pool2d): the magnitude of the inverse DFT of the centred half of the
// shifted spectrum (flc_pooling.py). Halves H and W; no parameters. Every output reads the whole map: windows() reports
// a whole-map window of stride 2 (`poolnet inspect` shows the whole input as the receptive field).
#pragma once

#include "layers/module.h"

namespace poolnet {

class FlcPool2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string describe() const override { return "FlcPool2d(stride=2, field=whole map)"; }
  ModuleConfig config() const override { return {"FlcPool2d", {}}; }
  std::vector<Window> windows() const override { return {Window{.stride = {2, 2}, .whole_map = true}}; }
};

}  // namespace poolnet
