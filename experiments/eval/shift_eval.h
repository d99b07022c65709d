// Shift-robustness metrics (docs/metrics.md).
//
// T(dx, dy) moves image content dx columns right and dy rows down. Modes:
//   circular  content wraps around (roll)
//   zeros     content leaving the canvas is lost; vacated pixels take the raw value 0, i.e.
//             the shift happens before normalisation
//   crop      Zhang 2019: pad the image by K with zeros and crop the window at offset
//             (K - dy, K - dx). For images padded with zeros this sees the same pixels as
//             `zeros`; it is kept so that studies can name the protocol they follow.
// Metrics (K = max shift, every random draw from RandomStream(seed, image index)):
//   clean_acc       top-1 accuracy on unshifted images (all evaluated images)
//   consistency     fraction of images whose prediction agrees for two shifts drawn
//                   uniformly from [-K, K]^2
//   flip_rate       fraction of (image, direction) pairs whose prediction changes under a
//                   1-pixel shift up, down, left or right; prob_change = mean |delta p| of the
//                   class predicted on the unshifted image
//   acc_shift       accuracy at every (dx, dy) in [-K, K]^2 (mean and min reported), and on
//                   the diagonal (d, d), d = 0..2K
//   equivariance    per traced layer with cumulative stride S, circular shift t along each
//                   axis: min over u in {floor(t/S), ceil(t/S)} of ||F(T_t x) - T_u F(x)|| / ||F(x)||
//   invariance      the same for the logits with u = 0
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "framework/tensor.h"

namespace poolnet {

enum class ShiftMode { kCircular, kZeros, kCrop };
// "circular", "zeros" (or its alias "zero") or "crop"; ConfigError lists the valid names.
ShiftMode parse_shift_mode(const std::string& name);
std::string to_string(ShiftMode mode);

// Shifts raw images x [N, C, H, W] by (dy, dx) under `mode` (max_shift: the crop padding K).
Tensor shift_images(const Tensor& x, int64_t dy, int64_t dx, ShiftMode mode, int64_t max_shift);

// Logits [N, classes] for raw images [N, C, H, W] (the callee normalises).
using LogitsFn = std::function<Tensor(const Tensor& raw)>;

struct FeatureMap {
  std::string name;
  std::string type;  // the module's type ("MaxPool2d"); empty for the logits
  Tensor value;    // [N, C, H, W] (or [N, F] for the logits)
  int64_t stride;  // cumulative stride of this layer's output
};
// Every traced layer output for raw images (the callee normalises), in network order.
using TraceFn = std::function<std::vector<FeatureMap>(const Tensor& raw)>;

struct ShiftEvalOptions {
  int64_t max_shift = 4;
  int64_t batch = 256;
  int64_t grid_samples = 2000;  // images used for the acc_shift grid and diagonal (0: all)
  int64_t equivariance_samples = 64;
  uint64_t seed = 0;
  // The evaluation suites (experiments/eval/suites.h), in registry order, and the number of
  // test images the suites other than translation use (the first ones; 0: all).
  std::vector<std::string> suites{"translation"};
  int64_t suite_samples = 2000;
  // The official corruption files the corruption suite also evaluates (corruption_files.h;
  // empty: none).
  std::string corruption_dir;
};

struct ShiftMetrics {
  ShiftMode mode = ShiftMode::kCircular;
  double clean_acc = 0;
  double consistency = 0;
  double flip_rate = 0;
  double prob_change = 0;
  double acc_shift_mean = 0;
  double acc_shift_min = 0;
  struct GridPoint {
    int64_t dx, dy;
    double acc;
  };
  std::vector<GridPoint> grid;                          // row-major over dy, then dx
  std::vector<std::pair<int64_t, double>> diagonal;     // (d, accuracy at shift (d, d))
  // Per-image outcomes behind the rates, one entry per evaluated image, for the paired tests of
  // the study report: the clean prediction is right; the two random shifts agree; bit d is set
  // when the prediction changes under the 1-pixel shift d (up, down, left, right).
  std::vector<uint8_t> correct, consistent, flipped;
};

struct EquivariancePoint {
  std::string layer;
  std::string type;  // the layer's module type; empty for the logits
  int64_t stride;
  int64_t shift;  // t
  double error;   // averaged over both axes and the sample batch
};

// Evaluates the shift metrics of a classifier on raw images [N, C, H, W] with labels.
ShiftMetrics evaluate_shift(const LogitsFn& logits, const Tensor& images, const std::vector<int32_t>& labels,
                            ShiftMode mode, const ShiftEvalOptions& options);

// ||a[n] - b[n]|| / ||b[n]|| over sample n of two tensors of one shape (||a[n] - b[n]|| when
// b[n] is 0).
double relative_error(const Tensor& a, const Tensor& b, int64_t n);

// Per-layer equivariance error (and the logits' invariance error, as layer "logits" with
// stride 0) under circular shifts t = 1 .. 2 * max stride, on the first samples.
std::vector<EquivariancePoint> evaluate_equivariance(const TraceFn& trace, const Tensor& images,
                                                     const ShiftEvalOptions& options);

}  // namespace poolnet
