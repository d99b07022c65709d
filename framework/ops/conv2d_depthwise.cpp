#include "framework/ops/conv2d_depthwise.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "framework/parallel.h"
#include "framework/scratch.h"

namespace poolnet::conv2d_depthwise {

namespace {
constexpr int64_t kMaxChunks = 32;  // parallel tasks over planes or channels

// 16 and 8 floats as one vector (GCC/Clang vector extensions; narrower builds split them),
// loaded and stored unaligned.
typedef float Vec16 __attribute__((vector_size(16 * sizeof(float))));
typedef float Vec8 __attribute__((vector_size(8 * sizeof(float))));

template <class V>
constexpr int64_t kLanes = sizeof(V) / sizeof(float);

template <class V>
V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

template <class V>
void store(float* p, V v) {
  std::memcpy(p, &v, sizeof(v));
}

// A plane's padded copy xq [PH, sw, L] and where each of its positions comes from.
struct Layout {
  int64_t PH, L, row, plane;  // padded rows, floats per phase, per padded row (sw * L), per plane
  int64_t step;               // floats from one output row's inputs to the next's (sh * row)
  std::vector<int64_t> rows;  // [PH]: source row, -1 for a zero
  std::vector<int64_t> cols;  // [row]: source column of phase position j*L + u, -1 for a zero
  std::vector<int64_t> taps;  // [KH*KW]: where tap (kh, kw) of output (0, 0) reads in xq
};

Layout layout(const Problem& p) {
  Layout l{};
  l.PH = (p.OH - 1) * p.sh + (p.KH - 1) * p.dh + 1;
  const int64_t PW = (p.OW - 1) * p.sw + (p.KW - 1) * p.dw + 1;
  l.L = (PW + p.sw - 1) / p.sw;
  l.row = p.sw * l.L;
  l.plane = l.PH * l.row;
  l.step = p.sh * l.row;
  l.rows.resize(static_cast<size_t>(l.PH));
  for (int64_t r = 0; r < l.PH; ++r) l.rows[static_cast<size_t>(r)] = pad_source_index(r - p.pt, p.H, p.padding_mode);
  l.cols.resize(static_cast<size_t>(l.row));
  for (int64_t j = 0; j < p.sw; ++j) {
    for (int64_t u = 0; u < l.L; ++u) {
      const int64_t q = u * p.sw + j;
      l.cols[static_cast<size_t>(j * l.L + u)] = q < PW ? pad_source_index(q - p.pl, p.W, p.padding_mode) : -1;
    }
  }
  for (int64_t kh = 0; kh < p.KH; ++kh) {
    for (int64_t kw = 0; kw < p.KW; ++kw) {
      const int64_t t = kw * p.dw;
      l.taps.push_back(kh * p.dh * l.row + (t % p.sw) * l.L + t / p.sw);
    }
  }
  return l;
}

// Padded row positions [lo, hi) that copy source columns k - pl in order: the part of a row
// handled as one contiguous run (at stride 1; otherwise empty, at the end of the row).
struct Run {
  int64_t lo, hi;
};

Run interior(const Problem& p, const Layout& l) {
  if (p.sw != 1) return {l.row, l.row};
  const int64_t lo = std::min(p.pl, l.row);
  return {lo, std::clamp(p.pl + p.W, lo, l.row)};
}

// xq [PH, sw, L] = the padded plane x [H, W].
void pad_plane(const Layout& l, Run run, int64_t W, const float* x, float* xq) {
  for (int64_t r = 0; r < l.PH; ++r) {
    float* dst = xq + r * l.row;
    const int64_t h = l.rows[static_cast<size_t>(r)];
    if (h < 0) {
      std::fill(dst, dst + l.row, 0.0f);
      continue;
    }
    const float* s = x + h * W;
    const auto edge = [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) {
        const int64_t i = l.cols[static_cast<size_t>(k)];
        dst[k] = i < 0 ? 0.0f : s[i];
      }
    };
    edge(0, run.lo);
    std::copy(s, s + run.hi - run.lo, dst + run.lo);
    edge(run.hi, l.row);
  }
}

// gx [H, W] += the padded plane gradient gq [PH, sw, L], each position added to the pixel it copied.
void fold_plane(const Layout& l, Run run, int64_t W, const float* gq, float* gx) {
  for (int64_t r = 0; r < l.PH; ++r) {
    const int64_t h = l.rows[static_cast<size_t>(r)];
    if (h < 0) continue;
    const float* src = gq + r * l.row;
    float* dst = gx + h * W;
    const auto edge = [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) {
        const int64_t i = l.cols[static_cast<size_t>(k)];
        if (i >= 0) dst[i] += src[k];
      }
    };
    edge(0, run.lo);
    float* __restrict d = dst;
    const float* __restrict s = src + run.lo;
    for (int64_t i = 0; i < run.hi - run.lo; ++i) d[i] += s[i];
    edge(run.hi, l.row);
  }
}

