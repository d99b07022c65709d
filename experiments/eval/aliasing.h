// The `aliasing` evaluation suite: for every downsampling layer of a model, the share of the
// spectral energy of its input at frequencies its subsampling folds back (above the Nyquist
// frequency of its stride). Defined in docs/metrics.md ("Aliasing"); the DFTs run on
// framework/fft.h.
//
//   aliasing       curve (aliasing.csv): series = layer name, x = its index among the downsampling
//                  layers (1, 2, ...), value = aliased_energy
//   aliasing_mean  mean of the curve's values (0 for a model without downsampling layers)
#pragma once

#include <string>
#include <vector>

#include "experiments/eval/suites.h"
#include "framework/ops/geometry.h"

namespace poolnet {

// Spectral energy of a batch of planes: sum of |X[u,v]|^2 over every bin of each plane's 2-D DFT
// (total, DC included) and over the aliased bins alone.
struct SpectralEnergy {
  double aliased = 0;
  double total = 0;
};
// Whether DFT index k of a length-n axis lies above the Nyquist frequency of stride s: its
// |signed frequency| min(k, n - k) is > n / (2 s). The bin at exactly n / (2 s) is not aliased.
bool above_nyquist(int64_t k, int64_t n, int64_t s);
// x [N,C,H,W]; a bin (u, v) is aliased when above_nyquist(u, H, stride.h) or above_nyquist(v, W, stride.w).
SpectralEnergy spectral_energy(const Tensor& x, Size2d stride);
// aliased / total; 0 when total is 0.
double aliased_share(const SpectralEnergy& e);

// A top-level layer of a model that subsamples its input.
struct DownsamplingLayer {
  std::string name;    // "features.6", as in Model::trace
  size_t trace_index;  // its position in Model::trace's output
  Size2d stride;       // its own stride per axis (S / S_prev of the cumulative strides)
};
// The layers, in order, whose cumulative stride (per axis: the product of the window strides of
// every top-level layer so far, as in Model::trace) grows; none past a global window.
std::vector<DownsamplingLayer> downsampling_layers(const Model& model);

SuiteResult aliasing_suite(const SuiteInput& in);

}  // namespace poolnet
