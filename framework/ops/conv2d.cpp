#include "framework/ops/conv2d.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "framework/autograd.h"
#include "framework/eigen_view.h"
#include "framework/errors.h"
#include "framework/gemm.h"
#include "framework/ops/conv2d_depthwise.h"
#include "framework/ops/conv2d_direct.h"
#include "framework/ops/conv2d_implicit.h"
#include "framework/ops/conv2d_winograd.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/pad.h"
#include "framework/ops/row_copy.h"
#include "framework/parallel.h"
#include "framework/profile.h"
#include "framework/scratch.h"

namespace poolnet {

namespace {
constexpr int64_t kTargetColumns = 1024;      // GEMM columns (samples x OH x OW) per tile
constexpr int64_t kColumnBudget = 96 * 1024;  // floats of one im2col tile: it stays in the L2 cache
constexpr int64_t kMaxChunks = 16;            // batch chunks (parallel tasks, weight-gradient partials)

// The padding actually applied on each side (explicit: symmetric; same: extra after).
Padding2d conv2d_padding(int64_t KH, int64_t KW, const Conv2dOptions& o) {
  if (!o.same) return {o.padding.h, o.padding.h, o.padding.w, o.padding.w};
  const SidePadding h = same_padding(o.dilation.h * (KH - 1)), w = same_padding(o.dilation.w * (KW - 1));
  return {h.before, h.after, w.before, w.after};
}

std::string conv_context(const Shape& x, const Shape& w, const Conv2dOptions& o) {
  return fmt::format("x={}, weight={}, stride={}, padding={}, dilation={}, groups={}", shape_str(x), shape_str(w),
                     to_string(o.stride), o.same ? "same" : to_string(o.padding), to_string(o.dilation), o.groups);
}

// One convolution's sizes plus, per kernel offset, where each output row/column reads from.
struct ConvGeometry {
  int64_t N, C, H, W, OC, KH, KW, OH, OW, groups, Cg, OCg;
  int64_t sh, sw, dh, dw, pt, pl;
  bool zero_pad;
  PadMode mode;
  std::vector<int64_t> rows;            // [KH*OH]: source row, -1 for a zero
  std::vector<int64_t> cols;            // [KW*OW]: source column, -1 for a zero
  std::vector<int64_t> col_lo, col_hi;  // [KW]: ow in [lo, hi) reads column ow*sw + kw*dw - pl directly
  int64_t tile_samples;                 // samples per GEMM tile (1: a sample may be cut into bands of rows)
  int64_t band_rows;                    // output rows per tile of one sample
  int64_t batch_chunk;                  // samples per parallel task and per partial weight gradient
  ConvProblem problem;
  Conv2dKernel kernel;                                    // never kAuto; kDirect's input gradient is im2col's
  std::shared_ptr<const conv2d_winograd::Plan> winograd;  // when the kernel is kWinograd or kWinograd4
  std::shared_ptr<const conv2d_implicit::Plan> implicit;  // when the kernel is kImplicit

