#include "framework/ops/fractional_max_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/argmax_backward.h"
#include "framework/parallel.h"
#include "framework/random.h"

namespace poolnet {

Shape fractional_max_pool2d_out_shape(const Shape& x, const FractionalMaxPool& o) {
  require_nchw(x, "fractional_max_pool2d");
  if (o.kernel.h < 1 || o.kernel.w < 1) {
    throw ShapeError(fmt::format("fractional_max_pool2d: kernel must be >= 1, got kernel={} (x={})",
                                 to_string(o.kernel), shape_str(x)));
  }
  const bool from_ratio = o.output == Size2d{0, 0};
  if (!from_ratio && (o.output.h < 1 || o.output.w < 1)) {
    throw ShapeError(fmt::format("fractional_max_pool2d: output must be >= 1 (or 0x0 to use the ratio), got output={} (x={})",
                                 to_string(o.output), shape_str(x)));
  }
  if (from_ratio && !(o.ratio > 0.0 && o.ratio < 1.0)) {
    throw ShapeError(fmt::format("fractional_max_pool2d: ratio must be in (0, 1), got {} (x={})", o.ratio, shape_str(x)));
  }
  if (!(o.eval_u >= 0.0f && o.eval_u < 1.0f)) {
    throw ShapeError(fmt::format("fractional_max_pool2d: eval_u must be in [0, 1), got {} (x={})", o.eval_u, shape_str(x)));
  }
  const Size2d out = from_ratio ? Size2d{static_cast<int64_t>(static_cast<double>(x[2]) * o.ratio),
                                         static_cast<int64_t>(static_cast<double>(x[3]) * o.ratio)}
                                : o.output;
  if (out.h < 1 || out.w < 1) {
    throw ShapeError(fmt::format("fractional_max_pool2d: ratio {} of input {}x{} gives an empty output {} (x={})",
                                 o.ratio, x[2], x[3], to_string(out), shape_str(x)));
  }
  if (out.h + o.kernel.h - 1 > x[2] || out.w + o.kernel.w - 1 > x[3]) {
    throw ShapeError(fmt::format(
        "fractional_max_pool2d: kernel {} with output {} does not fit input {}x{}: needs output + kernel - 1 <= "
        "input (x={})",
        to_string(o.kernel), to_string(out), x[2], x[3], shape_str(x)));
  }
  return {x[0], x[1], out.h, out.w};
}

namespace {
struct FractionalGeometry {
  int64_t C, H, W, OH, OW, KH, KW;
};

// PyTorch's generate_intervals for scalar_t = float: m window starts along an axis of n.
void intervals(float u, int64_t n, int64_t m, int64_t k, int64_t* start) {
  if (m > 1) {
    const float alpha = static_cast<float>(n - k) / static_cast<float>(m - 1);
    for (int64_t i = 0; i < m - 1; ++i) {
      start[i] = static_cast<int64_t>((static_cast<float>(i) + u) * alpha) - static_cast<int64_t>(u * alpha);
    }
  }
  start[m - 1] = n - k;
}

// The running-maximum rule of max_pool2d: v takes over if larger or NaN (first maximum wins,
// last NaN wins), as masks so the window loop does not branch.
inline uint32_t over_mask(float v, float m) { return 0u - static_cast<uint32_t>((v > m) | (v != v)); }
inline float pick(uint32_t mask, float a, float b) {
  return std::bit_cast<float>((std::bit_cast<uint32_t>(a) & mask) | (std::bit_cast<uint32_t>(b) & ~mask));
}
inline int32_t pick(uint32_t mask, int32_t a, int32_t b) {
  return static_cast<int32_t>((static_cast<uint32_t>(a) & mask) | (static_cast<uint32_t>(b) & ~mask));
}

// One plane: y [OH,OW] = the max of x [H,W] over each window (rows[oh].., cols[ow]..), argmax
// [OH,OW] = its flat index in the plane. pair_max, pair_at: scratch of W floats and W indices.
void fractional_max_pool2d_forward(const FractionalGeometry& g, const int64_t* rows, const int64_t* cols,
                                   const float* x, float* y, int32_t* argmax, float* __restrict pair_max,
                                   int32_t* __restrict pair_at) {
  if (g.KH == 2 && g.KW == 2) {
    // The rule keeps the last NaN, else the first maximum, so it may be applied to each row's
    // pair and then to the two pairs (scan order kept): this does so for every column of the
    // window's two rows at once, then picks the window columns.
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      const int64_t top = rows[oh] * g.W;
      const float* __restrict r0 = x + top;
      const float* __restrict r1 = r0 + g.W;
      const auto at = static_cast<int32_t>(top), w = static_cast<int32_t>(g.W);
      for (int32_t c = 0; c + 1 < w; ++c) {
        const uint32_t t0 = over_mask(r0[c + 1], r0[c]), t1 = over_mask(r1[c + 1], r1[c]);
        const float m0 = pick(t0, r0[c + 1], r0[c]), m1 = pick(t1, r1[c + 1], r1[c]);
        const int32_t i0 = pick(t0, c + 1, c), i1 = pick(t1, w + c + 1, w + c);
        const uint32_t t = over_mask(m1, m0);
        pair_max[c] = pick(t, m1, m0);
        pair_at[c] = at + pick(t, i1, i0);
      }
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        y[oh * g.OW + ow] = pair_max[cols[ow]];
        argmax[oh * g.OW + ow] = pair_at[cols[ow]];
      }
    }
    return;
  }
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t first = rows[oh] * g.W + cols[ow];
      float m = x[first];
      int32_t at = static_cast<int32_t>(first);
      for (int64_t i = 0; i < g.KH; ++i) {
        for (int64_t j = (i == 0 ? 1 : 0); j < g.KW; ++j) {
          const int64_t p = first + i * g.W + j;
          const uint32_t t = over_mask(x[p], m);
          m = pick(t, x[p], m);
          at = pick(t, static_cast<int32_t>(p), at);
        }
      }
      y[oh * g.OW + ow] = m;
      argmax[oh * g.OW + ow] = at;
    }
  }
}

