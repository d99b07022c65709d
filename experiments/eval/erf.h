// The `erf` evaluation suite: the effective receptive field (Luo et al. 2016, "Understanding the
// Effective Receptive Field in Deep Convolutional Neural Networks") of the model's spatial layers,
// beside the theoretical field of `poolnet inspect` (models/summary.h). Defined exactly in
// docs/metrics.md:
//
//   map of a layer  mean over the images of sum_c' |d(sum_c y[n, c, H'/2, W'/2]) / d x[n, c', h, w]|
//                   (y the layer's output [N, C, H', W'], halves rounded down; x the model's input)
//   r_q             the smallest Chebyshev distance d from the centre unit's input position (its
//                   field centre in inspect's arithmetic) such that the pixels at distance <= d
//                   hold at least q of the map's total (0 for a map without mass)
//   layers          the last spatial layer of each run of consecutive layers sharing one
//                   theoretical field (size, stride and centre), so the outputs of every block
//                   and downsampler and the last feature map
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiments/eval/run_result.h"
#include "experiments/eval/suites.h"
#include "models/model.h"

namespace poolnet {

// The suite uses at most this many of the suite images (the first ones).
inline constexpr int64_t kErfMaxImages = 500;

// A network's 4-D output for a batch of inputs, recorded on the autograd tape.
using SpatialForwardFn = std::function<Tensor(const Tensor&)>;

// A map over the input image: [height, width] row-major.
struct ErfMap {
  int64_t height = 0, width = 0;
  std::vector<double> values;
};

// The map of the definition above for `forward` on inputs [N, C, H, W], `batch` images per
// backward pass (the map does not depend on it). Needs gradient recording (not inside a
// NoGradGuard): AutogradError otherwise.
ErfMap erf_map(const SpatialForwardFn& forward, const Tensor& inputs, int64_t batch);

// r_q of the definition above, q = fraction in (0, 1].
double erf_radius(const ErfMap& map, double centre_h, double centre_w, double fraction);

// One measured layer.
struct ErfLayer {
  std::string name;                   // "features.6"
  int64_t position = 0;               // index among the model's top-level layers (features, then classifier)
  int64_t stride = 0;                 // cumulative stride (inspect's jump, the larger axis)
  int64_t field = 0;                  // inspect's receptive field size, the larger axis
  double field_radius = 0;            // (field - 1) / 2: the theoretical field's Chebyshev radius
  double centre_h = 0, centre_w = 0;  // input position of the centre unit
  ErfMap map;
  double r50 = 0, r90 = 0;
};

// The measured layers of `model` (eval mode) for normalised inputs [N, C, H, W] of the model's
// input shape (ShapeError otherwise), in order. The model's parameters record no gradient.
std::vector<ErfLayer> effective_receptive_fields(Model& model, const Tensor& inputs, int64_t batch);

// The suite: curves erf_r50, erf_r90 and erf_field (radius in pixels by layer position), the maps
// (normalised to their maximum, named by layer), and the metrics erf_r50 and erf_r90 of the last
// measured layer, on the first min(kErfMaxImages, N) images of `in`.
SuiteResult erf_suite(const SuiteInput& in);

}  // namespace poolnet
