// What each layer does under a shift, for one image (`poolnet show`, docs/metrics.md "Layer
// panels"): the image moved d = 0..K pixels right, and the output of the first spatial layer
// and of every downsampling layer (a layer whose cumulative stride grows) for each shift, with
// the layer's relative equivariance error at that shift:
//   error(d) = min over u in {floor(d/S), ceil(d/S)} of ||F(T_d x) - roll_u F(x)|| / ||F(x)||,
// S the layer's cumulative stride, roll_u the circular shift by u columns: the per-image,
// per-shift value behind the translation suite's equivariance metric (shift_eval.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/eval/shift_eval.h"

namespace poolnet {

struct LayerPanel {
  std::string layer;  // "features.3"
  std::string type;   // "MaxPool2d"
  int64_t stride = 0;
  int64_t channels = 0, height = 0, width = 0;  // the channels kept: the first `channels`
  std::vector<std::vector<float>> maps;         // [shift][c * height * width + h * width + w]
  std::vector<double> error;                    // [shift], error(0) = 0
};

struct ShiftPanels {
  ShiftMode mode = ShiftMode::kCircular;
  int64_t channels = 0, height = 0, width = 0;  // the input image
  std::vector<std::vector<float>> input;        // [shift][C * H * W], raw values in [0, 1]
  std::vector<int32_t> predicted;               // the class predicted at each shift
  std::vector<LayerPanel> layers;
};

// The panels of raw image [1, C, H, W] moved right by 0..max_shift pixels under `mode`, keeping
// the first `channels` channels of each layer. ShapeError unless the image is one [1, C, H, W].
ShiftPanels shift_panels(const TraceFn& trace, const Tensor& image, int64_t max_shift, ShiftMode mode,
                         int64_t channels);

}  // namespace poolnet
