#include "framework/ops/conv2d_winograd.h"

#include <algorithm>
#include <array>

#include "framework/eigen_view.h"
#include "framework/ops/row_copy.h"
#include "framework/ops/winograd_steps.h"
#include "framework/parallel.h"
#include "framework/scratch.h"
#include "framework/xsmm.h"

namespace poolnet::conv2d_winograd {

namespace {
// Narrower convolutions spend too much of their time in the transforms.
constexpr int64_t kMinChannels = 32;
// Tiles per GEMM: small maps are grouped over samples up to this many (more for F(4x4), whose
// tiles are four times fewer).
constexpr int64_t kMinTiles = 64;
int64_t max_group(int64_t m) { return 4 * m; }
// Output channels per parallel task of the weight transforms.
constexpr int64_t kChannelGrain = 8;
// The group's transformed input and output stay in the L2 cache up to this size (floats).
constexpr int64_t kMaxWorkingSet = 512 * 1024;
// The blocks (one per xi) of a transformed tensor of n floats each lie this far apart: the 64
// bytes beyond a block keep the blocks of sizes with large powers of two in distinct cache sets
// (the transforms touch all of them at once).
int64_t block_stride(int64_t n) { return n + 16; }

// G [alpha][3] of the header comment, row-major.
constexpr std::array<float, 12> kG2{1.0f, 0.0f, 0.0f, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f, 0.0f, 0.0f, 1.0f};
constexpr std::array<float, 18> kG4{1.0f / 4,  0.0f,       0.0f,      -1.0f / 6, -1.0f / 6, -1.0f / 6,
                                    -1.0f / 6, 1.0f / 6,   -1.0f / 6, 1.0f / 24, 1.0f / 12, 1.0f / 6,
                                    1.0f / 24, -1.0f / 12, 1.0f / 6,  0.0f,      0.0f,      1.0f};
const float* g_matrix(int64_t m) { return m == 2 ? kG2.data() : kG4.data(); }

// The output's m x m tiles and the samples per GEMM group (enough tiles for a wide GEMM).
struct Tiling {
  int64_t TH, TW, tiles, group;
};

Tiling tiling(const ConvProblem& p, int64_t m) {
  Tiling t{.TH = (p.OH + m - 1) / m, .TW = (p.OW + m - 1) / m, .tiles = 0, .group = 1};
  t.tiles = t.TH * t.TW;
  t.group = std::clamp<int64_t>((kMinTiles + t.tiles - 1) / std::max<int64_t>(t.tiles, 1), 1, max_group(m));
  return t;
}

thread_local ScratchBuffer t_v, t_m, t_dv, t_dmt, t_rows, t_line, t_weights;

// Column-major C [m,n] (+)= A [m,k] . B [k,n] (LIBXSMM's convention).
xsmm::GemmFn gemm_kernel(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc, float beta) {
  return xsmm::gemm({.m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc}, beta);
}

}  // namespace

// Per group size (1..group): the GEMMs' kernels over its M = count * tiles rows.
struct Plan::Kernels {
  std::vector<xsmm::GemmFn> forward;      // m = M, n = OC, k = C
  std::vector<xsmm::GemmFn> input_grad;   // m = M, n = C, k = OC
  std::vector<xsmm::GemmFn> weight_grad;  // m = OC, n = C, k = M, beta 1
};

bool supports(const ConvProblem& p) {
  return p.KH == 3 && p.KW == 3 && p.sh == 1 && p.sw == 1 && p.dh == 1 && p.dw == 1 && p.OH >= 1 && p.OW >= 1;
}

bool preferred(const ConvProblem& p, int64_t m) {
  if (!supports(p) || p.C < kMinChannels || p.OC < kMinChannels) return false;
  const Tiling t = tiling(p, m);
  return (m + 2) * (m + 2) * (p.C + p.OC) * t.group * t.tiles <= kMaxWorkingSet;
}

Plan::Plan(const ConvProblem& p, int64_t m) : p_(p), kernels_(std::make_unique<Kernels>()) {
  if (!supports(p) || (m != 2 && m != 4)) return;
  m_ = m;
  alpha_ = m + 2;
  xis_ = alpha_ * alpha_;
  const Tiling t = tiling(p, m);
  TH_ = t.TH;
  TW_ = t.TW;
  tiles_ = t.tiles;
  group_ = t.group;
  PHt_ = m * TH_ + 2;
  PWt_ = m * TW_ + 2;
  // The padded input has OH + 2 rows and OW + 2 columns; a patch of a partial last tile reaches
  // further, which reads zero (its outputs are dropped).
  for (int64_t r = 0; r < PHt_; ++r)
    rows_.push_back(r < p.OH + 2 ? pad_source_index(r - p.pt, p.H, p.padding_mode) : -1);
  for (int64_t c = 0; c < PWt_; ++c)
    cols_.push_back(c < p.OW + 2 ? pad_source_index(c - p.pl, p.W, p.padding_mode) : -1);
  // Padded columns [run_lo, run_hi) read the input row directly.
  run_lo_ = std::min(p.pl, PWt_);
  run_hi_ = std::max(run_lo_, std::min({p.pl + p.W, p.OW + 2, PWt_}));
  Kernels& k = *kernels_;
  bool ready = true;
  for (int64_t count = 1; count <= group_; ++count) {
    const int64_t rows = count * tiles_;
    k.forward.push_back(gemm_kernel(rows, p.OC, p.C, rows, p.C, rows, 0.0f));
    k.input_grad.push_back(gemm_kernel(rows, p.C, p.OC, rows, p.OC, rows, 0.0f));
    k.weight_grad.push_back(gemm_kernel(p.OC, p.C, rows, p.OC, rows, p.OC, 1.0f));
    ready = ready && k.forward.back() != nullptr && k.input_grad.back() != nullptr && k.weight_grad.back() != nullptr;
  }
  ready_ = ready;
}

Plan::~Plan() = default;

// A group's blocks take xis * block_stride(C * count * tiles) floats: no more than count samples'.
int64_t Plan::transformed_size() const { return xis_ * block_stride(p_.C * tiles_); }

int64_t Plan::transformed_weight_size() const { return xis_ * block_stride(p_.C * p_.OC); }

void Plan::transform_weights(const float* w, bool for_input_gradient, float* out_u) const {
  const int64_t C = p_.C, OC = p_.OC, A = alpha_, XI = xis_;
  const int64_t US = block_stride(C * OC);
  const float* G = g_matrix(m_);
  float* u = for_input_gradient ? t_weights.get(XI * US) : out_u;  // [xi][OC][C]
  parallel::parallel_for(0, OC, kChannelGrain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t c = 0; c < C; ++c) {
        const float* g = w + (o * C + c) * 9;
        float gg[6][3];  // G g
        for (int64_t i = 0; i < A; ++i) {
          for (int64_t k = 0; k < 3; ++k)
            gg[i][k] = G[3 * i] * g[k] + G[3 * i + 1] * g[3 + k] + G[3 * i + 2] * g[6 + k];
        }
        float* out = u + o * C + c;
        for (int64_t i = 0; i < A; ++i) {  // (G g) G^T
          for (int64_t j = 0; j < A; ++j) {
            out[(A * i + j) * US] = gg[i][0] * G[3 * j] + gg[i][1] * G[3 * j + 1] + gg[i][2] * G[3 * j + 2];
          }
        }
      }
    }
  });
  if (!for_input_gradient) return;
  parallel::parallel_for(0, XI, 1, [&](int64_t x0, int64_t x1) {  // [xi][C][OC]
    for (int64_t xi = x0; xi < x1; ++xi) mat(out_u + xi * US, C, OC) = mat(u + xi * US, OC, C).transpose();
  });
}

