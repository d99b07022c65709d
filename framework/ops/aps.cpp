#include "framework/ops/aps.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/geometry.h"
#include "framework/ops/row_copy.h"
#include "framework/parallel.h"

namespace poolnet {

ApsNorm parse_aps_norm(std::string_view name) {
  if (name == "l2") return ApsNorm::kL2;
  if (name == "l1") return ApsNorm::kL1;
  if (name == "linf") return ApsNorm::kLinf;
  throw ConfigError(fmt::format("aps: unknown norm '{}' (valid: l2, l1, linf)", name));
}

std::string to_string(ApsNorm norm) {
  switch (norm) {
    case ApsNorm::kL2:
      return "l2";
    case ApsNorm::kL1:
      return "l1";
    case ApsNorm::kLinf:
      return "linf";
  }
  return "?";
}

Shape aps_out_shape(const Shape& x, Size2d stride, std::string_view op) {
  require_nchw(x, op);
  if (stride.h < 1 || stride.w < 1 || stride.h * stride.w < 2) {
    throw ShapeError(fmt::format("{}: stride must be >= 1 along each axis and >= 2 along one, got {} (x={})", op,
                                 to_string(stride), shape_str(x)));
  }
  if (x[2] < 1 || x[3] < 1) throw ShapeError(fmt::format("{}: needs H, W >= 1, got x={}", op, shape_str(x)));
  return {x[0], x[1], blur_length(x[2], stride.h), blur_length(x[3], stride.w)};
}

namespace {
double norm_term(double v, ApsNorm norm) { return norm == ApsNorm::kL2 ? v * v : std::fabs(v); }

// Adds the terms of one padded row (W real columns, Wp padded) into acc[j], j = column mod s
// (s: the column stride).
// Fixed order: position by position within each phase column; for stride 2 (l1, l2) the row's
// terms go to two partial sums per phase column (positions 4k+j and 4k+2+j), added at the end.
template <ApsNorm kNorm, int64_t kS>
void accumulate_row(const float* row, int64_t W, int64_t Wp, int64_t s, double* acc) {
  const int64_t S = kS > 0 ? kS : s;
  if constexpr (kS == 2 && kNorm != ApsNorm::kLinf) {
    if (Wp == W) {  // no wrapped column: four independent chains
      double e0 = 0.0, o0 = 0.0, e1 = 0.0, o1 = 0.0;
      int64_t w = 0;
      for (; w + 4 <= W; w += 4) {
        e0 += norm_term(row[w], kNorm);
        o0 += norm_term(row[w + 1], kNorm);
        e1 += norm_term(row[w + 2], kNorm);
        o1 += norm_term(row[w + 3], kNorm);
      }
      if (w < W) {
        e0 += norm_term(row[w], kNorm);
        o0 += norm_term(row[w + 1], kNorm);
      }
      acc[0] += e0 + e1;
      acc[1] += o0 + o1;
      return;
    }
  }
  for (int64_t j = 0; j < S; ++j) {
    double a = acc[j];
    for (int64_t w = j; w < Wp; w += S) {
      const double v = row[w < W ? w : w - W * (w / W)];
      if constexpr (kNorm == ApsNorm::kLinf) {
        a = (std::isnan(v) || std::isnan(a)) ? NAN : std::max(a, std::fabs(v));
      } else {
        a += norm_term(v, kNorm);
      }
    }
    acc[j] = a;
  }
}

// norms [sh*sw] of the polyphase components of one sample xs [C,H,W] (circularly padded to
// OH*sh x OW*sw). Fixed summation order: channel, padded row, phase column, position.
template <ApsNorm kNorm, int64_t kS>
void aps_norms(const float* xs, int64_t C, int64_t H, int64_t W, Size2d s, double* out) {
  const int64_t Hp = blur_length(H, s.h) * s.h, Wp = blur_length(W, s.w) * s.w;  // OH*sh, OW*sw
  std::fill(out, out + s.h * s.w, 0.0);
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t h = 0; h < Hp; ++h) {
      accumulate_row<kNorm, kS>(xs + (c * H + h % H) * W, W, Wp, s.w, out + (h % s.h) * s.w);
    }
  }
}

