#include "experiments/eval/shift_panels.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"

namespace poolnet {

namespace {
// Sample n of x, the first `channels` channels, as one vector.
std::vector<float> sample_channels(const Tensor& x, int64_t n, int64_t channels) {
  const int64_t plane = x.size(2) * x.size(3), row = x.size(1) * plane;
  const float* begin = x.data() + n * row;
  return {begin, begin + channels * plane};
}

// The layers shown: the first spatial layer and every one whose cumulative stride grows.
std::vector<size_t> shown_layers(const std::vector<FeatureMap>& maps) {
  std::vector<size_t> out;
  int64_t stride = 0;
  for (size_t k = 0; k < maps.size(); ++k) {
    const FeatureMap& f = maps[k];
    if (f.value.dim() != 4 || f.stride <= 0) continue;
    if (out.empty() || f.stride > stride) out.push_back(k);
    stride = f.stride;
  }
  return out;
}
}  // namespace

ShiftPanels shift_panels(const TraceFn& trace, const Tensor& image, int64_t max_shift, ShiftMode mode,
                         int64_t channels) {
  if (image.dim() != 4 || image.size(0) != 1) {
    throw ShapeError(fmt::format("shift_panels: expected one image [1, C, H, W], got {}", shape_str(image.shape())));
  }
  if (max_shift < 0 || channels < 1) {
    throw ConfigError(
        fmt::format("shift_panels: needs max_shift >= 0 and channels >= 1, got {} and {}", max_shift, channels));
  }
  NoGradGuard no_grad;
  ShiftPanels p;
  p.mode = mode;
  p.channels = image.size(1);
  p.height = image.size(2);
  p.width = image.size(3);
  std::vector<Tensor> shifted;
  for (int64_t d = 0; d <= max_shift; ++d) shifted.push_back(shift_images(image, 0, d, mode, max_shift));
  const Tensor batch = concat(shifted, 0);
  for (int64_t d = 0; d <= max_shift; ++d) p.input.push_back(sample_channels(batch, d, p.channels));
  const std::vector<FeatureMap> maps = trace(batch);
  const Tensor& logits = maps.back().value;
  for (int64_t d = 0; d <= max_shift; ++d) {
    const float* row = logits.data() + d * logits.size(1);
    p.predicted.push_back(static_cast<int32_t>(std::max_element(row, row + logits.size(1)) - row));
  }
  for (size_t k : shown_layers(maps)) {
    const FeatureMap& f = maps[k];
    LayerPanel l{f.name,          f.type,          f.stride, std::min(channels, f.value.size(1)),
                 f.value.size(2), f.value.size(3), {},       {}};
    const Tensor base = narrow(f.value, 0, 0, 1);  // F(x)
    for (int64_t d = 0; d <= max_shift; ++d) {
      l.maps.push_back(sample_channels(f.value, d, l.channels));
      const Tensor moved = narrow(f.value, 0, d, 1);  // F(T_d x)
      double best = INFINITY;
      for (int64_t u = d / f.stride; u <= (d + f.stride - 1) / f.stride; ++u) {
        best = std::min(best, relative_error(moved, roll(base, {0, u}), 0));
      }
      l.error.push_back(best);
    }
    p.layers.push_back(std::move(l));
  }
  return p;
}

}  // namespace poolnet