  int64_t ckk() const { return Cg * KH * KW; }
  int64_t ohw() const { return OH * OW; }
  // Floats per sample that the forward pass keeps for the weight gradient (0: none).
  int64_t kept_size() const { return winograd ? winograd->transformed_size() : implicit ? implicit->split_size() : 0; }
  // Sample n's share of `kept` (null if nothing is kept).
  template <typename T>
  T* kept_at(T* kept, int64_t n) const {
    return kept != nullptr ? kept + n * kept_size() : nullptr;
  }
};

// A block of GEMM columns: samples [n0, n1) x output rows [oh0, oh1) x every output column.
// Either one sample (a band of its rows) or whole samples.
struct Tile {
  int64_t n0, n1, oh0, oh1;
};

// Calls f(tile, index) for the tiles of the batch chunk [n0, n1), in order.
template <class F>
void for_each_tile(const ConvGeometry& g, int64_t n0, int64_t n1, const F& f) {
  int64_t index = 0;
  for (int64_t t0 = n0; t0 < n1; t0 += g.tile_samples) {
    const int64_t t1 = std::min(n1, t0 + g.tile_samples);
    for (int64_t oh0 = 0; oh0 < g.OH; oh0 += g.band_rows)
      f(Tile{t0, t1, oh0, std::min(g.OH, oh0 + g.band_rows)}, index++);
  }
}

// Sets g.kernel and builds its plan; false if its kernels could not be generated.
bool prepare_kernel(ConvGeometry& g, Conv2dKernel kernel) {
  g.kernel = kernel;
  if (kernel == Conv2dKernel::kWinograd || kernel == Conv2dKernel::kWinograd4) {
    auto plan = std::make_shared<const conv2d_winograd::Plan>(g.problem, kernel == Conv2dKernel::kWinograd4 ? 4 : 2);
    if (!plan->ready()) return false;
    g.winograd = std::move(plan);
  }
  if (kernel == Conv2dKernel::kImplicit) {
    auto plan = std::make_shared<const conv2d_implicit::Plan>(g.problem);
    if (!plan->ready()) return false;
    g.implicit = std::move(plan);
  }
  return true;
}

ConvGeometry make_geometry(const Shape& x, const Shape& w, const Conv2dOptions& o) {
  ConvGeometry g{};
  g.N = x[0], g.C = x[1], g.H = x[2], g.W = x[3];
  g.OC = w[0], g.KH = w[2], g.KW = w[3];
  g.groups = o.groups, g.Cg = g.C / o.groups, g.OCg = g.OC / o.groups;
  g.sh = o.stride.h, g.sw = o.stride.w, g.dh = o.dilation.h, g.dw = o.dilation.w;
  const Padding2d p = conv2d_padding(g.KH, g.KW, o);
  g.pt = p.top, g.pl = p.left;
  g.zero_pad = o.padding_mode == PadMode::kZeros;
  g.mode = o.padding_mode;
  g.OH = window_length(g.H, g.KH, g.sh, p.top + p.bottom, g.dh);
  g.OW = window_length(g.W, g.KW, g.sw, p.left + p.right, g.dw);
  g.rows.resize(static_cast<size_t>(g.KH * g.OH));
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      g.rows[kh * g.OH + oh] = pad_source_index(oh * g.sh + kh * g.dh - g.pt, g.H, o.padding_mode);
    }
  }
  g.cols.resize(static_cast<size_t>(g.KW * g.OW));
  g.col_lo.assign(static_cast<size_t>(g.KW), 0);
  g.col_hi.assign(static_cast<size_t>(g.KW), 0);
  for (int64_t kw = 0; kw < g.KW; ++kw) {
    bool found = false;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t raw = ow * g.sw + kw * g.dw - g.pl;
      g.cols[kw * g.OW + ow] = pad_source_index(raw, g.W, o.padding_mode);
      if (raw >= 0 && raw < g.W) {
        if (!found) g.col_lo[kw] = ow;
        g.col_hi[kw] = ow + 1;
        found = true;
      }
    }
  }
  const int64_t ohw = std::max<int64_t>(g.ohw(), 1), per_sample = g.ckk() * ohw;
  const int64_t N = std::max<int64_t>(g.N, 1);
  g.band_rows = std::max<int64_t>(g.OH, 1);
  g.tile_samples = 1;
  if (per_sample > kColumnBudget) {  // bands of rows of about equal size
    const int64_t bands = std::min(g.band_rows, (per_sample + kColumnBudget - 1) / kColumnBudget);
    g.band_rows = (g.band_rows + bands - 1) / bands;
  } else {
    g.tile_samples = std::clamp<int64_t>(std::min((kTargetColumns + ohw - 1) / ohw, kColumnBudget / per_sample), 1, N);
  }
  // A whole number of tiles per chunk, and at most kMaxChunks chunks.
  const int64_t tiles = (N + g.tile_samples - 1) / g.tile_samples;
  g.batch_chunk = std::min(N, (tiles + kMaxChunks - 1) / kMaxChunks * g.tile_samples);
  g.problem = {.N = g.N,
               .C = g.C,
               .H = g.H,
               .W = g.W,
               .OC = g.OC,
               .KH = g.KH,
               .KW = g.KW,
               .OH = g.OH,
               .OW = g.OW,
               .sh = g.sh,
               .sw = g.sw,
               .dh = g.dh,
               .dw = g.dw,
               .pt = g.pt,
               .pl = g.pl,
               .padding_mode = g.mode,
               .groups = g.groups};
  const Conv2dKernel forced = conv2d_kernel();
  if (forced != Conv2dKernel::kAuto) {
    const std::string limit = conv2d_kernel_limit(forced, g.problem);
    if (!limit.empty()) {
      throw ShapeError(fmt::format("conv2d: kernel '{}' cannot run this shape: {} ({})", to_string(forced), limit,
                                   conv_context(x, w, o)));
    }
    if (!prepare_kernel(g, forced)) {
      throw ShapeError(fmt::format("conv2d: kernel '{}' could not be generated for this CPU ({})", to_string(forced),
                                   conv_context(x, w, o)));
    }
    return g;
  }
  std::vector<Conv2dKernel> unavailable;  // rows whose kernels could not be generated
  while (!prepare_kernel(g, select_conv2d_kernel(g.problem, unavailable))) unavailable.push_back(g.kernel);
  return g;
}

