#include "framework/ops/conv2d_implicit.h"

#include <algorithm>
#include <libxsmm.h>

#include "framework/eigen_view.h"
#include "framework/scratch.h"

namespace poolnet::conv2d_implicit {

namespace {
// The padded sample and the per-sample matrices stay in the L2 cache up to this size (floats).
constexpr int64_t kMaxWorkingSet = 512 * 1024;
// With fewer input channels the GEMMs are too narrow: the direct forward kernel and im2col win.
constexpr int64_t kMinInputChannels = 3;

thread_local ScratchBuffer t_xp, t_yq, t_gyq, t_gyt, t_gxp;

using Index = libxsmm_blasint;

libxsmm_smmfunction_reducebatch_addr batch_kernel(Index m, Index n, Index k, Index lda, Index ldb, Index ldc) {
  const float alpha = 1.0f, beta = 0.0f;
  const int flags = LIBXSMM_GEMM_FLAG_NONE, prefetch = LIBXSMM_PREFETCH_NONE;
  return libxsmm_smmdispatch_reducebatch_addr(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch);
}
}  // namespace

// Column-major kernels (LIBXSMM's convention): C [m,n] (+)= A [m,k] . B [k,n].
struct Plan::Kernels {
  libxsmm_smmfunction_reducebatch_addr forward = nullptr;     // m = OH*PW, n = OC, k = C
  libxsmm_smmfunction_reducebatch_addr input_grad = nullptr;  // m = PH*PW, n = C, k = OC
  libxsmm_smmfunction weight_grad = nullptr;                  // m = OC, n = C, k = OH*PW, beta 1
};

Plan::Plan(const ConvProblem& p) : p_(p), kernels_(std::make_unique<Kernels>()) {
  PH_ = p.OH + p.dh * (p.KH - 1);
  PW_ = p.OW + p.dw * (p.KW - 1);
  plane_ = PH_ * PW_;
  Q_ = p.OH * PW_;
  margin_ = p.dh * (p.KH - 1) * PW_ + p.dw * (p.KW - 1);
  slack_ = p.dw * (p.KW - 1);
  rows_.resize(static_cast<size_t>(PH_));
  for (int64_t r = 0; r < PH_; ++r) rows_[r] = pad_source_index(r - p.pt, p.H, p.padding_mode);
  cols_.resize(static_cast<size_t>(PW_));
  for (int64_t c = 0; c < PW_; ++c) cols_[c] = pad_source_index(c - p.pl, p.W, p.padding_mode);
  for (int64_t kh = 0; kh < p.KH; ++kh) {
    for (int64_t kw = 0; kw < p.KW; ++kw) offsets_.push_back(kh * p.dh * PW_ + kw * p.dw);
  }
  const int64_t working = std::max(p.C, p.OC) * (margin_ + plane_);
  if (p.sh != 1 || p.sw != 1 || working > kMaxWorkingSet || p.C < kMinInputChannels) return;
  Kernels& k = *kernels_;
  k.forward = batch_kernel(Q_, p.OC, p.C, plane_, p.C, Q_);
  k.input_grad = batch_kernel(plane_, p.C, p.OC, margin_ + plane_, p.OC, plane_);
  const float alpha = 1.0f, beta = 1.0f;
  const int flags = LIBXSMM_GEMM_FLAG_NONE, prefetch = LIBXSMM_PREFETCH_NONE;
  const Index lda = p.OC, ldb = plane_, ldc = taps() * p.OC;
  k.weight_grad = libxsmm_smmdispatch(p.OC, p.C, Q_, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch);
  ready_ = k.forward != nullptr && k.input_grad != nullptr && k.weight_grad != nullptr;
}

Plan::~Plan() = default;

std::vector<float> Plan::pack_weights(const float* w, bool for_input_gradient) const {
  const int64_t T = taps(), C = p_.C, OC = p_.OC;
  std::vector<float> packed(static_cast<size_t>(T * C * OC));
  for (int64_t o = 0; o < OC; ++o) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t t = 0; t < T; ++t) {
        const float v = w[(o * C + c) * T + t];
        packed[for_input_gradient ? (t * C + c) * OC + o : (t * OC + o) * C + c] = v;
      }
    }
  }
  return packed;
}

