#include "framework/ops/conv2d_winograd.h"

#include <algorithm>

#include "framework/eigen_view.h"
#include "framework/ops/row_copy.h"
#include "framework/parallel.h"
#include "framework/scratch.h"
#include "framework/xsmm.h"

namespace poolnet::conv2d_winograd {

namespace {
// Narrower convolutions spend too much of their time in the transforms.
constexpr int64_t kMinChannels = 32;
// Tiles per GEMM: small maps are grouped over samples up to this many.
constexpr int64_t kMinTiles = 64;
constexpr int64_t kMaxGroup = 8;
// Output channels per parallel task of the weight transforms.
constexpr int64_t kChannelGrain = 8;
// The group's transformed input and output stay in the L2 cache up to this size (floats).
constexpr int64_t kMaxWorkingSet = 512 * 1024;
// The 16 blocks (one per xi) of a transformed tensor of n floats each lie this far apart: the
// 64 bytes beyond a block keep the blocks of sizes with large powers of two in distinct cache
// sets (the transforms touch all 16 at once).
int64_t block_stride(int64_t n) { return n + 16; }

// The output's 2x2 tiles and the samples per GEMM group (enough tiles for a wide GEMM).
struct Tiling {
  int64_t TH, TW, tiles, group;
};

Tiling tiling(const ConvProblem& p) {
  Tiling t{.TH = (p.OH + 1) / 2, .TW = (p.OW + 1) / 2, .tiles = 0, .group = 1};
  t.tiles = t.TH * t.TW;
  t.group = std::clamp<int64_t>((kMinTiles + t.tiles - 1) / std::max<int64_t>(t.tiles, 1), 1, kMaxGroup);
  return t;
}

thread_local ScratchBuffer t_v, t_m, t_dv, t_dmt, t_rows, t_line, t_weights;

// Column-major C [m,n] (+)= A [m,k] . B [k,n] (LIBXSMM's convention).
xsmm::GemmFn gemm_kernel(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc, float beta) {
  return xsmm::gemm({.m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc}, beta);
}

// The transforms' one-dimensional steps over n tiles at once, as functions so that their
// restrict-qualified operands let the compiler vectorize them.

// B^T applied to four rows a..d: o0 = a - c, o1 = b + c, o2 = c - b, o3 = b - d.
void apply_bt(const float* __restrict a, const float* __restrict b, const float* __restrict c,
              const float* __restrict d, float* __restrict o0, float* __restrict o1, float* __restrict o2,
              float* __restrict o3, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    o0[t] = a[t] - c[t];
    o1[t] = b[t] + c[t];
    o2[t] = c[t] - b[t];
    o3[t] = b[t] - d[t];
  }
}

// The adjoint, B applied to four rows a..d, added to (kAdd) or written into o0..o3.
template <bool kAdd>
void apply_b(const float* __restrict a, const float* __restrict b, const float* __restrict c,
             const float* __restrict d, float* __restrict o0, float* __restrict o1, float* __restrict o2,
             float* __restrict o3, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    const float v0 = a[t], v1 = b[t] - c[t] + d[t], v2 = b[t] + c[t] - a[t], v3 = -d[t];
    o0[t] = kAdd ? o0[t] + v0 : v0;
    o1[t] = kAdd ? o1[t] + v1 : v1;
    o2[t] = kAdd ? o2[t] + v2 : v2;
    o3[t] = kAdd ? o3[t] + v3 : v3;
  }
}

// The adjoint of apply_bt(e, o, e + w, o + w, ...) added to a plane's even and odd rows e, o
// (flattened, w tiles per row): a..d are the four transformed rows of n tiles.
void add_b_rows(const float* __restrict a, const float* __restrict b, const float* __restrict c,
                const float* __restrict d, float* __restrict e, float* __restrict o, int64_t w, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    e[t] += a[t];
    o[t] += b[t] - c[t] + d[t];
  }
  for (int64_t t = 0; t < n; ++t) {
    e[w + t] += b[t] + c[t] - a[t];
    o[w + t] -= d[t];
  }
}