thread_local ScratchBuffer t_col, t_out;

using row_copy::add_row;
using row_copy::add_row_stride2;
using row_copy::copy_row;
using row_copy::copy_row_stride2;

// dst [OH, OW] = the plane src [H, W] as seen by kernel offset (kh, kw). Zero padding
// (kZeroPad) needs no column map: outside [lo, hi) every value is 0.
template <bool kZeroPad>
void im2col_plane(const ConvGeometry& g, const float* src, int64_t kh, int64_t kw, int64_t oh0, int64_t oh1,
                  float* dst) {
  const int64_t* rmap = g.rows.data() + kh * g.OH;
  const int64_t* cmap = g.cols.data() + kw * g.OW;
  const int64_t lo = g.col_lo[kw], hi = g.col_hi[kw], off = kw * g.dw - g.pl, OW = g.OW;
  for (int64_t oh = oh0; oh < oh1; ++oh, dst += OW) {
    const int64_t h = rmap[oh];
    if (h < 0) {
      vec(dst, OW).setZero();
      continue;
    }
    const float* s = src + h * g.W;
    for (int64_t ow = 0; ow < lo; ++ow) dst[ow] = kZeroPad || cmap[ow] < 0 ? 0.0f : s[cmap[ow]];
    if (g.sw == 1) {
      copy_row(dst + lo, s + lo + off, hi - lo);
    } else if (g.sw == 2) {
      copy_row_stride2(dst + lo, s + 2 * lo + off, hi - lo);
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = s[ow * g.sw + off];
    }
    for (int64_t ow = hi; ow < OW; ++ow) dst[ow] = kZeroPad || cmap[ow] < 0 ? 0.0f : s[cmap[ow]];
  }
}

// The adjoint of im2col_plane: gsrc [H, W] += every value of gdst [OH, OW] at its source.
template <bool kZeroPad>
void col2im_plane(const ConvGeometry& g, const float* gdst, int64_t kh, int64_t kw, int64_t oh0, int64_t oh1,
                  float* gsrc) {
  const int64_t* rmap = g.rows.data() + kh * g.OH;
  const int64_t* cmap = g.cols.data() + kw * g.OW;
  const int64_t lo = g.col_lo[kw], hi = g.col_hi[kw], off = kw * g.dw - g.pl, OW = g.OW;
  for (int64_t oh = oh0; oh < oh1; ++oh, gdst += OW) {
    const int64_t h = rmap[oh];
    if (h < 0) continue;
    float* s = gsrc + h * g.W;
    if (g.sw == 1) {
      add_row(s + lo + off, gdst + lo, hi - lo);
    } else if (g.sw == 2) {
      add_row_stride2(s + 2 * lo + off, gdst + lo, hi - lo);
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) s[ow * g.sw + off] += gdst[ow];
    }
    if (kZeroPad) continue;
    for (int64_t ow = 0; ow < lo; ++ow) {
      if (cmap[ow] >= 0) s[cmap[ow]] += gdst[ow];
    }
    for (int64_t ow = hi; ow < OW; ++ow) {
      if (cmap[ow] >= 0) s[cmap[ow]] += gdst[ow];
    }
  }
}

int64_t tile_width(const ConvGeometry& g, const Tile& t) { return (t.n1 - t.n0) * (t.oh1 - t.oh0) * g.OW; }

