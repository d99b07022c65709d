#include "framework/ops/spectral_pool.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "framework/errors.h"
#include "framework/ops/geometry.h"
#include "framework/ops/spectral_crop.h"

namespace poolnet {

namespace {

int64_t spectral_length(int64_t n, double ratio) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::floor(ratio * static_cast<double>(n))));
}

// spectral_pool2d along one axis of n: the m frequencies of the centred block in DFT order.
SpectralAxis centred_block(int64_t n, int64_t m) {
  SpectralAxis a;
  const int64_t positive = (m + 1) / 2;  // j < ceil(m/2) keeps frequency j, the rest j - m
  for (int64_t j = 0; j < m; ++j) {
    a.source.push_back(j < positive ? j : n - (m - j));
    a.weight.push_back(1.0);
  }
  return a;
}

// The FLC / ASAP crop along one axis of n: int(n/4) .. int(n/4*3) of the fftshifted spectrum,
// then ifftshift of the block: output j reads shifted position lo + (j + m/2) mod m, which holds
// input frequency (position - n/2) mod n.
int64_t flc_low(int64_t n) { return n / 4; }
int64_t flc_length(int64_t n) { return 3 * n / 4 - n / 4; }

// numpy.hamming(n)[i]
double hamming(int64_t n, int64_t i) {
  if (n == 1) return 1.0;
  return 0.54 - 0.46 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n - 1));
}

SpectralAxis shifted_crop(int64_t n, bool hamming_window) {
  SpectralAxis a;
  const int64_t m = flc_length(n), lo = flc_low(n);
  for (int64_t j = 0; j < m; ++j) {
    const int64_t position = lo + (j + m / 2) % m;
    a.source.push_back(((position - n / 2) % n + n) % n);
    a.weight.push_back(hamming_window ? std::sqrt(std::abs(hamming(n, position))) : 1.0);
  }
  return a;
}

Shape shifted_crop_out_shape(const Shape& x, const char* op) {
  require_nchw(x, op);
  if (x[2] < 2 || x[3] < 2) {
    throw ShapeError(
        fmt::format("{}: needs H and W >= 2 (it keeps the middle half of the shifted spectrum), got "
                    "{}x{} (x={})",
                    op, x[2], x[3], shape_str(x)));
  }
  return {x[0], x[1], flc_length(x[2]), flc_length(x[3])};
}

}  // namespace

Shape spectral_pool2d_out_shape(const Shape& x, const SpectralPool& o) {
  require_nchw(x, "spectral_pool2d");
  if (!(o.ratio > 0.0 && o.ratio < 1.0)) {
    throw ShapeError(fmt::format("spectral_pool2d: ratio must be in (0, 1), got {} (x={})", o.ratio, shape_str(x)));
  }
  if (x[2] < 1 || x[3] < 1) {
    throw ShapeError(
        fmt::format("spectral_pool2d: needs a non-empty plane, got {}x{} (x={})", x[2], x[3], shape_str(x)));
  }
  return {x[0], x[1], spectral_length(x[2], o.ratio), spectral_length(x[3], o.ratio)};
}

Tensor spectral_pool2d(const Tensor& x, const SpectralPool& options) {
  const Shape out = spectral_pool2d_out_shape(x.shape(), options);
  return spectral_crop2d(x, {.op = "spectral_pool2d",
                             .rows = centred_block(x.size(2), out[2]),
                             .cols = centred_block(x.size(3), out[3]),
                             .scale = 1.0 / static_cast<double>(x.size(2) * x.size(3)),
                             .magnitude = false});
}

Shape flc_pool2d_out_shape(const Shape& x) { return shifted_crop_out_shape(x, "flc_pool2d"); }

Tensor flc_pool2d(const Tensor& x) {
  const Shape out = flc_pool2d_out_shape(x.shape());
  return spectral_crop2d(x, {.op = "flc_pool2d",
                             .rows = shifted_crop(x.size(2), false),
                             .cols = shifted_crop(x.size(3), false),
                             .scale = 1.0 / static_cast<double>(out[2] * out[3]),
                             .magnitude = true});
}

Shape asap_pool2d_out_shape(const Shape& x) { return shifted_crop_out_shape(x, "asap_pool2d"); }

Tensor asap_pool2d(const Tensor& x) {
  asap_pool2d_out_shape(x.shape());
  return spectral_crop2d(x, {.op = "asap_pool2d",
                             .rows = shifted_crop(x.size(2), true),
                             .cols = shifted_crop(x.size(3), true),
                             .scale = 1.0 / static_cast<double>(x.size(2) * x.size(3)),
                             .magnitude = false});
}

}  // namespace poolnet
