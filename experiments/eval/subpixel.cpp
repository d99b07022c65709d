// The subpixel suite (subpixel.h; docs/metrics.md, "Sub-pixel shifts").
#include "experiments/eval/subpixel.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <numbers>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/shape_ops.h"
#include "framework/fft.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
using fft::Complex;

// Signed frequency of DFT index k of a length-n axis: k for k <= n/2, else k - n.
int64_t signed_frequency(int64_t k, int64_t n) { return k <= n / 2 ? k : k - n; }

// [H*W] the phase factor of every bin, 1/(H W) included, computed in double and rounded once.
std::vector<Complex> shift_phases(int64_t H, int64_t W, double dy, double dx) {
  std::vector<Complex> phase(static_cast<size_t>(H * W));
  const double scale = 1.0 / static_cast<double>(H * W);
  for (int64_t k = 0; k < H; ++k) {
    for (int64_t l = 0; l < W; ++l) {
      const double turns = static_cast<double>(signed_frequency(k, H)) * dy / static_cast<double>(H) +
                           static_cast<double>(signed_frequency(l, W)) * dx / static_cast<double>(W);
      const double angle = -2.0 * std::numbers::pi * turns;
      phase[static_cast<size_t>(k * W + l)] =
          Complex(static_cast<float>(scale * std::cos(angle)), static_cast<float>(scale * std::sin(angle)));
    }
  }
  return phase;
}

// One plane: y [H,W] = Re(IDFT(DFT(x) * phase)).
void shift_plane(const float* x, float* y, const std::vector<Complex>& phase, int64_t H, int64_t W) {
  const int64_t n = H * W;
  Complex* a = fft::scratch_plane(0, n);
  Complex* spectrum = fft::scratch_plane(1, n);
  for (int64_t i = 0; i < n; ++i) a[i] = Complex(x[i], 0.0f);
  fft::transform2d(a, spectrum, H, W, fft::Direction::kForward);
  for (int64_t i = 0; i < n; ++i) spectrum[i] *= phase[static_cast<size_t>(i)];
  fft::transform2d(spectrum, a, H, W, fft::Direction::kInverse);
  for (int64_t i = 0; i < n; ++i) y[i] = a[i].real();
}

// Softmax probability of class c in a row of C logits, in double.
double probability(const float* row, int64_t C, int32_t c) {
  const double top = *std::max_element(row, row + C);
  double sum = 0;
  for (int64_t j = 0; j < C; ++j) sum += std::exp(static_cast<double>(row[j]) - top);
  return std::exp(static_cast<double>(row[c]) - top) / sum;
}

// Top-1 class (the first maximum) of every row of logits, and its softmax probability.
struct TopOne {
  std::vector<int32_t> label;
  std::vector<double> prob;
};
TopOne top_one(const Tensor& logits) {
  const int64_t N = logits.size(0), C = logits.size(1);
  TopOne t;
  for (int64_t n = 0; n < N; ++n) {
    const float* row = logits.data() + n * C;
    const auto c = static_cast<int32_t>(std::max_element(row, row + C) - row);
    t.label.push_back(c);
    t.prob.push_back(probability(row, C, c));
  }
  return t;
}

}  // namespace

Tensor fourier_shift(const Tensor& x, double dy, double dx) {
  if (x.dim() != 4) throw ShapeError(fmt::format("fourier_shift: expected x [N,C,H,W], got {}", shape_str(x.shape())));
  Tensor y = Tensor::empty(x.shape());
  if (dy == 0.0 && dx == 0.0) {
    std::copy(x.data(), x.data() + x.numel(), y.data());
    return y;
  }
  const int64_t H = x.size(2), W = x.size(3), planes = x.size(0) * x.size(1);
  if (H * W == 0) return y;
  const std::vector<Complex> phase = shift_phases(H, W, dy, dx);
  const float* px = x.data();
  float* py = y.data();
  const int64_t grain = std::max<int64_t>(1, 4096 / (H * W));
  parallel::parallel_for(0, planes, grain, [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) shift_plane(px + q * H * W, py + q * H * W, phase, H, W);
  });
  return y;
}

SuiteResult subpixel_suite(const SuiteInput& in, const std::vector<double>& shifts) {
  NoGradGuard no_grad;
  const int64_t N = in.images.size(0), batch = std::max<int64_t>(1, in.options.batch);
  const size_t S = shifts.size();
  // agree[axis * S + i]: images predicted like the unshifted one under shift i along axis (0: x, 1: y).
  std::vector<int64_t> agree(2 * S, 0);
  double prob_change = 0;  // summed in image, axis, shift order
  for (int64_t b0 = 0; b0 < N; b0 += batch) {
    const int64_t b1 = std::min(N, b0 + batch);
    const Tensor x = narrow(in.images, 0, b0, b1 - b0);
    const TopOne base = top_one(in.logits(x));
    std::vector<double> change(static_cast<size_t>((b1 - b0)) * 2 * S, 0.0);  // [image][axis][shift]
    for (size_t axis = 0; axis < 2; ++axis) {
      for (size_t i = 0; i < S; ++i) {
        const Tensor y = in.logits(axis == 0 ? fourier_shift(x, 0.0, shifts[i]) : fourier_shift(x, shifts[i], 0.0));
        const int64_t C = y.size(1);
        for (int64_t n = 0; n < b1 - b0; ++n) {
          const float* row = y.data() + n * C;
          const auto un = static_cast<size_t>(n);
          agree[axis * S + i] += (std::max_element(row, row + C) - row) == base.label[un];
          change[(un * 2 + axis) * S + i] = std::abs(probability(row, C, base.label[un]) - base.prob[un]);
        }
      }
    }
    for (double c : change) prob_change += c;
  }
  SuiteCurve curve{"subpixel_curve", "axis", "shift", {}, "agreement"};
  int64_t agreeing = 0;
  for (size_t axis = 0; axis < 2; ++axis) {
    for (size_t i = 0; i < S; ++i) {
      agreeing += agree[axis * S + i];
      const double share = N == 0 ? 0.0 : static_cast<double>(agree[axis * S + i]) / static_cast<double>(N);
      curve.points.push_back({axis == 0 ? "x" : "y", shifts[i], share});
    }
  }
  const double pairs = static_cast<double>(N) * 2.0 * static_cast<double>(S);
  return {"subpixel",
          {{"subpixel_consistency", pairs == 0 ? 0.0 : static_cast<double>(agreeing) / pairs},
           {"subpixel_prob_change", pairs == 0 ? 0.0 : prob_change / pairs}},
          {curve}};
}

}  // namespace poolnet
