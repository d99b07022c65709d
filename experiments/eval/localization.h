// The `localization` evaluation suite (docs/metrics.md, "localization"): each test image is pasted
// at a seeded position on a zero canvas twice its size, and the model is asked where it is:
//   pointing_acc      share of images whose class activation map (CAM, Zhou et al. CVPR 2016) or
//                     head attention map peaks inside the pasted image's box;
//   position_probe    per spatial layer of `features`, the R^2 of a ridge regression from the
//                     layer's map, average-pooled to a 4x4 grid, to the image's offset (dy, dx);
//   position_r2_last  that R^2 at the last spatial layer (the head's input).
// Each step is exposed for the tests: the draw and the paste, the pointing rule, the maps, the
// probe (position_probe.cpp).
#pragma once

#include <string>
#include <vector>

#include "experiments/eval/suites.h"
#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

inline constexpr uint64_t kLocalizationStream = 0x10CA;
inline constexpr int64_t kCanvasFactor = 2;  // canvas = 2H x 2W
inline constexpr int64_t kProbeGrid = 4;     // each map average-pooled to 4x4 per channel
inline constexpr double kProbeRidge = 1e-3;  // lambda = kProbeRidge * trace(X^T X) / d

// Top-left pixel of an image on the canvas: it covers rows [dy, dy + H), columns [dx, dx + W).
struct Placement {
  int64_t dy = 0;
  int64_t dx = 0;
};

// The placement of test image `index` on `canvas`: dy uniform in [0, canvas.h - image.h], dx in
// [0, canvas.w - image.w], draws 0 and 1 of RandomStream(seed, stream_id(kLocalizationStream,
// index)): a function of (seed, index) only.
Placement draw_placement(uint64_t seed, int64_t index, Size2d image, Size2d canvas);
// Placements of images first .. first + count - 1.
std::vector<Placement> draw_placements(uint64_t seed, int64_t first, int64_t count, Size2d image, Size2d canvas);
// images [N, C, H, W] -> [N, C, canvas.h, canvas.w]: zero, with image n copied at placements[n].
Tensor paste_on_canvas(const Tensor& images, const std::vector<Placement>& placements, Size2d canvas);

// Whether each map of maps [N, h, w] points into its image: the map's maximum (the first in
// row-major order) is at cell (i, j), which covers input pixels [i S, (i + 1) S) x [j S, (j + 1) S)
// for cumulative stride S; a hit when the cell's centre (i S + S/2, j S + S/2) lies in the box
// [dy, dy + H) x [dx, dx + W) of placements[n] (image size H x W).
std::vector<bool> pointing_hits(const Tensor& maps, const std::vector<Placement>& placements, Size2d image,
                                int64_t stride);
double pointing_accuracy(const Tensor& maps, const std::vector<Placement>& placements, Size2d image, int64_t stride);

// How the model's head turns the last feature map into a localisation map, or why it cannot.
struct MapRule {
  enum class Kind { kCam, kAttention, kNone } kind = Kind::kNone;
  Tensor weights;      // kCam: [classes, C], CAM_k = sum_c weights[k, c] F_c
  std::string reason;  // kNone: why there is no map
};
// flatten: none; simpool, attn_pool: attention; gap, gmp, gem, lse followed by one Linear: its
// weight; gap_gmp followed by one Linear [K, 2C]: w[k, c] + w[k, C + c]; a global head alone
// (allconv, whose last convolution has one channel per class): the identity; a global head
// followed by more layers (lenet): none.
MapRule map_rule(const Model& model);
// CAMs of the true classes: features [N, C, h, w], weights [K, C] -> [N, h, w].
Tensor class_activation_maps(const Tensor& features, const Tensor& weights, const std::vector<int32_t>& labels);
// An attention map [N, heads, h, w] averaged over its heads -> [N, h, w].
Tensor mean_over_heads(const Tensor& attention);

// features [N, D] (row n: image n), targets the placements -> R^2 on images N/2 .. N-1 of the
// ridge regression fitted on images 0 .. N/2 - 1 (features standardised and targets centred with
// the fit half's statistics; lambda = ridge * trace(X^T X) / D), per coordinate, then averaged.
double probe_r2(const Tensor& features, const std::vector<Placement>& targets, double ridge = kProbeRidge);

// The suite. A model with the flatten head is skipped (no metric, no curve, one note); a model
// whose head has no map for the canvas gets the probe and a note instead of pointing_acc.
SuiteResult localization_suite(const SuiteInput& in);

}  // namespace poolnet