void Plan::add_weight_gradient(const float* du, float* gw) const {
  const int64_t C = p_.C, OC = p_.OC, US = block_stride(C * OC), A = alpha_, XI = xis_;
  const float* G = g_matrix(m_);
  float* dut = t_weights.get(XI * US);  // [xi][OC][C]
  parallel::parallel_for(0, XI, 1, [&](int64_t x0, int64_t x1) {
    for (int64_t xi = x0; xi < x1; ++xi) mat(dut + xi * US, OC, C) = mat(du + xi * US, C, OC).transpose();
  });
  parallel::parallel_for(0, OC, kChannelGrain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t c = 0; c < C; ++c) {
        float gd[3][6];  // G^T dU
        for (int64_t k = 0; k < 3; ++k) {
          for (int64_t j = 0; j < A; ++j) {
            float s = 0.0f;
            for (int64_t i = 0; i < A; ++i) s += G[3 * i + k] * dut[(A * i + j) * US + o * C + c];
            gd[k][j] = s;
          }
        }
        float* g = gw + (o * C + c) * 9;
        for (int64_t k = 0; k < 3; ++k) {  // (G^T dU) G
          for (int64_t l = 0; l < 3; ++l) {
            float s = 0.0f;
            for (int64_t j = 0; j < A; ++j) s += gd[k][j] * G[3 * j + l];
            g[k * 3 + l] += s;
          }
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

void Plan::transform_input(const float* x, int64_t count, float* v) const {
  m_ == 2 ? transform_input_m<2>(x, count, v) : transform_input_m<4>(x, count, v);
}
void Plan::transform_output(const float* m, int64_t count, const float* b, float* y) const {
  m_ == 2 ? transform_output_m<2>(m, count, b, y) : transform_output_m<4>(m, count, b, y);
}
void Plan::gradient_to_tiles(const float* gy, int64_t count, float* dm) const {
  m_ == 2 ? gradient_to_tiles_m<2>(gy, count, dm) : gradient_to_tiles_m<4>(gy, count, dm);
}
void Plan::gradient_to_input(const float* dv, int64_t count, float* gx) const {
  m_ == 2 ? gradient_to_input_m<2>(dv, count, gx) : gradient_to_input_m<4>(dv, count, gx);
}

// v [xi][C][M] = B^T d B for every tile's patch d: first d B along each padded row (from the
// row's m phases of columns), then B^T down the tile rows.
template <int kM>
void Plan::transform_input_m(const float* x, int64_t count, float* v) const {
  constexpr int64_t A = kM + 2;
  const int64_t C = p_.C, M = count * tiles_, TW = TW_, T = tiles_, XS = block_stride(C * M);
  float* hrow = t_rows.get(A * kM * (TH_ + 1) * TW);
  float* line = t_line.get(PWt_ + kM * (TW + 1));
  std::array<float*, kM> phase;
  for (int64_t p = 0; p < kM; ++p) phase[p] = line + PWt_ + p * (TW + 1);
  // A patch's column j is phase j % m, one tile on for j >= m.
  std::array<const float*, A> cols;
  for (int64_t j = 0; j < A; ++j) cols[j] = phase[j % kM] + j / kM;
  for (int64_t s = 0; s < count; ++s) {
    for (int64_t c = 0; c < C; ++c) {
      const float* src = x + (s * C + c) * p_.H * p_.W;
      if (s + 1 < count || c + 1 < C) row_copy::prefetch(src + p_.H * p_.W, p_.H * p_.W);
      for (int64_t r = 0; r < PHt_; ++r) {
        std::array<float*, A> h;
        for (int64_t j = 0; j < A; ++j) h[j] = hrow + hrow_offset(r, j);
        if (rows_[r] < 0) {
          for (float* row : h) std::fill(row, row + TW, 0.0f);
          continue;
        }
        padded_row(src, r, line);
        deinterleave<kM>(line, phase.data(), PWt_);
        bt_step<kM>(cols.data(), h.data(), TW);
      }
      float* out = v + c * M + s * T;
      for (int64_t j = 0; j < A; ++j) {
        std::array<const float*, A> in;
        std::array<float*, A> o;
        for (int64_t i = 0; i < A; ++i) {
          in[i] = hrow + hrow_offset(i, j);
          o[i] = out + (A * i + j) * XS;
        }
        bt_step<kM>(in.data(), o.data(), T);
      }
    }
  }
}

// y [count,OC,OH,OW] = b + A^T m A for every tile (m [xi][OC][M]); values past OH, OW dropped.
template <int kM>
void Plan::transform_output_m(const float* m, int64_t count, const float* b, float* y) const {
  constexpr int64_t A = kM + 2;
  const int64_t OC = p_.OC, M = count * tiles_, TW = TW_, T = tiles_, OH = p_.OH, OW = p_.OW;
  const int64_t YS = block_stride(OC * M);
  float* a = t_line.get((A + kM) * kM * T);  // A^T m: rows r (m) x columns j (alpha), then the
  float* e = a + A * kM * T;                 // output's column phases per output row: e [r][phase][T]
  for (int64_t s = 0; s < count; ++s) {
    for (int64_t o = 0; o < OC; ++o) {
      const float bias = b != nullptr ? b[o] : 0.0f;
      const float* in = m + o * M + s * T;
      for (int64_t j = 0; j < A; ++j) {
        std::array<const float*, A> rows;
        std::array<float*, kM> out;
        for (int64_t i = 0; i < A; ++i) rows[i] = in + (A * i + j) * YS;
        for (int64_t r = 0; r < kM; ++r) out[r] = a + (A * r + j) * T;
        at_step<kM>(rows.data(), 0.0f, out.data(), T);
      }
      for (int64_t r = 0; r < kM; ++r) {
        std::array<const float*, A> cols;
        std::array<float*, kM> out;
        for (int64_t j = 0; j < A; ++j) cols[j] = a + (A * r + j) * T;
        for (int64_t p = 0; p < kM; ++p) out[p] = e + (kM * r + p) * T;
        at_step<kM>(cols.data(), bias, out.data(), T);
      }
      float* plane = y + (s * OC + o) * OH * OW;
      for (int64_t ti = 0; ti < TH_; ++ti) {
        for (int64_t r = 0; r < kM && kM * ti + r < OH; ++r) {
          std::array<const float*, kM> phase;
          for (int64_t p = 0; p < kM; ++p) phase[p] = e + (kM * r + p) * T + ti * TW;
          interleave<kM>(phase.data(), plane + (kM * ti + r) * OW, OW);
        }
      }
    }
  }
}

// dm [xi][OC][M] = A dy A^T for every tile's m x m gradient dy (zero past OH, OW).
template <int kM>
void Plan::gradient_to_tiles_m(const float* gy, int64_t count, float* dm) const {
  constexpr int64_t A = kM + 2;
  const int64_t OC = p_.OC, M = count * tiles_, TW = TW_, T = tiles_, OH = p_.OH, OW = p_.OW;
  const int64_t YS = block_stride(OC * M);
  float* d = t_line.get((kM + A) * kM * T);  // dy: rows r (m) x column phase (m), each T tiles
  float* q = d + kM * kM * T;                // A dy: rows i (alpha) x column phase (m)
  for (int64_t s = 0; s < count; ++s) {
    for (int64_t o = 0; o < OC; ++o) {
      const float* plane = gy + (s * OC + o) * OH * OW;
      for (int64_t ti = 0; ti < TH_; ++ti) {
        for (int64_t r = 0; r < kM; ++r) {
          std::array<float*, kM> phase;
          for (int64_t p = 0; p < kM; ++p) phase[p] = d + (kM * r + p) * T + ti * TW;
          if (kM * ti + r >= OH) {
            for (float* row : phase) std::fill(row, row + TW, 0.0f);
            continue;
          }
          for (int64_t p = OW % kM; p != 0 && p < kM; ++p) phase[p][TW - 1] = 0.0f;
          deinterleave<kM>(plane + (kM * ti + r) * OW, phase.data(), OW);
        }
      }
      for (int64_t p = 0; p < kM; ++p) {
        std::array<const float*, kM> rows;
        std::array<float*, A> out;
        for (int64_t r = 0; r < kM; ++r) rows[r] = d + (kM * r + p) * T;
        for (int64_t i = 0; i < A; ++i) out[i] = q + (kM * i + p) * T;
        a_step<kM>(rows.data(), out.data(), T);
      }
      float* base = dm + o * M + s * T;
      for (int64_t i = 0; i < A; ++i) {
        std::array<const float*, kM> cols;
        std::array<float*, A> out;
        for (int64_t p = 0; p < kM; ++p) cols[p] = q + (kM * i + p) * T;
        for (int64_t j = 0; j < A; ++j) out[j] = base + (A * i + j) * YS;
        a_step<kM>(cols.data(), out.data(), T);
      }
    }
  }
}

// gx += the adjoint of transform_input applied to dv [xi][C][M]: B dV B^T per tile, added to
// its patch's padded positions and from there to their sources.
template <int kM>
void Plan::gradient_to_input_m(const float* dv, int64_t count, float* gx) const {
  constexpr int64_t A = kM + 2;
  const int64_t C = p_.C, M = count * tiles_, TW = TW_, T = tiles_, XS = block_stride(C * M);
  const int64_t HS = A * kM * (TH_ + 1) * TW;
  float* hrow = t_rows.get(HS);  // B dV per padded row (layout: hrow_offset)
  float* line = t_line.get(PWt_ + kM * (TW + 1) + A * TW);
  std::array<float*, kM> phase;  // the padded row's column phases
  for (int64_t p = 0; p < kM; ++p) phase[p] = line + PWt_ + p * (TW + 1);
  std::array<float*, A> g;  // (B dV) B^T per tile: alpha columns TW wide
  for (int64_t j = 0; j < A; ++j) g[j] = line + PWt_ + kM * (TW + 1) + j * TW;
  for (int64_t s = 0; s < count; ++s) {
    for (int64_t c = 0; c < C; ++c) {
      std::fill(hrow, hrow + HS, 0.0f);
      const float* in = dv + c * M + s * T;
      for (int64_t j = 0; j < A; ++j) {
        std::array<const float*, A> rows;
        std::array<float*, kM> planes;
        for (int64_t i = 0; i < A; ++i) rows[i] = in + (A * i + j) * XS;
        for (int64_t p = 0; p < kM; ++p) planes[p] = hrow + hrow_offset(p, j);
        add_b_rows_step<kM>(rows.data(), planes.data(), TW, T);
      }
      float* dst = gx + (s * C + c) * p_.H * p_.W;
      if (s + 1 < count || c + 1 < C) row_copy::prefetch(dst + p_.H * p_.W, p_.H * p_.W);
      for (int64_t r = 0; r < PHt_; ++r) {
        if (rows_[r] < 0) continue;
        std::array<const float*, A> h;
        for (int64_t j = 0; j < A; ++j) h[j] = hrow + hrow_offset(r, j);
        b_step<kM>(h.data(), g.data(), TW);
        // Padded column m k + p collects g_p of tile k and, for p < 2, g_{p+m} of tile k - 1.
        for (int64_t p = 0; p < 2; ++p) {
          phase[p][0] = g[p][0];
          add(g[p] + 1, g[p + kM], phase[p] + 1, TW - 1);
          phase[p][TW] = g[p + kM][TW - 1];
        }
        for (int64_t p = 2; p < kM; ++p) std::copy(g[p], g[p] + TW, phase[p]);
        interleave<kM>(phase.data(), line, PWt_);
        add_padded_row(line, r, dst);
      }
    }
  }
}

void Plan::forward(const float* x, int64_t count, const float* u, const float* b, float* y, float* v) const {
  const int64_t M = count * tiles_, C = p_.C, OC = p_.OC, XS = block_stride(C * M), YS = block_stride(OC * M);
  const int64_t US = block_stride(C * OC);
  if (v == nullptr) v = t_v.get(xis_ * XS);
  transform_input(x, count, v);
  float* m = t_m.get(xis_ * YS);
  const xsmm::GemmFn kernel = kernels_->forward[count - 1];
  for (int64_t xi = 0; xi < xis_; ++xi) kernel(v + xi * XS, u + xi * US, m + xi * YS);
  transform_output(m, count, b, y);
}

void Plan::backward(const float* v, int64_t count, const float* ut, const float* gy, float* gx, float* du_part) const {
  const int64_t M = count * tiles_, C = p_.C, OC = p_.OC, XS = block_stride(C * M), YS = block_stride(OC * M);
  const int64_t US = block_stride(C * OC);
  float* dm = t_m.get(xis_ * YS);
  gradient_to_tiles(gy, count, dm);
  if (gx != nullptr) {
    float* dv = t_dv.get(xis_ * XS);
    const xsmm::GemmFn kernel = kernels_->input_grad[count - 1];
    for (int64_t xi = 0; xi < xis_; ++xi) kernel(dm + xi * YS, ut + xi * US, dv + xi * XS);
    gradient_to_input(dv, count, gx);
  }
  if (du_part != nullptr) {
    float* dmt = t_dmt.get(M * OC);
    const xsmm::GemmFn kernel = kernels_->weight_grad[count - 1];
    for (int64_t xi = 0; xi < xis_; ++xi) {
      xsmm::transpose(dmt, dm + xi * YS, M, OC, M, OC);
      kernel(dmt, v + xi * XS, du_part + xi * US);
    }
  }
}

}  // namespace poolnet::conv2d_winograd