void aps_norms(const float* xs, int64_t C, int64_t H, int64_t W, Size2d s, ApsNorm norm, double* out) {
  const bool two = s.w == 2;
  switch (norm) {
    case ApsNorm::kL2:
      return two ? aps_norms<ApsNorm::kL2, 2>(xs, C, H, W, s, out) : aps_norms<ApsNorm::kL2, 0>(xs, C, H, W, s, out);
    case ApsNorm::kL1:
      return two ? aps_norms<ApsNorm::kL1, 2>(xs, C, H, W, s, out) : aps_norms<ApsNorm::kL1, 0>(xs, C, H, W, s, out);
    case ApsNorm::kLinf:
      return aps_norms<ApsNorm::kLinf, 0>(xs, C, H, W, s, out);
  }
}

// The largest norm's index; ties go to the lowest index, a NaN wins.
int64_t argmax_phase(const double* norms, int64_t count) {
  int64_t best = 0;
  for (int64_t p = 1; p < count; ++p) {
    if (std::isnan(norms[best])) break;
    if (std::isnan(norms[p]) || norms[p] > norms[best]) best = p;
  }
  return best;
}

// Output columns ow < this read column ow*s + j without wrapping around.
int64_t unwrapped_columns(int64_t W, int64_t OW, int64_t s, int64_t j) {
  return j >= W ? 0 : std::min(OW, (W - 1 - j) / s + 1);
}

// Copies component (i, j) of the plane x [H,W] into y [OH,OW].
void copy_component(const float* x, float* y, int64_t H, int64_t W, int64_t OH, int64_t OW, Size2d st, int64_t i,
                    int64_t j) {
  const int64_t s = st.w, direct = unwrapped_columns(W, OW, s, j);
  for (int64_t oh = 0; oh < OH; ++oh) {
    const float* row = x + ((oh * st.h + i) % H) * W;
    float* out = y + oh * OW;
    if (s == 2) {
      row_copy::copy_row_stride2(out, row + j, direct);
    } else {
      for (int64_t ow = 0; ow < direct; ++ow) out[ow] = row[ow * s + j];
    }
    for (int64_t ow = direct; ow < OW; ++ow) out[ow] = row[(ow * s + j) % W];
  }
}

// The transpose of copy_component: gx [H,W] += gy [OH,OW] scattered to component (i, j).
void add_component(const float* gy, float* gx, int64_t H, int64_t W, int64_t OH, int64_t OW, Size2d st, int64_t i,
                   int64_t j) {
  const int64_t s = st.w, direct = unwrapped_columns(W, OW, s, j);
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* row = gx + ((oh * st.h + i) % H) * W;
    const float* in = gy + oh * OW;
    if (s == 2) {
      row_copy::add_row_stride2(row + j, in, direct);
    } else {
      for (int64_t ow = 0; ow < direct; ++ow) row[ow * s + j] += in[ow];
    }
    for (int64_t ow = direct; ow < OW; ++ow) row[(ow * s + j) % W] += in[ow];
  }
}

int64_t plane_grain(int64_t OH, int64_t OW) { return std::max<int64_t>(1, 4096 / (OH * OW)); }

// y [N,C,OH,OW] = component phases[n] of x [N,C,H,W]; parallel over the N*C planes.
void aps_select_forward(const float* x, float* y, const Shape& xs, int64_t OH, int64_t OW, Size2d s,
                        const std::vector<int64_t>& phases) {
  const int64_t C = xs[1], H = xs[2], W = xs[3];
  parallel::parallel_for(0, xs[0] * C, plane_grain(OH, OW), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      const int64_t p = phases[q / C];
      copy_component(x + q * H * W, y + q * OH * OW, H, W, OH, OW, s, p / s.w, p % s.w);
    }
  });
}