// The draws (u_w, u_h) of plane q = n * C + c: given samples, the training streams, or eval_u.
struct Draws {
  const FractionalMaxPool& o;
  const float* samples;  // [N, C, 2] or null
  int64_t C;
  std::pair<float, float> operator()(int64_t q) const {
    if (samples) return {samples[2 * q], samples[2 * q + 1]};
    if (!o.training) return {o.eval_u, o.eval_u};
    const RandomStream rng(o.seed, stream_id(o.step, static_cast<uint64_t>(q / C)));
    const auto c = static_cast<uint64_t>(q % C);
    return {rng.uniform(2 * c), rng.uniform(2 * c + 1)};
  }
};

void check_samples(const Tensor& x, const Tensor& samples) {
  const Shape want{x.size(0), x.size(1), 2};
  if (samples.shape() != want) {
    throw ShapeError(fmt::format("fractional_max_pool2d: samples must be {}, got {} (x={})", shape_str(want),
                                 shape_str(samples.shape()), shape_str(x.shape())));
  }
  const float* s = samples.data();
  for (int64_t i = 0; i < samples.numel(); ++i) {
    if (!(s[i] >= 0.0f && s[i] < 1.0f)) {
      throw ShapeError(fmt::format("fractional_max_pool2d: samples must lie in [0, 1), got {} at flat index {} (x={})",
                                   s[i], i, shape_str(x.shape())));
    }
  }
}

Tensor fractional_impl(const Tensor& x, const Tensor* samples, const FractionalMaxPool& options) {
  const Shape out_shape = fractional_max_pool2d_out_shape(x.shape(), options);
  if (samples) check_samples(x, *samples);
  const FractionalGeometry g{x.size(1),   x.size(2),        x.size(3),       out_shape[2],
                             out_shape[3], options.kernel.h, options.kernel.w};
  const int64_t planes = x.size(0) * g.C, plane_in = g.H * g.W, plane_out = g.OH * g.OW;
  const bool grad = needs_grad({x});
  Tensor y = Tensor::empty(out_shape);
  // Each window's argmax, kept for the backward pass (only when there is one).
  auto argmax = std::make_shared<std::vector<int32_t>>(grad ? static_cast<size_t>(planes * plane_out) : 0);
  const Draws draws{options, samples ? samples->data() : nullptr, g.C};
  const float* px = x.data();
  float* py = y.data();
  parallel::parallel_for(0, planes, argmax_plane_grain(plane_in), [&](int64_t b, int64_t e) {
    std::vector<int64_t> rows(static_cast<size_t>(g.OH)), cols(static_cast<size_t>(g.OW));
    std::vector<int32_t> scratch(grad ? 0 : static_cast<size_t>(plane_out)), pair_at(static_cast<size_t>(g.W));
    std::vector<float> pair_max(static_cast<size_t>(g.W));
    for (int64_t q = b; q < e; ++q) {
      const auto [uw, uh] = draws(q);
      intervals(uh, g.H, g.OH, g.KH, rows.data());
      intervals(uw, g.W, g.OW, g.KW, cols.data());
      int32_t* a = grad ? argmax->data() + q * plane_out : scratch.data();
      fractional_max_pool2d_forward(g, rows.data(), cols.data(), px + q * plane_in, py + q * plane_out, a,
                                    pair_max.data(), pair_at.data());
    }
  });
  check_finite(y, "fractional_max_pool2d", "output");
  if (grad) record_argmax_backward(y, "fractional_max_pool2d", x, std::move(argmax), plane_out);
  return y;
}
}  // namespace

std::vector<int64_t> fractional_intervals(float u, int64_t n, int64_t m, int64_t k) {
  if (m < 1 || k < 1 || m + k - 1 > n) {
    throw ShapeError(fmt::format("fractional_intervals: output {} with kernel {} does not fit input {}", m, k, n));
  }
  std::vector<int64_t> start(static_cast<size_t>(m));
  intervals(u, n, m, k, start.data());
  return start;
}

Tensor fractional_max_pool2d_samples(int64_t N, int64_t C, const FractionalMaxPool& options) {
  Tensor s = Tensor::empty({N, C, 2});
  const Draws draws{options, nullptr, C};
  for (int64_t q = 0; q < N * C; ++q) std::tie(s.data()[2 * q], s.data()[2 * q + 1]) = draws(q);
  return s;
}

Tensor fractional_max_pool2d(const Tensor& x, const FractionalMaxPool& options) {
  return fractional_impl(x, nullptr, options);
}

Tensor fractional_max_pool2d(const Tensor& x, const Tensor& samples, const FractionalMaxPool& options) {
  return fractional_impl(x, &samples, options);
}

}  // namespace poolnet