// col [Cg*KH*KW, width]: row (c, kh, kw), column (n, oh, ow) of the tile, for group `grp`.
void im2col(const ConvGeometry& g, const float* x, const Tile& t, int64_t grp, float* col) {
  const int64_t width = tile_width(g, t), per_sample = (t.oh1 - t.oh0) * g.OW;
  for (int64_t c = 0; c < g.Cg; ++c) {
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        float* row = col + ((c * g.KH + kh) * g.KW + kw) * width;
        for (int64_t n = t.n0; n < t.n1; ++n) {
          const float* plane = x + ((n * g.C) + grp * g.Cg + c) * g.H * g.W;
          float* dst = row + (n - t.n0) * per_sample;
          if (g.zero_pad) {
            im2col_plane<true>(g, plane, kh, kw, t.oh0, t.oh1, dst);
          } else {
            im2col_plane<false>(g, plane, kh, kw, t.oh0, t.oh1, dst);
          }
        }
      }
    }
  }
}

// gx += the adjoint of im2col applied to col (same layout).
void col2im(const ConvGeometry& g, const float* col, const Tile& t, int64_t grp, float* gx) {
  const int64_t width = tile_width(g, t), per_sample = (t.oh1 - t.oh0) * g.OW;
  for (int64_t c = 0; c < g.Cg; ++c) {
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const float* row = col + ((c * g.KH + kh) * g.KW + kw) * width;
        for (int64_t n = t.n0; n < t.n1; ++n) {
          const float* src = row + (n - t.n0) * per_sample;
          float* plane = gx + ((n * g.C) + grp * g.Cg + c) * g.H * g.W;
          if (g.zero_pad) {
            col2im_plane<true>(g, src, kh, kw, t.oh0, t.oh1, plane);
          } else {
            col2im_plane<false>(g, src, kh, kw, t.oh0, t.oh1, plane);
          }
        }
      }
    }
  }
}

// y [N,OC,OH,OW] = conv(x [N,C,H,W], w [OC,Cg,KH,KW]) + b [OC] (b may be null).
// Per tile and group: out [OCg, width] = bias + w_g [OCg, ckk] * col [ckk, width]; a one-sample
// tile writes straight into y (row stride OH*OW), a multi-sample one goes through `out`.
// `kept`: where the Winograd and implicit kernels keep their transformed or split input for the
// weight gradient (or null).
// y = conv(x) (+ b), then relu() on each sample's output as soon as it is written if `relu`.
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* b, float* y, float* kept,
                    bool relu) {
  const int64_t ohw = g.ohw(), ckk = g.ckk();
  if (g.winograd) {
    const Tensor u = Tensor::empty({g.winograd->transformed_weight_size()});
    g.winograd->transform_weights(w, false, u.data());
    const int64_t group = g.winograd->group();
    parallel::parallel_for(0, g.N, g.batch_chunk, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; n += group) {
        const int64_t samples = std::min(group, n1 - n);
        g.winograd->forward(x + n * g.C * g.H * g.W, samples, u.data(), b, y + n * g.OC * ohw, g.kept_at(kept, n));
        if (relu) relu_in_place(y + n * g.OC * ohw, samples * g.OC * ohw);
      }
    });
    return;
  }
  if (g.implicit) {
    const std::vector<float> wf = g.implicit->pack_weights(w, false);
    parallel::parallel_for(0, g.N, g.batch_chunk, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        g.implicit->forward(x + n * g.C * g.H * g.W, wf.data(), b, y + n * g.OC * ohw, g.kept_at(kept, n));
        if (relu) relu_in_place(y + n * g.OC * ohw, g.OC * ohw);
      }
    });
    return;
  }
  if (g.kernel == Conv2dKernel::kDirect || g.kernel == Conv2dKernel::kDepthwise) {
    if (g.kernel == Conv2dKernel::kDirect) {
      conv2d_direct::forward(g.problem, x, w, b, y);
    } else {
      conv2d_depthwise::forward(g.problem, x, w, b, y);
    }
    if (relu) {
      parallel::parallel_for(0, g.N, g.batch_chunk, [&](int64_t n0, int64_t n1) {
        relu_in_place(y + n0 * g.OC * ohw, (n1 - n0) * g.OC * ohw);
      });
    }
    return;
  }
  parallel::parallel_for(0, g.N, g.batch_chunk, [&](int64_t n0, int64_t n1) {
    for_each_tile(g, n0, n1, [&](const Tile& t, int64_t) {
      const int64_t width = tile_width(g, t);
      float* col = t_col.get(ckk * width);
      const bool direct = t.n1 - t.n0 == 1;  // one sample: write y directly
      float* out = direct ? nullptr : t_out.get(g.OCg * width);
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        im2col(g, x, t, grp, col);
        float* dst = direct ? y + (t.n0 * g.OC + grp * g.OCg) * ohw + t.oh0 * g.OW : out;
        const int64_t ldc = direct ? ohw : width;
        for (int64_t o = 0; o < g.OCg; ++o) {
          vec(dst + o * ldc, width).setConstant(b != nullptr ? b[grp * g.OCg + o] : 0.0f);
        }
        gemm::sgemm(g.OCg, width, ckk, {w + grp * g.OCg * ckk, ckk}, {col, width}, dst, ldc, true);
        if (direct) continue;
        for (int64_t n = t.n0; n < t.n1; ++n) {
          for (int64_t o = 0; o < g.OCg; ++o) {
            vec(y + (n * g.OC + grp * g.OCg + o) * ohw, ohw) = vec(out + o * width + (n - t.n0) * ohw, ohw);
          }
        }
      }
    });
    if (relu) relu_in_place(y + n0 * g.OC * ohw, (n1 - n0) * g.OC * ohw);
  });
}

