// The layer table of `poolnet inspect`: for every top-level layer of a model, its output shape,
// parameter count, multiply-accumulates per image, receptive field, cumulative stride (jump) and
// the position of the first output's field centre, plus totals.
//
// Receptive-field arithmetic, per axis, through each window (kernel k, stride s, padding p,
// dilation d; effective kernel k' = d(k-1)+1), starting from r = 1, j = 1, c = 0 (input pixel
// centres at integer positions):  r += (k'-1) j;  c += ((k'-1)/2 - p) j;  j *= s.
// A global window (global pooling, flatten) covers the whole input. Adaptive polyphase sampling
// picks its phase per input: its window is the bound k = s (the field is an upper bound).
// A whole-map window (spectral, FLC and ASAP pooling) makes every output's field the whole input
// (whole_map_field) and keeps multiplying the stride.
#pragma once

#include <string>
#include <vector>

#include "models/model.h"

namespace poolnet {

struct FieldAxis {
  int64_t size = 1;     // receptive field size (pixels)
  int64_t jump = 1;     // cumulative stride (0 once global)
  double centre = 0.0;  // input position of the first output's field centre
};

struct LayerSummary {
  std::string name;         // "features.2"
  std::string type;         // "MaxBlurPool2d"
  std::string description;  // describe()
  Shape output;             // [C, H, W] or [F]
  int64_t params = 0;
  int64_t macs = 0;         // per image
  FieldAxis field_h, field_w;
  bool field_is_bound = false;
  bool field_is_whole_map = false;  // after a whole-map window: every output reads the whole input
  std::vector<Window> windows;
  std::vector<std::pair<std::string, Shape>> parameters;  // dotted name, shape
};

struct ModelSummary {
  std::string model;  // canonical name
  ModelSpec spec;
  std::vector<LayerSummary> layers;
  int64_t total_params = 0;
  int64_t total_macs = 0;
};

// Applies one window to a field (the arithmetic above); `input` is the axis length at the
// model input (for global windows).
FieldAxis apply_window(FieldAxis field, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool global,
                       int64_t input);

// After a whole-map window (frequency-domain pooling): every output's field, centred on the
// output's own position, reaches input - 1 pixels both ways (size 2 input - 1, `input` being the
// axis length at the model input), so that, clipped to the image, it is the whole map for every
// output; the jump and centre are kept.
FieldAxis whole_map_field(FieldAxis field, int64_t input);

ModelSummary summarize(Model& model);
std::string summary_table(const ModelSummary& summary);  // aligned text table
std::string summary_json(const ModelSummary& summary);   // pretty JSON

}  // namespace poolnet