// A^T applied to four rows a..d, plus a constant: o0 = k + a + b + c, o1 = k + b - c - d.
void apply_at(const float* __restrict a, const float* __restrict b, const float* __restrict c,
              const float* __restrict d, float k, float* __restrict o0, float* __restrict o1, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    o0[t] = k + (a[t] + b[t] + c[t]);
    o1[t] = k + (b[t] - c[t] - d[t]);
  }
}

// A applied to two rows a, b: o0 = a, o1 = a + b, o2 = a - b, o3 = -b.
void apply_a(const float* __restrict a, const float* __restrict b, float* __restrict o0, float* __restrict o1,
             float* __restrict o2, float* __restrict o3, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    o0[t] = a[t];
    o1[t] = a[t] + b[t];
    o2[t] = a[t] - b[t];
    o3[t] = -b[t];
  }
}

// even[k] = in[2k], odd[k] = in[2k + 1] for k < n.
void deinterleave(const float* __restrict in, float* __restrict even, float* __restrict odd, int64_t n) {
  for (int64_t k = 0; k < n; ++k) {
    even[k] = in[2 * k];
    odd[k] = in[2 * k + 1];
  }
}

// out[2k] = even[k], out[2k + 1] = odd[k] for k < n.
void interleave(const float* __restrict even, const float* __restrict odd, float* __restrict out, int64_t n) {
  for (int64_t k = 0; k < n; ++k) {
    out[2 * k] = even[k];
    out[2 * k + 1] = odd[k];
  }
}

// o[t] = a[t] + b[t].
void add(const float* __restrict a, const float* __restrict b, float* __restrict o, int64_t n) {
  for (int64_t t = 0; t < n; ++t) o[t] = a[t] + b[t];
}
}  // namespace

// Per group size (1..group): the 16 GEMMs' kernels over its M = count * tiles rows.
struct Plan::Kernels {
  std::vector<xsmm::GemmFn> forward;      // m = M, n = OC, k = C
  std::vector<xsmm::GemmFn> input_grad;   // m = M, n = C, k = OC
  std::vector<xsmm::GemmFn> weight_grad;  // m = OC, n = C, k = M, beta 1
};

bool supports(const ConvProblem& p) {
  return p.KH == 3 && p.KW == 3 && p.sh == 1 && p.sw == 1 && p.dh == 1 && p.dw == 1 && p.OH >= 1 && p.OW >= 1;
}

bool preferred(const ConvProblem& p) {
  if (!supports(p) || p.C < kMinChannels || p.OC < kMinChannels) return false;
  const Tiling t = tiling(p);
  return 16 * (p.C + p.OC) * t.group * t.tiles <= kMaxWorkingSet;
}

Plan::Plan(const ConvProblem& p) : p_(p), kernels_(std::make_unique<Kernels>()) {
  if (!supports(p)) return;
  const Tiling t = tiling(p);
  TH_ = t.TH;
  TW_ = t.TW;
  tiles_ = t.tiles;
  group_ = t.group;
  PHt_ = 2 * TH_ + 2;
  PWt_ = 2 * TW_ + 2;
  // The padded input has OH + 2 rows and OW + 2 columns; a patch of an odd-sized map's last
  // tile reaches one further, which reads zero (its outputs are dropped).
  for (int64_t r = 0; r < PHt_; ++r) rows_.push_back(r < p.OH + 2 ? pad_source_index(r - p.pt, p.H, p.padding_mode) : -1);
  for (int64_t c = 0; c < PWt_; ++c) cols_.push_back(c < p.OW + 2 ? pad_source_index(c - p.pl, p.W, p.padding_mode) : -1);
  // Padded columns [run_lo, run_hi) read the input row directly.
  run_lo_ = std::min(p.pl, PWt_);
  run_hi_ = std::max(run_lo_, std::min({p.pl + p.W, p.OW + 2, PWt_}));
  Kernels& k = *kernels_;
  bool ready = true;
  for (int64_t count = 1; count <= group_; ++count) {
    const int64_t m = count * tiles_;
    k.forward.push_back(gemm_kernel(m, p.OC, p.C, m, p.C, m, 0.0f));
    k.input_grad.push_back(gemm_kernel(m, p.C, p.OC, m, p.OC, m, 0.0f));
    k.weight_grad.push_back(gemm_kernel(p.OC, p.C, m, p.OC, m, p.OC, 1.0f));
    ready = ready && k.forward.back() != nullptr && k.input_grad.back() != nullptr && k.weight_grad.back() != nullptr;
  }
  ready_ = ready;
}