// gx [N,C,H,W] += conv adjoint of gy; gw [OC,Cg,KH,KW] += sum over the batch; gb [OC] likewise.
// Any of gx, gw, gb may be null (not wanted). Each batch chunk writes its own partial weight
// gradient (transposed: [groups][Cg*KH*KW][OCg]) and bias gradient (tiles or samples accumulated
// in order); the partials are added in chunk order, then transposed into gw.
void conv2d_backward(const ConvGeometry& g, const float* x, const float* kept, const float* w, const float* gy,
                     float* gx, float* gw, float* gb) {
  if (g.kernel == Conv2dKernel::kDepthwise) {
    conv2d_depthwise::backward(g.problem, x, w, gy, gx, gw, gb);
    return;
  }
  const int64_t ohw = g.ohw(), ckk = g.ckk();
  // Weight-gradient partials: Winograd's dU [16][C][OC], otherwise transposed [groups][ckk][OCg].
  const int64_t wsize = g.winograd ? g.winograd->transformed_weight_size() : g.OC * ckk;
  const int64_t chunks = parallel::chunk_count(g.N, g.batch_chunk);
  // Partials [chunks, ...], every element written by its chunk; tensors for the cached allocator.
  const Tensor gw_store = Tensor::empty({gw != nullptr ? chunks * wsize : 0});
  const Tensor gb_store = Tensor::empty({gb != nullptr ? chunks * g.OC : 0});
  float* gw_parts = gw_store.data();
  float* gb_parts = gb_store.data();
  const std::vector<float> wb = g.implicit && gx != nullptr ? g.implicit->pack_weights(w, true) : std::vector<float>{};
  const Tensor wt = Tensor::empty({g.winograd && gx != nullptr ? g.winograd->transformed_weight_size() : 0});
  if (g.winograd && gx != nullptr) g.winograd->transform_weights(w, true, wt.data());
  parallel::parallel_for(0, g.N, g.batch_chunk, [&](int64_t n0, int64_t n1) {
    const int64_t chunk = n0 / g.batch_chunk;
    if (gb != nullptr) {
      VecMap part = vec(gb_parts + chunk * g.OC, g.OC);
      part.setZero();
      for (int64_t n = n0; n < n1; ++n) part += mat(gy + n * g.OC * ohw, g.OC, ohw).rowwise().sum();
    }
    if (gw == nullptr && gx == nullptr) return;
    // The Winograd, implicit and direct kernels add into their chunk's partial (im2col's first
    // GEMM overwrites it).
    float* part = gw != nullptr ? gw_parts + chunk * wsize : nullptr;
    const bool direct = g.kernel == Conv2dKernel::kDirect;
    if (part != nullptr && (g.winograd || g.implicit || direct)) vec(part, wsize).setZero();
    if (g.winograd) {
      const int64_t group = g.winograd->group();
      for (int64_t n = n0; n < n1; n += group) {
        g.winograd->backward(g.kept_at(kept, n), std::min(group, n1 - n), wt.data(), gy + n * g.OC * ohw,
                             gx != nullptr ? gx + n * g.C * g.H * g.W : nullptr, part);
      }
      return;
    }
    if (g.implicit) {
      for (int64_t n = n0; n < n1; ++n) {
        g.implicit->backward(g.kept_at(kept, n), wb.data(), gy + n * g.OC * ohw,
                             gx != nullptr ? gx + n * g.C * g.H * g.W : nullptr, part);
      }
      return;
    }
    if (direct && part != nullptr) {
      conv2d_direct::weight_gradient(g.problem, x + n0 * g.C * g.H * g.W, gy + n0 * g.OC * ohw, n1 - n0, part);
      part = nullptr;  // the tiles below compute the input gradient only
      if (gx == nullptr) return;
    }
    for_each_tile(g, n0, n1, [&](const Tile& t, int64_t index) {
      const int64_t width = tile_width(g, t);
      // gyt [OC, width] (row stride ld): the tile's upstream gradient, channels outermost; a
      // one-sample tile reads gy in place, a multi-sample one is gathered.
      const float* gyt = gy + t.n0 * g.OC * ohw + t.oh0 * g.OW;
      int64_t ld = ohw;
      if (t.n1 - t.n0 > 1) {
        float* buf = t_out.get(g.OC * width);
        for (int64_t n = t.n0; n < t.n1; ++n) {
          for (int64_t o = 0; o < g.OC; ++o) {
            copy_row(buf + o * width + (n - t.n0) * ohw, gy + (n * g.OC + o) * ohw, ohw);
          }
        }
        gyt = buf;
        ld = width;
      }
      float* col = t_col.get(ckk * width);
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const gemm::Matrix gy_g{gyt + grp * g.OCg * ld, ld};
        if (part != nullptr) {  // part [ckk, OCg] = col . gy^T (gy is the smaller operand to transpose)
          im2col(g, x, t, grp, col);
          gemm::sgemm(ckk, g.OCg, width, {col, width}, {gy_g.data, gy_g.stride, true}, part + grp * ckk * g.OCg, g.OCg,
                      index > 0);
        }
        if (gx != nullptr) {
          gemm::sgemm(ckk, width, g.OCg, {w + grp * g.OCg * ckk, ckk, true}, gy_g, col, width, false);
          col2im(g, col, t, grp, gx);
        }
      }
    });
  });
  if (gw != nullptr) {  // the partials added in chunk order into the first one
    parallel::parallel_for(0, wsize, 4096, [&](int64_t i0, int64_t i1) {
      VecMap sum = vec(gw_parts + i0, i1 - i0);
      for (int64_t c = 1; c < chunks; ++c) sum += vec(gw_parts + c * wsize + i0, i1 - i0);
    });
    if (g.winograd) {
      g.winograd->add_weight_gradient(gw_parts, gw);
    } else {
      for (int64_t grp = 0; grp < g.groups; ++grp) {  // the partials are [groups][ckk][OCg]
        mat(gw + grp * g.OCg * ckk, g.OCg, ckk) += mat(gw_parts + grp * ckk * g.OCg, ckk, g.OCg).transpose();
      }
    }
  }
  if (gb != nullptr) {
    for (int64_t o = 0; o < g.OC; ++o) {
      float s = gb_parts[o];
      for (int64_t c = 1; c < chunks; ++c) s += gb_parts[c * g.OC + o];
      gb[o] += s;
    }
  }
}
}  // namespace

