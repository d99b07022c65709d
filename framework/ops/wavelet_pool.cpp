#include "framework/ops/wavelet_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/geometry.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
constexpr std::array<double, 2> kHaar{0.7071067811865476, 0.7071067811865476};
// (1 + sqrt3, 3 + sqrt3, 3 - sqrt3, 1 - sqrt3) / (4 sqrt2)
constexpr std::array<double, 4> kDb2{0.48296291314453414, 0.83651630373780794, 0.22414386804201339,
                                     -0.12940952255126037};
}  // namespace

Wavelet parse_wavelet(std::string_view name) {
  if (name == "haar") return Wavelet::kHaar;
  if (name == "db2") return Wavelet::kDb2;
  throw ConfigError(fmt::format("wavelet_pool2d: wavelet must be haar or db2, got '{}'", name));
}

std::string to_string(Wavelet wavelet) { return wavelet == Wavelet::kHaar ? "haar" : "db2"; }

std::span<const double> wavelet_lowpass(Wavelet wavelet) {
  if (wavelet == Wavelet::kHaar) return kHaar;
  return kDb2;
}

int64_t wavelet_offset(Wavelet wavelet) { return 1 - static_cast<int64_t>(wavelet_lowpass(wavelet).size()) / 2; }

Shape wavelet_pool2d_out_shape(const Shape& x, const WaveletPool& o) {
  require_nchw(x, "wavelet_pool2d");
  if (x[2] < 1 || x[3] < 1) {
    throw ShapeError(fmt::format("wavelet_pool2d ({}): needs a height and width >= 1, got {}x{} (x={})",
                                 to_string(o.wavelet), x[2], x[3], shape_str(x)));
  }
  return {x[0], x[1], (x[2] + 1) / 2, (x[3] + 1) / 2};
}

namespace {
struct WaveletGeometry {
  int64_t H, W, OH, OW, offset;  // the extended (even) lengths are 2 * OH and 2 * OW
  std::array<float, 16> taps;    // taps[a * F + b] = t[a] t[b], rounded once from double
};

WaveletGeometry geometry_of(const Shape& x, Wavelet wavelet) {
  const std::span<const double> t = wavelet_lowpass(wavelet);
  const int64_t F = static_cast<int64_t>(t.size());
  WaveletGeometry g{x[2], x[3], (x[2] + 1) / 2, (x[3] + 1) / 2, wavelet_offset(wavelet), {}};
  for (int64_t a = 0; a < F; ++a) {
    for (int64_t b = 0; b < F; ++b) g.taps[a * F + b] = static_cast<float>(t[a] * t[b]);
  }
  return g;
}

// The sample read at position p of an axis of n samples, periodic with period 2 * half (n rounded up
// to even; an odd axis repeats its last sample).
inline int64_t source(int64_t p, int64_t n, int64_t half) {
  const int64_t period = 2 * half;
  return std::min(((p % period) + period) % period, n - 1);
}

// One plane: y [OH,OW] = sum_{a,b} taps[a,b] x[source(2i + a + offset), source(2j + b + offset)].
template <int F>
void wavelet_pool2d_forward(const WaveletGeometry& g, const float* x, float* y) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    std::array<const float*, F> rows;
    for (int a = 0; a < F; ++a) rows[a] = x + source(2 * oh + a + g.offset, g.H, g.OH) * g.W;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t c0 = 2 * ow + g.offset;
      const bool inside = c0 >= 0 && c0 + F <= g.W;
      float acc = 0.0f;
      for (int a = 0; a < F; ++a) {
        for (int b = 0; b < F; ++b) acc += g.taps[a * F + b] * rows[a][inside ? c0 + b : source(c0 + b, g.W, g.OW)];
      }
      y[oh * g.OW + ow] = acc;
    }
  }
}

// One plane: the transpose, gx [H,W] += taps[a,b] gy[i,j] at the positions the forward read.
template <int F>
void wavelet_pool2d_backward(const WaveletGeometry& g, const float* gy, float* gx) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    std::array<float*, F> rows;
    for (int a = 0; a < F; ++a) rows[a] = gx + source(2 * oh + a + g.offset, g.H, g.OH) * g.W;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t c0 = 2 * ow + g.offset;
      const bool inside = c0 >= 0 && c0 + F <= g.W;
      const float go = gy[oh * g.OW + ow];
      for (int a = 0; a < F; ++a) {
        for (int b = 0; b < F; ++b) rows[a][inside ? c0 + b : source(c0 + b, g.W, g.OW)] += g.taps[a * F + b] * go;
      }
    }
  }
}

int64_t plane_grain(const WaveletGeometry& g) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.H * g.W)); }
}  // namespace

Tensor wavelet_pool2d(const Tensor& x, const WaveletPool& options) {
  const Shape out_shape = wavelet_pool2d_out_shape(x.shape(), options);
  const WaveletGeometry g = geometry_of(x.shape(), options.wavelet);
  const bool haar = options.wavelet == Wavelet::kHaar;
  const int64_t planes = x.size(0) * x.size(1), plane_in = g.H * g.W, plane_out = g.OH * g.OW;
  Tensor y = Tensor::empty(out_shape);
  const float* px = x.data();
  float* py = y.data();
  parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      if (haar) {
        wavelet_pool2d_forward<2>(g, px + q * plane_in, py + q * plane_out);
      } else {
        wavelet_pool2d_forward<4>(g, px + q * plane_in, py + q * plane_out);
      }
    }
  });
  check_finite(y, "wavelet_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "wavelet_pool2d", {x}, [x, g, haar, planes, plane_in, plane_out](const Tensor& gy) {
      float* gx = grad_buffer(x);
      const float* pgy = gy.data();
      parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
        for (int64_t q = b; q < e; ++q) {
          if (haar) {
            wavelet_pool2d_backward<2>(g, pgy + q * plane_out, gx + q * plane_in);
          } else {
            wavelet_pool2d_backward<4>(g, pgy + q * plane_out, gx + q * plane_in);
          }
        }
      });
    });
  }
  return y;
}

}  // namespace poolnet