Plan::~Plan() = default;

// A group's blocks take 16 * block_stride(C * count * tiles) floats: no more than count samples'.
int64_t Plan::transformed_size() const { return 16 * block_stride(p_.C * tiles_); }

int64_t Plan::transformed_weight_size() const { return 16 * block_stride(p_.C * p_.OC); }

void Plan::transform_weights(const float* w, bool for_input_gradient, float* out_u) const {
  const int64_t C = p_.C, OC = p_.OC;
  const int64_t US = block_stride(C * OC);
  float* u = for_input_gradient ? t_weights.get(16 * US) : out_u;  // [16][OC][C]
  parallel::parallel_for(0, OC, kChannelGrain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t c = 0; c < C; ++c) {
        const float* g = w + (o * C + c) * 9;
        float gg[4][3];  // G g
        for (int64_t k = 0; k < 3; ++k) {
          gg[0][k] = g[k];
          gg[1][k] = 0.5f * (g[k] + g[3 + k] + g[6 + k]);
          gg[2][k] = 0.5f * (g[k] - g[3 + k] + g[6 + k]);
          gg[3][k] = g[6 + k];
        }
        float* out = u + o * C + c;
        for (int64_t i = 0; i < 4; ++i) {  // (G g) G^T
          const float a = gg[i][0], b = gg[i][1], e = gg[i][2];
          out[(4 * i) * US] = a;
          out[(4 * i + 1) * US] = 0.5f * (a + b + e);
          out[(4 * i + 2) * US] = 0.5f * (a - b + e);
          out[(4 * i + 3) * US] = e;
        }
      }
    }
  });
  if (!for_input_gradient) return;
  parallel::parallel_for(0, 16, 1, [&](int64_t x0, int64_t x1) {  // [16][C][OC]
    for (int64_t xi = x0; xi < x1; ++xi) mat(out_u + xi * US, C, OC) = mat(u + xi * US, OC, C).transpose();
  });
}

void Plan::add_weight_gradient(const float* du, float* gw) const {
  const int64_t C = p_.C, OC = p_.OC, US = block_stride(C * OC);
  float* dut = t_weights.get(16 * US);  // [16][OC][C]
  parallel::parallel_for(0, 16, 1, [&](int64_t x0, int64_t x1) {
    for (int64_t xi = x0; xi < x1; ++xi) mat(dut + xi * US, OC, C) = mat(du + xi * US, C, OC).transpose();
  });
  parallel::parallel_for(0, OC, kChannelGrain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t c = 0; c < C; ++c) {
        float d[4][4];
        for (int64_t xi = 0; xi < 16; ++xi) d[xi / 4][xi % 4] = dut[xi * US + o * C + c];
        float* g = gw + (o * C + c) * 9;
        for (int64_t j = 0; j < 4; ++j) {  // G^T dU, column j
          const float p0 = d[0][j] + 0.5f * (d[1][j] + d[2][j]);
          const float p1 = 0.5f * (d[1][j] - d[2][j]);
          const float p2 = 0.5f * (d[1][j] + d[2][j]) + d[3][j];
          d[0][j] = p0;
          d[1][j] = p1;
          d[2][j] = p2;
        }
        for (int64_t k = 0; k < 3; ++k) {  // (G^T dU) G
          g[k * 3 + 0] += d[k][0] + 0.5f * (d[k][1] + d[k][2]);
          g[k * 3 + 1] += 0.5f * (d[k][1] - d[k][2]);
          g[k * 3 + 2] += 0.5f * (d[k][1] + d[k][2]) + d[k][3];
        }
      }
    }
  });
}