Shape conv2d_out_shape(const Shape& x, const Shape& w, const Conv2dOptions& o) {
  const auto fail = [&](const std::string& what) {
    throw ShapeError(fmt::format("conv2d: {} ({})", what, conv_context(x, w, o)));
  };
  require_nchw(x, "conv2d", conv_context(x, w, o));
  if (w.size() != 4) fail(fmt::format("expected weight [OC, C/groups, KH, KW], got {}", shape_str(w)));
  if (o.groups < 1) fail(fmt::format("groups must be >= 1, got {}", o.groups));
  if (o.stride.h < 1 || o.stride.w < 1) fail(fmt::format("stride must be >= 1, got {}", to_string(o.stride)));
  if (o.dilation.h < 1 || o.dilation.w < 1) fail(fmt::format("dilation must be >= 1, got {}", to_string(o.dilation)));
  if (o.padding.h < 0 || o.padding.w < 0) fail(fmt::format("padding must be >= 0, got {}", to_string(o.padding)));
  if (o.same && (o.stride.h != 1 || o.stride.w != 1)) {
    fail(fmt::format("'same' padding needs stride 1x1, got stride {}", to_string(o.stride)));
  }
  if (o.same && (o.padding.h != 0 || o.padding.w != 0)) {
    fail(fmt::format("'same' padding excludes explicit padding {}", to_string(o.padding)));
  }
  const int64_t C = x[1], H = x[2], W = x[3], OC = w[0], KH = w[2], KW = w[3];
  if (KH < 1 || KW < 1 || OC < 1) fail(fmt::format("weight {} has an empty dimension", shape_str(w)));
  if (C % o.groups != 0) fail(fmt::format("input channels {} are not divisible by groups {}", C, o.groups));
  if (OC % o.groups != 0) fail(fmt::format("output channels {} are not divisible by groups {}", OC, o.groups));
  if (w[1] * o.groups != C) {
    fail(fmt::format("weight expects {} input channels ({} per group x {} groups), input has {}", w[1] * o.groups, w[1],
                     o.groups, C));
  }
  const Padding2d p = conv2d_padding(KH, KW, o);
  if (o.padding_mode != PadMode::kZeros) {
    const bool reflect = o.padding_mode == PadMode::kReflect;
    const bool fits = reflect ? std::max(p.top, p.bottom) < H && std::max(p.left, p.right) < W
                              : std::max(p.top, p.bottom) <= H && std::max(p.left, p.right) <= W;
    if (!fits) {
      fail(fmt::format("{} padding {}x{} does not fit input {}x{} ({})", to_string(o.padding_mode),
                       std::max(p.top, p.bottom), std::max(p.left, p.right), H, W,
                       reflect ? "reflect needs pad < size" : "circular needs pad <= size"));
    }
  }
  const int64_t PH = H + p.top + p.bottom, PW = W + p.left + p.right;
  const int64_t EH = o.dilation.h * (KH - 1) + 1, EW = o.dilation.w * (KW - 1) + 1;
  if (EH > PH || EW > PW) {
    fail(fmt::format("kernel {} (dilated {}x{}) does not fit padded input {}x{}", to_string(Size2d{KH, KW}), EH, EW, PH,
                     PW));
  }
  return {x[0], OC, window_length(H, KH, o.stride.h, p.top + p.bottom, o.dilation.h),
          window_length(W, KW, o.stride.w, p.left + p.right, o.dilation.w)};
}