// gx [N,C,H,W] += scatter of gy [N,C,OH,OW] back to the chosen component; same split as forward.
void aps_select_backward(const float* gy, float* gx, const Shape& xs, int64_t OH, int64_t OW, Size2d s,
                         const std::vector<int64_t>& phases) {
  const int64_t C = xs[1], H = xs[2], W = xs[3];
  parallel::parallel_for(0, xs[0] * C, plane_grain(OH, OW), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      const int64_t p = phases[q / C];
      add_component(gy + q * OH * OW, gx + q * H * W, H, W, OH, OW, s, p / s.w, p % s.w);
    }
  });
}

// The column (ow * s + j) mod W of a row, and the rows (oh * sh + i) mod H of output row oh.
inline int64_t wrapped(int64_t v, int64_t n) { return v < n ? v : v % n; }

// One plane of polyphase_mix: out [OH,OW] = sum over phases p = i*sw + j, in that order, of
// w[p] * component (i, j) of x [H,W]. A 2x2 stride reads the four phases of each output column
// in one pass; other strides, and the columns that wrap, go phase by phase.
void mix_plane(const float* x, const float* w, float* out, int64_t H, int64_t W, int64_t OH, int64_t OW, Size2d st) {
  const int64_t sw = st.w;
  const int64_t fused = st.h == 2 && sw == 2 ? unwrapped_columns(W, OW, 2, 1) : 0;
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* o = out + oh * OW;
    if (fused > 0) {
      const float* __restrict r0 = x + wrapped(oh * 2, H) * W;
      const float* __restrict r1 = x + wrapped(oh * 2 + 1, H) * W;
      const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
      for (int64_t ow = 0; ow < fused; ++ow) {
        float a = 0.0f;
        a += w0 * r0[2 * ow];
        a += w1 * r0[2 * ow + 1];
        a += w2 * r1[2 * ow];
        a += w3 * r1[2 * ow + 1];
        o[ow] = a;
      }
    }
    std::fill(o + fused, o + OW, 0.0f);
    for (int64_t i = 0; i < st.h; ++i) {
      const float* row = x + wrapped(oh * st.h + i, H) * W;
      for (int64_t j = 0; j < sw; ++j) {
        const float wp = w[i * sw + j];
        for (int64_t ow = fused; ow < OW; ++ow) o[ow] += wp * row[wrapped(ow * sw + j, W)];
      }
    }
  }
}

// Its transpose: gx [H,W] += w[p] * gy at component p (when gx is given), and dots[p] = the sum,
// in output order, of gy * component p (in double).
void mix_plane_backward(const float* x, const float* w, const float* gy, float* gx, double* dots, int64_t H, int64_t W,
                        int64_t OH, int64_t OW, Size2d st) {
  const int64_t sw = st.w, P = st.h * sw;
  const int64_t fused = st.h == 2 && sw == 2 ? unwrapped_columns(W, OW, 2, 1) : 0;
  std::fill(dots, dots + P, 0.0);
  for (int64_t oh = 0; oh < OH; ++oh) {
    const float* g = gy + oh * OW;
    if (fused > 0) {
      const int64_t h0 = wrapped(oh * 2, H) * W, h1 = wrapped(oh * 2 + 1, H) * W;
      const float *r0 = x + h0, *r1 = x + h1;
      double d0 = dots[0], d1 = dots[1], d2 = dots[2], d3 = dots[3];
      for (int64_t ow = 0; ow < fused; ++ow) {
        d0 += double(g[ow]) * r0[2 * ow];
        d1 += double(g[ow]) * r0[2 * ow + 1];
        d2 += double(g[ow]) * r1[2 * ow];
        d3 += double(g[ow]) * r1[2 * ow + 1];
      }
      dots[0] = d0, dots[1] = d1, dots[2] = d2, dots[3] = d3;
      if (gx) {
        float *g0 = gx + h0, *g1 = gx + h1;
        const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        for (int64_t ow = 0; ow < fused; ++ow) {
          g0[2 * ow] += w0 * g[ow];
          g0[2 * ow + 1] += w1 * g[ow];
          g1[2 * ow] += w2 * g[ow];
          g1[2 * ow + 1] += w3 * g[ow];
        }
      }
    }
    for (int64_t i = 0; i < st.h; ++i) {
      const int64_t h = wrapped(oh * st.h + i, H) * W;
      for (int64_t j = 0; j < sw; ++j) {
        const int64_t p = i * sw + j;
        double d = dots[p];
        for (int64_t ow = fused; ow < OW; ++ow) {
          const int64_t c = h + wrapped(ow * sw + j, W);
          d += double(g[ow]) * x[c];
          if (gx) gx[c] += w[p] * g[ow];
        }
        dots[p] = d;
      }
    }
  }
}