// xp [C, PH*PW + slack]: the padded sample; the slack (read only by dropped columns) is zero.
void Plan::pad_input(const float* x, float* xp) const {
  for (int64_t c = 0; c < p_.C; ++c) {
    const float* src = x + c * p_.H * p_.W;
    float* dst = xp + c * plane_;
    for (int64_t r = 0; r < PH_; ++r, dst += PW_) {
      const int64_t h = rows_[r];
      if (h < 0) {
        vec(dst, PW_).setZero();
        continue;
      }
      const float* row = src + h * p_.W;
      for (int64_t j = 0; j < p_.pl; ++j) dst[j] = cols_[j] < 0 ? 0.0f : row[cols_[j]];
      std::copy(row, row + p_.W, dst + p_.pl);
      for (int64_t j = p_.pl + p_.W; j < PW_; ++j) dst[j] = cols_[j] < 0 ? 0.0f : row[cols_[j]];
    }
  }
  vec(xp + p_.C * plane_, slack_).setZero();
}

void Plan::forward(const float* x, const float* wf, const float* b, float* y) const {
  const int64_t T = taps();
  float* xp = t_xp.get(p_.C * plane_ + slack_);
  pad_input(x, xp);
  float* yq = t_yq.get(p_.OC * Q_);
  std::vector<const float*> a(static_cast<size_t>(T)), w(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) {
    a[t] = xp + offsets_[t];
    w[t] = wf + t * p_.OC * p_.C;
  }
  const unsigned long long count = static_cast<unsigned long long>(T);
  kernels_->forward(a.data(), w.data(), yq, &count);
  for (int64_t o = 0; o < p_.OC; ++o) {
    const float bias = b != nullptr ? b[o] : 0.0f;
    for (int64_t oh = 0; oh < p_.OH; ++oh) {
      vec(y + (o * p_.OH + oh) * p_.OW, p_.OW) = vec(yq + o * Q_ + oh * PW_, p_.OW).array() + bias;
    }
  }
}

void Plan::backward(const float* x, const float* wb, const float* gy, float* gx, float* gw_part) const {
  const int64_t T = taps(), L = margin_ + plane_;
  // gyq [OC, L]: gy's rows spread PW wide after `margin` zeros, zero everywhere else.
  float* gyq = t_gyq.get(p_.OC * L);
  vec(gyq, p_.OC * L).setZero();
  for (int64_t o = 0; o < p_.OC; ++o) {
    for (int64_t oh = 0; oh < p_.OH; ++oh) {
      vec(gyq + o * L + margin_ + oh * PW_, p_.OW) = vec(gy + (o * p_.OH + oh) * p_.OW, p_.OW);
    }
  }
  const unsigned long long count = static_cast<unsigned long long>(T);
  if (gx != nullptr) {
    float* gxp = t_gxp.get(p_.C * plane_);
    std::vector<const float*> a(static_cast<size_t>(T)), w(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; ++t) {
      a[t] = gyq + margin_ - offsets_[t];
      w[t] = wb + t * p_.C * p_.OC;
    }
    kernels_->input_grad(a.data(), w.data(), gxp, &count);
    // The adjoint of pad_input: every padded value goes back to its source.
    for (int64_t c = 0; c < p_.C; ++c) {
      float* dst = gx + c * p_.H * p_.W;
      const float* src = gxp + c * plane_;
      for (int64_t r = 0; r < PH_; ++r) {
        const int64_t h = rows_[r];
        if (h < 0) continue;
        float* row = dst + h * p_.W;
        const float* g = src + r * PW_;
        vec(row, p_.W) += vec(g + p_.pl, p_.W);
        for (int64_t j = 0; j < PW_; ++j) {
          if ((j < p_.pl || j >= p_.pl + p_.W) && cols_[j] >= 0) row[cols_[j]] += g[j];
        }
      }
    }
  }
  if (gw_part != nullptr) {
    float* xp = t_xp.get(p_.C * plane_ + slack_);
    pad_input(x, xp);
    float* gyt = t_gyt.get(Q_ * p_.OC);  // [Q, OC]
    libxsmm_otrans(gyt, gyq + margin_, sizeof(float), Q_, p_.OC, L, p_.OC);
    for (int64_t t = 0; t < T; ++t) kernels_->weight_grad(gyt, xp + offsets_[t], gw_part + t * p_.OC);
  }
}

}  // namespace poolnet::conv2d_implicit