Conv2dKernel conv2d_kernel_for(const Shape& x, const Shape& weight, const Conv2dOptions& options) {
  conv2d_out_shape(x, weight, options);
  return make_geometry(x, weight, options).kernel;
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dOptions options) {
  const Shape out_shape = conv2d_out_shape(x.shape(), weight.shape(), options);
  if (bias.defined() && bias.shape() != Shape{weight.size(0)}) {
    throw ShapeError(fmt::format("conv2d: bias must have shape [{}], got {} ({})", weight.size(0),
                                 shape_str(bias.shape()), conv_context(x.shape(), weight.shape(), options)));
  }
  auto geometry = std::make_shared<const ConvGeometry>(make_geometry(x.shape(), weight.shape(), options));
  Tensor y = Tensor::empty(out_shape);
  const bool grad = needs_grad({x, weight, bias});
  if (grad && options.relu) {
    throw AutogradError(
        fmt::format("conv2d: a fused relu has no gradient; use relu() after conv2d when one is "
                    "recorded ({})",
                    conv_context(x.shape(), weight.shape(), options)));
  }
  // The Winograd kernel's transformed or the implicit kernel's split input, kept for the weight
  // gradient.
  Tensor kept;
  if (grad && weight.requires_grad() && geometry->kept_size() > 0) {
    kept = Tensor::empty({x.size(0) * geometry->kept_size()});
  }
  conv2d_forward(*geometry, x.data(), weight.data(), bias.defined() ? bias.data() : nullptr, y.data(),
                 kept.defined() ? kept.data() : nullptr, options.relu);
  count_macs(out_shape[0] * out_shape[2] * out_shape[3] * weight.numel());
  check_finite(y, "conv2d", "output");
  if (grad) {
    const bool weight_grad = weight.requires_grad();  // as when `kept` was decided
    record(y, "conv2d", {x, weight, bias}, [x, kept, weight, weight_grad, bias, geometry](const Tensor& gy) {
      float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
      float* gw = weight_grad ? grad_buffer(weight) : nullptr;
      float* gb = bias.defined() && bias.requires_grad() ? grad_buffer(bias) : nullptr;
      conv2d_backward(*geometry, x.data(), kept.defined() ? kept.data() : nullptr, weight.data(), gy.data(), gx, gw,
                      gb);
    });
  }
  return y;
}

}  // namespace poolnet