// The phases, checked: one per sample of `t`, each in [0, s*s).
std::vector<int64_t> checked_phases(const char* op, const Tensor& t, std::span<const int64_t> phases, Size2d stride) {
  if (static_cast<int64_t>(phases.size()) != t.size(0)) {
    throw ShapeError(fmt::format("{}: expected {} phases (one per sample of {}), got {}", op, t.size(0),
                                 shape_str(t.shape()), phases.size()));
  }
  for (size_t n = 0; n < phases.size(); ++n) {
    if (phases[n] < 0 || phases[n] >= stride.h * stride.w) {
      throw ShapeError(fmt::format("{}: phase {} of sample {} is outside [0, {}) (stride {}, input {})", op, phases[n],
                                   n, stride.h * stride.w, to_string(stride), shape_str(t.shape())));
    }
  }
  return {phases.begin(), phases.end()};
}
}  // namespace

std::vector<int64_t> aps_phases(const Tensor& x, const Aps& options) {
  aps_out_shape(x.shape(), options.stride, "aps_phases");
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const Size2d s = options.stride;
  std::vector<int64_t> phases(static_cast<size_t>(N), 0);
  const float* px = x.data();
  parallel::parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
    std::vector<double> norms(static_cast<size_t>(s.h * s.w));
    for (int64_t n = b; n < e; ++n) {
      aps_norms(px + n * C * H * W, C, H, W, s, options.norm, norms.data());
      phases[static_cast<size_t>(n)] = argmax_phase(norms.data(), s.h * s.w);
    }
  });
  return phases;
}

Tensor aps_select(const Tensor& x, std::span<const int64_t> phases, Size2d stride) {
  const Shape out_shape = aps_out_shape(x.shape(), stride, "aps_select");
  std::vector<int64_t> chosen = checked_phases("aps_select", x, phases, stride);
  Tensor y = Tensor::empty(out_shape);
  const int64_t OH = out_shape[2], OW = out_shape[3];
  aps_select_forward(x.data(), y.data(), x.shape(), OH, OW, stride, chosen);
  check_finite(y, "aps_select", "output");
  if (needs_grad({x})) {
    record(y, "aps_select", {x}, [x, chosen = std::move(chosen), OH, OW, stride](const Tensor& gy) {
      aps_select_backward(gy.data(), grad_buffer(x), x.shape(), OH, OW, stride, chosen);
    });
  }
  return y;
}

ApsResult aps_downsample_with_phases(const Tensor& x, const Aps& options) {
  aps_out_shape(x.shape(), options.stride, "aps_downsample");
  std::vector<int64_t> phases = aps_phases(x, options);
  Tensor y = aps_select(x, phases, options.stride);
  return {y, std::move(phases)};
}

Tensor aps_downsample(const Tensor& x, const Aps& options) { return aps_downsample_with_phases(x, options).y; }

Tensor polyphase_unpool(const Tensor& y, std::span<const int64_t> phases, Size2d stride) {
  if (y.dim() != 4) throw ShapeError(fmt::format("polyphase_unpool: expected y [N,C,H,W], got {}", shape_str(y.shape())));
  return polyphase_unpool(y, phases, stride, Size2d{y.size(2) * stride.h, y.size(3) * stride.w});
}