// Output row yr [OW] = bias + taps of the inputs at `in` (output (oh, 0)'s tap origin), in
// blocks of V's lanes held in registers; the last block ends at OW (it may overlap the one
// before, recomputing the same values). Needs OW >= lanes.
template <class V>
void forward_row(const Problem& p, const Layout& l, const float* in, const float* wc, float bias, float* yr) {
  const int64_t n = kLanes<V>, taps = p.KH * p.KW;
  for (int64_t ow0 = 0;; ow0 += n) {
    ow0 = std::min(ow0, p.OW - n);
    V acc = V{} + bias;
    for (int64_t k = 0; k < taps; ++k) acc += wc[k] * load<V>(in + l.taps[static_cast<size_t>(k)] + ow0);
    store(yr + ow0, acc);
    if (ow0 + n >= p.OW) return;
  }
}

// y [OH, OW] = bias + the plane xq convolved with the filter wc [KH, KW]: each output is its
// bias plus the taps added in (kh, kw) order.
void plane_forward(const Problem& p, const Layout& l, const float* xq, const float* wc, float bias, float* y) {
  const int64_t taps = p.KH * p.KW;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const float* in = xq + oh * l.step;
    float* yr = y + oh * p.OW;
    if (p.OW >= kLanes<Vec16>) {
      forward_row<Vec16>(p, l, in, wc, bias, yr);
    } else if (p.OW >= kLanes<Vec8>) {
      forward_row<Vec8>(p, l, in, wc, bias, yr);
    } else {
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        float acc = bias;
        for (int64_t k = 0; k < taps; ++k) acc += wc[k] * in[l.taps[static_cast<size_t>(k)] + ow];
        yr[ow] = acc;
      }
    }
  }
}

// gq [PH, sw, L] = the adjoint of plane_forward's taps applied to gy [OH, OW] (any stride).
void plane_backward_input(const Problem& p, const Layout& l, const float* gy, const float* wc, float* gq) {
  std::fill(gq, gq + l.plane, 0.0f);
  const int64_t taps = p.KH * p.KW;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const float* __restrict gr = gy + oh * p.OW;
    for (int64_t k = 0; k < taps; ++k) {
      float* __restrict dst = gq + oh * l.step + l.taps[static_cast<size_t>(k)];
      const float wv = wc[k];
      for (int64_t ow = 0; ow < p.OW; ++ow) dst[ow] += wv * gr[ow];
    }
  }
}

// acc [OW] += per column, the sum over rows of gy [OH, OW] times the tap's inputs at `in`,
// blocks of V's lanes summed in registers; the last block ends at OW and adds only its new lanes.
template <class V>
void weight_row(const Problem& p, const Layout& l, const float* in, const float* gy, float* acc) {
  const int64_t n = kLanes<V>;
  for (int64_t ow0 = 0, done = 0; done < p.OW; ow0 += n) {
    ow0 = std::min(ow0, p.OW - n);
    V sum{};
    for (int64_t oh = 0; oh < p.OH; ++oh) sum += load<V>(gy + oh * p.OW + ow0) * load<V>(in + oh * l.step + ow0);
    for (int64_t i = done - ow0; i < n; ++i) acc[ow0 + i] += sum[i];
    done = ow0 + n;
  }
}

// acc [KH*KW, OW] += per tap and output column, the plane's sum over rows of gy [OH, OW] times
// the tap's inputs in xq.
void plane_backward_weight(const Problem& p, const Layout& l, const float* xq, const float* gy, float* acc) {
  for (int64_t k = 0; k < p.KH * p.KW; ++k) {
    const float* in = xq + l.taps[static_cast<size_t>(k)];
    float* a = acc + k * p.OW;
    if (p.OW >= kLanes<Vec16>) {
      weight_row<Vec16>(p, l, in, gy, a);
    } else if (p.OW >= kLanes<Vec8>) {
      weight_row<Vec8>(p, l, in, gy, a);
    } else {
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        float sum = 0.0f;
        for (int64_t oh = 0; oh < p.OH; ++oh) sum += gy[oh * p.OW + ow] * in[oh * l.step + ow];
        a[ow] += sum;
      }
    }
  }
}

int64_t grain(int64_t n) { return std::max<int64_t>(1, (n + kMaxChunks - 1) / kMaxChunks); }