// line [PWt] = padded row r of plane src (zero where no source).
void Plan::padded_row(const float* src, int64_t r, float* line) const {
  const float* row = src + rows_[r] * p_.W;
  for (int64_t q = 0; q < run_lo_; ++q) line[q] = cols_[q] < 0 ? 0.0f : row[cols_[q]];
  row_copy::copy_row(line + run_lo_, row + run_lo_ - p_.pl, run_hi_ - run_lo_);
  for (int64_t q = run_hi_; q < PWt_; ++q) line[q] = cols_[q] < 0 ? 0.0f : row[cols_[q]];
}

// row of plane dst (padded row r) += line [PWt] at the sources of its padded columns.
void Plan::add_padded_row(const float* line, int64_t r, float* dst) const {
  float* row = dst + rows_[r] * p_.W;
  for (int64_t q = 0; q < run_lo_; ++q) {
    if (cols_[q] >= 0) row[cols_[q]] += line[q];
  }
  row_copy::add_row(row + run_lo_ - p_.pl, line + run_lo_, run_hi_ - run_lo_);
  for (int64_t q = run_hi_; q < PWt_; ++q) {
    if (cols_[q] >= 0) row[cols_[q]] += line[q];
  }
}

// v [16][C][M] = B^T d B for every tile's patch d: first d B along each padded row (from the
// row's even and odd columns), then B^T down the tile rows.
void Plan::transform_input(const float* x, int64_t count, float* v) const {
  const int64_t C = p_.C, M = count * tiles_, TW = TW_, T = tiles_, XS = block_stride(C * M);
  float* hrow = t_rows.get(8 * (TH_ + 1) * TW);
  float* line = t_line.get(2 * PWt_);
  float* even = line + PWt_;
  float* odd = even + PWt_ / 2;
  for (int64_t s = 0; s < count; ++s) {
    for (int64_t c = 0; c < C; ++c) {
      const float* src = x + (s * C + c) * p_.H * p_.W;
      if (s + 1 < count || c + 1 < C) row_copy::prefetch(src + p_.H * p_.W, p_.H * p_.W);
      for (int64_t r = 0; r < PHt_; ++r) {
        float* h[4] = {hrow + hrow_offset(r, 0), hrow + hrow_offset(r, 1), hrow + hrow_offset(r, 2),
                       hrow + hrow_offset(r, 3)};
        if (rows_[r] < 0) {
          for (float* row : h) std::fill(row, row + TW, 0.0f);
          continue;
        }
        padded_row(src, r, line);
        deinterleave(line, even, odd, TW + 1);
        apply_bt(even, odd, even + 1, odd + 1, h[0], h[1], h[2], h[3], TW);
      }
      float* out = v + c * M + s * T;
      for (int64_t j = 0; j < 4; ++j) {
        const float* e = hrow + hrow_offset(0, j);
        const float* o = hrow + hrow_offset(1, j);
        apply_bt(e, o, e + TW, o + TW, out + j * XS, out + (4 + j) * XS, out + (8 + j) * XS, out + (12 + j) * XS, T);
      }
    }
  }
}