Tensor polyphase_unpool(const Tensor& y, std::span<const int64_t> phases, Size2d stride, Size2d output_size) {
  const auto [H, W] = output_size;
  const bool valid_stride = stride.h >= 1 && stride.w >= 1 && stride.h * stride.w >= 2;
  if (y.dim() != 4 || !valid_stride || H < 1 || W < 1 || blur_length(H, stride.h) != y.size(2) ||
      blur_length(W, stride.w) != y.size(3)) {
    throw ShapeError(fmt::format("polyphase_unpool: y {} with stride {} cannot make {}x{} (expected y [N,C,H,W], stride "
                                 ">= 1 along each axis and >= 2 along one, ceil(output/stride) = y's size)",
                                 shape_str(y.shape()), to_string(stride), H, W));
  }
  std::vector<int64_t> chosen = checked_phases("polyphase_unpool", y, phases, stride);
  const Shape xs = {y.size(0), y.size(1), H, W};
  const int64_t OH = y.size(2), OW = y.size(3);
  Tensor x = Tensor::zeros(xs);
  aps_select_backward(y.data(), x.data(), xs, OH, OW, stride, chosen);
  if (needs_grad({y})) {
    record(x, "polyphase_unpool", {y}, [y, chosen = std::move(chosen), xs, OH, OW, stride](const Tensor& gx) {
      std::vector<float> picked(static_cast<size_t>(y.numel()));
      aps_select_forward(gx.data(), picked.data(), xs, OH, OW, stride, chosen);
      float* gy = grad_buffer(y);
      for (size_t k = 0; k < picked.size(); ++k) gy[k] += picked[k];
    });
  }
  return x;
}

Tensor polyphase_mix(const Tensor& x, const Tensor& weights, Size2d stride) {
  const Shape out_shape = aps_out_shape(x.shape(), stride, "polyphase_mix");
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), OH = out_shape[2], OW = out_shape[3];
  const int64_t P = stride.h * stride.w;
  const bool per_channel = weights.dim() == 3;
  if (!(weights.shape() == Shape{N, P} || weights.shape() == Shape{N, C, P})) {
    throw ShapeError(fmt::format("polyphase_mix: weights must be [N, P] = [{}, {}] or [N, C, P] = [{}, {}, {}] for x {} "
                                 "and stride {}, got {}",
                                 N, P, N, C, P, shape_str(x.shape()), to_string(stride), shape_str(weights.shape())));
  }
  // The weight of phase p for plane q = n*C + c.
  const auto weight_row = [per_channel, C, P](int64_t q) { return (per_channel ? q : q / C) * P; };
  Tensor y = Tensor::empty(out_shape);
  const float *px = x.data(), *pw = weights.data();
  float* py = y.data();
  parallel::parallel_for(0, N * C, plane_grain(OH, OW), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      mix_plane(px + q * H * W, pw + weight_row(q), py + q * OH * OW, H, W, OH, OW, stride);
    }
  });
  check_finite(y, "polyphase_mix", "output");
  if (needs_grad({x, weights})) {
    record(y, "polyphase_mix", {x, weights}, [=](const Tensor& gy) {
      float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
      std::vector<float> gw(static_cast<size_t>(weights.numel()), 0.0f);
      // Per sample (all its planes in one task), so each weight gradient has one writer.
      parallel::parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
        std::vector<double> dots(static_cast<size_t>(P));
        for (int64_t q = b * C; q < e * C; ++q) {
          mix_plane_backward(px + q * H * W, pw + weight_row(q), gy.data() + q * OH * OW, gx ? gx + q * H * W : nullptr,
                             dots.data(), H, W, OH, OW, stride);
          for (int64_t p = 0; p < P; ++p) {
            gw[static_cast<size_t>(weight_row(q) + p)] += static_cast<float>(dots[static_cast<size_t>(p)]);
          }
        }
      });
      if (weights.requires_grad()) {
        float* g = grad_buffer(weights);
        for (size_t k = 0; k < gw.size(); ++k) g[k] += gw[k];
      }
    });
  }
  return y;
}

}  // namespace poolnet