thread_local ScratchBuffer t_padded, t_acc;
}  // namespace

bool supports(const Problem& p) { return p.groups == p.C && p.C == p.OC; }

void forward(const Problem& p, const float* x, const float* w, const float* b, float* y) {
  const Layout l = layout(p);
  const Run run = interior(p, l);
  const int64_t planes = p.N * p.C, hw = p.H * p.W, ohw = p.OH * p.OW, taps = p.KH * p.KW;
  parallel::parallel_for(0, planes, grain(planes), [&](int64_t i0, int64_t i1) {
    float* xq = t_padded.get(l.plane);
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t c = i % p.C;
      pad_plane(l, run, p.W, x + i * hw, xq);
      plane_forward(p, l, xq, w + c * taps, b != nullptr ? b[c] : 0.0f, y + i * ohw);
    }
  });
}

void backward(const Problem& p, const float* x, const float* w, const float* gy, float* gx, float* gw, float* gb) {
  const Layout l = layout(p);
  const Run run = interior(p, l);
  const int64_t planes = p.N * p.C, hw = p.H * p.W, ohw = p.OH * p.OW, taps = p.KH * p.KW;
  if (gx != nullptr && p.sh == 1 && p.sw == 1) {
    // Stride 1: the padded input gradient is gy, zero-padded by the dilated kernel's extent,
    // convolved with the filter flipped in both axes (the forward kernel, no scatter).
    Problem q = p;
    q.H = p.OH, q.W = p.OW, q.OH = l.PH, q.OW = l.row;
    q.pt = (p.KH - 1) * p.dh, q.pl = (p.KW - 1) * p.dw, q.padding_mode = PadMode::kZeros;
    const Layout lq = layout(q);
    const Run rq = interior(q, lq);
    std::vector<float> flipped(static_cast<size_t>(p.C * taps));
    for (int64_t c = 0; c < p.C; ++c) std::reverse_copy(w + c * taps, w + (c + 1) * taps, flipped.data() + c * taps);
    parallel::parallel_for(0, planes, grain(planes), [&](int64_t i0, int64_t i1) {
      float* gyp = t_padded.get(lq.plane);
      float* gq = t_acc.get(l.plane);
      for (int64_t i = i0; i < i1; ++i) {
        pad_plane(lq, rq, q.W, gy + i * ohw, gyp);
        plane_forward(q, lq, gyp, flipped.data() + i % p.C * taps, 0.0f, gq);
        fold_plane(l, run, p.W, gq, gx + i * hw);
      }
    });
  } else if (gx != nullptr) {
    parallel::parallel_for(0, planes, grain(planes), [&](int64_t i0, int64_t i1) {
      float* gq = t_padded.get(l.plane);
      for (int64_t i = i0; i < i1; ++i) {
        plane_backward_input(p, l, gy + i * ohw, w + i % p.C * taps, gq);
        fold_plane(l, run, p.W, gq, gx + i * hw);
      }
    });
  }
  if (gw == nullptr && gb == nullptr) return;
  parallel::parallel_for(0, p.C, grain(p.C), [&](int64_t c0, int64_t c1) {
    // acc [KH*KW, OW] per-column weight-gradient sums, then bacc [OW] the bias gradient's.
    float* acc = t_acc.get((taps + 1) * p.OW);
    float* bacc = acc + taps * p.OW;
    float* xq = gw != nullptr ? t_padded.get(l.plane) : nullptr;
    for (int64_t c = c0; c < c1; ++c) {
      std::fill(acc, acc + (taps + 1) * p.OW, 0.0f);
      for (int64_t n = 0; n < p.N; ++n) {
        const float* g = gy + (n * p.C + c) * ohw;
        if (gb != nullptr) {
          for (int64_t oh = 0; oh < p.OH; ++oh) {
            float* __restrict a = bacc;
            const float* __restrict gr = g + oh * p.OW;
            for (int64_t ow = 0; ow < p.OW; ++ow) a[ow] += gr[ow];
          }
        }
        if (gw == nullptr) continue;
        pad_plane(l, run, p.W, x + (n * p.C + c) * hw, xq);
        plane_backward_weight(p, l, xq, g, acc);
      }
      for (int64_t k = 0; k <= taps; ++k) {
        float* out = k < taps ? (gw != nullptr ? gw + c * taps + k : nullptr) : gb != nullptr ? gb + c : nullptr;
        if (out == nullptr) continue;
        float s = 0.0f;
        for (int64_t ow = 0; ow < p.OW; ++ow) s += acc[k * p.OW + ow];
        *out += s;
      }
    }
  });
}

}  // namespace poolnet::conv2d_depthwise