// y [count,OC,OH,OW] = b + A^T m A for every tile (m [16][OC][M]); values past OH, OW dropped.
void Plan::transform_output(const float* m, int64_t count, const float* b, float* y) const {
  const int64_t OC = p_.OC, M = count * tiles_, TW = TW_, T = tiles_, OH = p_.OH, OW = p_.OW;
  const int64_t YS = block_stride(OC * M);
  float* a = t_line.get(12 * T);  // A^T m: rows r (2) x columns j (4), then the output's
  float* e = a + 8 * T;           // even and odd columns per output row r: e [r][parity][T]
  for (int64_t s = 0; s < count; ++s) {
    for (int64_t o = 0; o < OC; ++o) {
      const float bias = b != nullptr ? b[o] : 0.0f;
      const float* in = m + o * M + s * T;
      for (int64_t j = 0; j < 4; ++j) {
        apply_at(in + j * YS, in + (4 + j) * YS, in + (8 + j) * YS, in + (12 + j) * YS, 0.0f, a + j * T, a + (4 + j) * T, T);
      }
      for (int64_t r = 0; r < 2; ++r) {
        const float* ar = a + 4 * r * T;
        apply_at(ar, ar + T, ar + 2 * T, ar + 3 * T, bias, e + 2 * r * T, e + (2 * r + 1) * T, T);
      }
      float* plane = y + (s * OC + o) * OH * OW;
      for (int64_t ti = 0; ti < TH_; ++ti) {
        for (int64_t r = 0; r < 2 && 2 * ti + r < OH; ++r) {
          const float* er = e + 2 * r * T + ti * TW;
          float* row = plane + (2 * ti + r) * OW;
          interleave(er, er + T, row, OW / 2);
          if (OW % 2 != 0) row[OW - 1] = er[TW - 1];
        }
      }
    }
  }
}

// dm [16][OC][M] = A dy A^T for every tile's 2x2 gradient dy (zero past OH, OW).
void Plan::gradient_to_tiles(const float* gy, int64_t count, float* dm) const {
  const int64_t OC = p_.OC, M = count * tiles_, TW = TW_, T = tiles_, OH = p_.OH, OW = p_.OW;
  const int64_t YS = block_stride(OC * M);
  float* d = t_line.get(12 * T);  // dy: rows r (2) x column parity (2), each T tiles
  float* q = d + 4 * T;           // A dy: rows i (4) x columns (2)
  for (int64_t s = 0; s < count; ++s) {
    for (int64_t o = 0; o < OC; ++o) {
      const float* plane = gy + (s * OC + o) * OH * OW;
      for (int64_t ti = 0; ti < TH_; ++ti) {
        for (int64_t r = 0; r < 2; ++r) {
          float* even = d + 2 * r * T + ti * TW;
          float* odd = even + T;
          if (2 * ti + r >= OH) {
            std::fill(even, even + TW, 0.0f);
            std::fill(odd, odd + TW, 0.0f);
            continue;
          }
          const float* row = plane + (2 * ti + r) * OW;
          deinterleave(row, even, odd, OW / 2);
          if (OW % 2 != 0) {
            even[TW - 1] = row[OW - 1];
            odd[TW - 1] = 0.0f;
          }
        }
      }
      for (int64_t p = 0; p < 2; ++p) apply_a(d + p * T, d + (2 + p) * T, q + p * T, q + (2 + p) * T, q + (4 + p) * T, q + (6 + p) * T, T);
      float* out = dm + o * M + s * T;
      for (int64_t i = 0; i < 4; ++i) {
        float* o0 = out + 4 * i * YS;
        apply_a(q + 2 * i * T, q + (2 * i + 1) * T, o0, o0 + YS, o0 + 2 * YS, o0 + 3 * YS, T);
      }
    }
  }
}

