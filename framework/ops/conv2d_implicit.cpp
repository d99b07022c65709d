#include "framework/ops/conv2d_implicit.h"

#include <algorithm>

#include "framework/eigen_view.h"
#include "framework/ops/row_copy.h"
#include "framework/scratch.h"
#include "framework/xsmm.h"

namespace poolnet::conv2d_implicit {

namespace {
// The split sample and the per-sample matrices stay in the L2 cache up to this size (floats).
constexpr int64_t kMaxWorkingSet = 512 * 1024;
// With fewer input channels the GEMMs are too narrow: the direct forward kernel and im2col win.
constexpr int64_t kMinInputChannels = 3;

thread_local ScratchBuffer t_xp, t_yq, t_gyq, t_gyt, t_gxp;
// A batch-reduce call's operand pointers. The kernels advance them in place (measured with
// Debian's LIBXSMM 1.17), so the arrays are filled anew for every call.
thread_local std::vector<const float*> t_a, t_b;

// The width R of the stored phase rows and, per column phase b, the run [lo, hi) of columns
// that read the input directly. With zero padding, a row's trailing zeros double as the next
// row's leading ones: rows are stored R wide, enough to hold the run (hi) and OW outputs, while
// a read past a row's end (at most PWp - R further) lands in the next row's leading zeros (lo of
// them).
struct RowLayout {
  int64_t row = 0;
  std::vector<int64_t> lo, hi;
};

RowLayout row_layout(const ConvProblem& p) {
  const int64_t PWp = p.OW + p.dw * (p.KW - 1) / p.sw;  // columns a phase row spans
  const int64_t last_col = (p.OW - 1) * p.sw + (p.KW - 1) * p.dw;
  RowLayout l{.row = p.OW, .lo = {}, .hi = {}};
  for (int64_t b = 0; b < p.sw; ++b) {
    int64_t lo = 0, hi = 0;
    for (int64_t j = PWp - 1; j >= 0; --j) {
      const int64_t raw = j * p.sw + b - p.pl;
      if (raw >= 0 && raw < p.W && j * p.sw + b <= last_col) {
        if (hi == 0) hi = j + 1;
        lo = j;
      }
    }
    hi = std::max(lo, hi);
    l.lo.push_back(lo);
    l.hi.push_back(hi);
    l.row = std::max({l.row, hi, PWp - lo});
  }
  if (p.padding_mode != PadMode::kZeros) l.row = PWp;
  return l;
}

// Floats of a phase plane for rows `row` wide: PHp rows, plus the last row's reads past its end.
int64_t plane_size(const ConvProblem& p, int64_t row) {
  const int64_t PHp = p.OH + p.dh * (p.KH - 1) / p.sh, PWp = p.OW + p.dw * (p.KW - 1) / p.sw;
  return PHp * row + (PWp - row);
}

// The furthest a tap reads past its plane's start (the last tap's offset inside its phase).
int64_t tap_margin(const ConvProblem& p, int64_t row) {
  return (p.KH - 1) * p.dh / p.sh * row + (p.KW - 1) * p.dw / p.sw;
}

// C = sum over a batch of A_i . B_i (C overwritten).
xsmm::BatchGemmFn batch_kernel(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc) {
  return xsmm::batch_gemm({.m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc});
}

// C += A . B.
xsmm::GemmFn accumulate_kernel(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc) {
  return xsmm::gemm({.m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc}, 1.0f);
}
}  // namespace

// Column-major kernels (LIBXSMM's convention): C [m,n] (+)= A [m,k] . B [k,n].
struct Plan::Kernels {
  xsmm::BatchGemmFn forward = nullptr;  // m = OH*row, n = OC, k = C
  std::vector<xsmm::BatchGemmFn> input_grad;  // per row phase: m = its rows, n = C, k = OC
  xsmm::GemmFn weight_grad = nullptr;         // m = OC, n = C, k = OH*row, beta 1
};

bool supports(const ConvProblem& p) { return p.OH >= 1 && p.OW >= 1; }

bool preferred(const ConvProblem& p) {
  if (!supports(p) || p.C < kMinInputChannels) return false;
  const int64_t row = row_layout(p).row, plane = plane_size(p, row);
  const int64_t working = std::max(p.C * p.sh * p.sw * plane, p.OC * (tap_margin(p, row) + plane));
  return working <= kMaxWorkingSet;
}

Plan::Plan(const ConvProblem& p) : p_(p), kernels_(std::make_unique<Kernels>()) {
  phases_ = p.sh * p.sw;
  PHp_ = p.OH + p.dh * (p.KH - 1) / p.sh;
  const int64_t PWp = p.OW + p.dw * (p.KW - 1) / p.sw;  // columns a phase row spans
  // Padded rows and columns beyond the last one a valid output reads stay zero.
  const int64_t last_row = (p.OH - 1) * p.sh + (p.KH - 1) * p.dh, last_col = (p.OW - 1) * p.sw + (p.KW - 1) * p.dw;
  rows_.resize(static_cast<size_t>(PHp_ * p.sh));
  for (int64_t r = 0; r < PHp_ * p.sh; ++r) rows_[r] = r > last_row ? -1 : pad_source_index(r - p.pt, p.H, p.padding_mode);
  cols_.resize(static_cast<size_t>(PWp * p.sw));
  for (int64_t c = 0; c < PWp * p.sw; ++c) cols_[c] = c > last_col ? -1 : pad_source_index(c - p.pl, p.W, p.padding_mode);
  RowLayout layout = row_layout(p);
  row_ = layout.row;
  run_lo_ = std::move(layout.lo);
  run_hi_ = std::move(layout.hi);
  plane_ = plane_size(p, row_);
  channel_ = phases_ * plane_;
  Q_ = p.OH * row_;
  slack_ = p.dw * (p.KW - 1) / p.sw;
  phase_taps_.resize(static_cast<size_t>(phases_));
  for (int64_t kh = 0; kh < p.KH; ++kh) {
    for (int64_t kw = 0; kw < p.KW; ++kw) {
      const int64_t phase = (kh * p.dh % p.sh) * p.sw + kw * p.dw % p.sw;
      const int64_t inner = kh * p.dh / p.sh * row_ + kw * p.dw / p.sw;
      phase_taps_[phase].push_back(static_cast<int64_t>(offsets_.size()));
      offsets_.push_back(phase * plane_ + inner);
      inner_.push_back(inner);
    }
  }
  margin_ = tap_margin(p, row_);
  // The input gradient is wanted only on the rows that reach the input: with zero padding, a
  // phase's rows [first, last] with a source row.
  for (int64_t a = 0; a < p.sh; ++a) {
    int64_t first = PHp_, last = -1;
    for (int64_t i = 0; i < PHp_; ++i) {
      if (rows_[i * p.sh + a] < 0) continue;
      if (last < 0) first = i;
      last = i;
    }
    const bool all = p.padding_mode != PadMode::kZeros || last < 0;
    grad_rows_.push_back(all ? std::pair<int64_t, int64_t>{0, PHp_} : std::pair<int64_t, int64_t>{first, last + 1});
  }
  if (!supports(p)) return;
  Kernels& k = *kernels_;
  k.forward = batch_kernel(Q_, p.OC, p.C, channel_, p.C, Q_);
  bool ready = k.forward != nullptr;
  for (int64_t a = 0; a < p.sh; ++a) {
    const auto [first, end] = grad_rows_[a];
    k.input_grad.push_back(batch_kernel((end - first) * row_, p.C, p.OC, margin_ + plane_, p.OC, channel_));
    ready = ready && k.input_grad.back() != nullptr;
  }
  k.weight_grad = accumulate_kernel(p.OC, p.C, Q_, p.OC, channel_, taps() * p.OC);
  ready_ = ready && k.weight_grad != nullptr;
}

Plan::~Plan() = default;

std::vector<float> Plan::pack_weights(const float* w, bool for_input_gradient) const {
  const int64_t T = taps(), C = p_.C, OC = p_.OC;
  std::vector<float> packed(static_cast<size_t>(T * C * OC));
  using Strided = Eigen::Map<const MatrixRM, Eigen::Unaligned, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
  for (int64_t t = 0; t < T; ++t) {
    const Strided tap(w + t, OC, C, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(C * T, T));  // W_t [OC, C]
    if (for_input_gradient) {
      mat(packed.data() + t * C * OC, C, OC) = tap.transpose();
    } else {
      mat(packed.data() + t * OC * C, OC, C) = tap;
    }
  }
  return packed;
}

// xp [C, phases, plane] (+ slack zeros, read only by dropped columns): the padded sample, split.
void Plan::split_input(const float* x, float* xp) const {
  const int64_t sh = p_.sh, sw = p_.sw, W = p_.W;
  for (int64_t c = 0; c < p_.C; ++c) {
    const float* src = x + c * p_.H * W;
    if (c + 1 < p_.C) row_copy::prefetch(src + p_.H * W, p_.H * W);
    for (int64_t a = 0; a < sh; ++a) {
      for (int64_t b = 0; b < sw; ++b) {
        float* dst = xp + c * channel_ + (a * sw + b) * plane_;
        for (int64_t i = 0; i < PHp_; ++i, dst += row_) {
          const int64_t h = rows_[i * sh + a];
          if (h < 0) {
            vec(dst, row_).setZero();
            continue;
          }
          const float* row = src + h * W;
          const int64_t lo = run_lo_[b], hi = run_hi_[b], first = lo * sw + b - p_.pl;
          for (int64_t j = 0; j < row_; ++j) {
            if (j == lo && sw <= 2) j = hi;  // the run, copied below
            if (j >= row_) break;
            const int64_t col = cols_[j * sw + b];
            dst[j] = col < 0 ? 0.0f : row[col];
          }
          if (sw == 1) row_copy::copy_row(dst + lo, row + first, hi - lo);
          if (sw == 2) row_copy::copy_row_stride2(dst + lo, row + first, hi - lo);
        }
        vec(dst, plane_ - PHp_ * row_).setZero();
      }
    }
  }
  vec(xp + p_.C * channel_, slack_).setZero();
}

// gx [C,H,W] += the adjoint of split_input applied to gxp [C, phases, plane].
void Plan::fold_gradient(const float* gxp, float* gx) const {
  const int64_t sh = p_.sh, sw = p_.sw, W = p_.W;
  for (int64_t c = 0; c < p_.C; ++c) {
    float* dst = gx + c * p_.H * W;
    if (c + 1 < p_.C) row_copy::prefetch(dst + p_.H * W, p_.H * W);
    for (int64_t a = 0; a < sh; ++a) {
      for (int64_t b = 0; b < sw; ++b) {
        const float* src = gxp + c * channel_ + (a * sw + b) * plane_;
        for (int64_t i = 0; i < PHp_; ++i, src += row_) {
          const int64_t h = rows_[i * sh + a];
          if (h < 0) continue;
          float* row = dst + h * W;
          const int64_t lo = run_lo_[b], hi = run_hi_[b], first = lo * sw + b - p_.pl;
          if (sw == 1) row_copy::add_row(row + first, src + lo, hi - lo);
          if (sw == 2) row_copy::add_row_stride2(row + first, src + lo, hi - lo);
          for (int64_t j = 0; j < row_; ++j) {
            if (j == lo && sw <= 2) j = hi;  // the run, added above
            if (j >= row_) break;
            const int64_t col = cols_[j * sw + b];
            if (col >= 0) row[col] += src[j];
          }
        }
      }
    }
  }
}

void Plan::forward(const float* x, const float* wf, const float* b, float* y, float* kept) const {
  const int64_t T = taps();
  float* xp = kept != nullptr ? kept : t_xp.get(split_size());
  split_input(x, xp);
  float* yq = t_yq.get(p_.OC * Q_);
  t_a.clear();
  t_b.clear();
  for (int64_t t = 0; t < T; ++t) {
    t_a.push_back(xp + offsets_[t]);
    t_b.push_back(wf + t * p_.OC * p_.C);
  }
  const unsigned long long count = static_cast<unsigned long long>(T);
  kernels_->forward(t_a.data(), t_b.data(), yq, &count);
  for (int64_t o = 0; o < p_.OC; ++o) {
    const float bias = b != nullptr ? b[o] : 0.0f;
    for (int64_t oh = 0; oh < p_.OH; ++oh) {
      vec(y + (o * p_.OH + oh) * p_.OW, p_.OW) = vec(yq + o * Q_ + oh * row_, p_.OW).array() + bias;
    }
  }
}

void Plan::backward(const float* kept, const float* wb, const float* gy, float* gx, float* gw_part) const {
  const int64_t T = taps(), L = margin_ + plane_;
  // gyq [OC, L]: gy's rows spread `row_` wide after `margin` zeros, zero everywhere else.
  float* gyq = t_gyq.get(p_.OC * L);
  vec(gyq, p_.OC * L).setZero();
  for (int64_t o = 0; o < p_.OC; ++o) {
    for (int64_t oh = 0; oh < p_.OH; ++oh) {
      vec(gyq + o * L + margin_ + oh * row_, p_.OW) = vec(gy + (o * p_.OH + oh) * p_.OW, p_.OW);
    }
  }
  if (gx != nullptr) {
    float* gxp = t_gxp.get(p_.C * channel_);
    for (int64_t phase = 0; phase < phases_; ++phase) {
      const int64_t a = phase / p_.sw, first = grad_rows_[a].first * row_;
      float* out = gxp + phase * plane_ + first;
      const std::vector<int64_t>& taps = phase_taps_[phase];
      if (taps.empty()) {  // no tap reads this phase (kernel smaller than the stride)
        for (int64_t c = 0; c < p_.C; ++c) vec(out + c * channel_, grad_rows_[a].second * row_ - first).setZero();
        continue;
      }
      t_a.clear();
      t_b.clear();
      for (const int64_t t : taps) {
        t_a.push_back(gyq + margin_ - inner_[t] + first);
        t_b.push_back(wb + t * p_.C * p_.OC);
      }
      const unsigned long long count = taps.size();
      kernels_->input_grad[a](t_a.data(), t_b.data(), out, &count);
    }
    fold_gradient(gxp, gx);
  }
  if (gw_part != nullptr) {
    float* gyt = t_gyt.get(Q_ * p_.OC);  // [Q, OC]
    xsmm::transpose(gyt, gyq + margin_, Q_, p_.OC, L, p_.OC);
    for (int64_t t = 0; t < T; ++t) kernels_->weight_grad(gyt, kept + offsets_[t], gw_part + t * p_.OC);
  }
}

}  // namespace poolnet::conv2d_implicit