// gx += the adjoint of transform_input applied to dv [16][C][M]: B dV B^T per tile, added to
// its patch's padded positions and from there to their sources.
void Plan::gradient_to_input(const float* dv, int64_t count, float* gx) const {
  const int64_t C = p_.C, M = count * tiles_, TW = TW_, T = tiles_, XS = block_stride(C * M);
  float* hrow = t_rows.get(8 * (TH_ + 1) * TW);  // B dV per padded row (layout: hrow_offset)
  float* line = t_line.get(2 * PWt_ + 4 * TW);
  float* even = line + PWt_;  // the padded row's even and odd columns
  float* odd = even + PWt_ / 2;
  float* g = line + 2 * PWt_;  // (B dV) B^T per tile: four columns TW wide
  for (int64_t s = 0; s < count; ++s) {
    for (int64_t c = 0; c < C; ++c) {
      std::fill(hrow, hrow + 8 * (TH_ + 1) * TW, 0.0f);
      const float* in = dv + c * M + s * T;
      for (int64_t j = 0; j < 4; ++j) {
        add_b_rows(in + j * XS, in + (4 + j) * XS, in + (8 + j) * XS, in + (12 + j) * XS, hrow + hrow_offset(0, j),
                   hrow + hrow_offset(1, j), TW, T);
      }
      float* dst = gx + (s * C + c) * p_.H * p_.W;
      if (s + 1 < count || c + 1 < C) row_copy::prefetch(dst + p_.H * p_.W, p_.H * p_.W);
      for (int64_t r = 0; r < PHt_; ++r) {
        if (rows_[r] < 0) continue;
        apply_b<false>(hrow + hrow_offset(r, 0), hrow + hrow_offset(r, 1), hrow + hrow_offset(r, 2),
                       hrow + hrow_offset(r, 3), g, g + TW, g + 2 * TW, g + 3 * TW, TW);
        // Padded column 2k collects g0 of tile k and g2 of tile k - 1; column 2k + 1 g1 and g3.
        even[0] = g[0];
        odd[0] = g[TW];
        add(g + 1, g + 2 * TW, even + 1, TW - 1);
        add(g + TW + 1, g + 3 * TW, odd + 1, TW - 1);
        even[TW] = g[3 * TW - 1];
        odd[TW] = g[4 * TW - 1];
        interleave(even, odd, line, TW + 1);
        add_padded_row(line, r, dst);
      }
    }
  }
}

void Plan::forward(const float* x, int64_t count, const float* u, const float* b, float* y, float* v) const {
  const int64_t M = count * tiles_, C = p_.C, OC = p_.OC, XS = block_stride(C * M), YS = block_stride(OC * M);
  const int64_t US = block_stride(C * OC);
  if (v == nullptr) v = t_v.get(16 * XS);
  transform_input(x, count, v);
  float* m = t_m.get(16 * YS);
  const xsmm::GemmFn kernel = kernels_->forward[count - 1];
  for (int64_t xi = 0; xi < 16; ++xi) kernel(v + xi * XS, u + xi * US, m + xi * YS);
  transform_output(m, count, b, y);
}

void Plan::backward(const float* v, int64_t count, const float* ut, const float* gy, float* gx, float* du_part) const {
  const int64_t M = count * tiles_, C = p_.C, OC = p_.OC, XS = block_stride(C * M), YS = block_stride(OC * M);
  const int64_t US = block_stride(C * OC);
  float* dm = t_m.get(16 * YS);
  gradient_to_tiles(gy, count, dm);
  if (gx != nullptr) {
    float* dv = t_dv.get(16 * XS);
    const xsmm::GemmFn kernel = kernels_->input_grad[count - 1];
    for (int64_t xi = 0; xi < 16; ++xi) kernel(dm + xi * YS, ut + xi * US, dv + xi * XS);
    gradient_to_input(dv, count, gx);
  }
  if (du_part != nullptr) {
    float* dmt = t_dmt.get(M * OC);
    const xsmm::GemmFn kernel = kernels_->weight_grad[count - 1];
    for (int64_t xi = 0; xi < 16; ++xi) {
      xsmm::transpose(dmt, dm + xi * YS, M, OC, M, OC);
      kernel(dmt, v + xi * XS, du_part + xi * US);
    }
  }
}

}  // namespace poolnet::conv2d_winograd
