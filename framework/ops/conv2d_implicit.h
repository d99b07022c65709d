// Implicit-GEMM convolution for groups 1, any stride and dilation (an internal kernel of conv2d,
// not an op): no im2col matrix. One sample's padded input is copied once, split into its
// sh x sw polyphase planes xp [C, phase (a,b), PHp rows of R] with xp[c,(a,b),i,j] = xpad[c,
// i*sh+a, j*sw+b]. Kernel tap t = (kh, kw) of output (oh, ow) reads xpad[c, oh*sh+kh*dh,
// ow*sw+kw*dw], which is phase ((kh*dh) % sh, (kw*dw) % sw) at (oh + kh*dh/sh, ow + kw*dw/sw):
// with output position q = oh*R + ow (every output row is computed R wide and its last R - OW
// values dropped) each tap is one GEMM over contiguous memory, at offset off_t into the planes:
//   forward       yq [OC, OH*R]     = sum over taps of  W_t [OC,C] . xp[:, off_t ...]
//   input grad    gxp[:, phase]     = sum over that phase's taps of  W_t^T [C,OC] . gyq[:, r - off'_t]
//                 (gyq: gy spread to R-wide rows, zero elsewhere; off'_t the offset inside the
//                 phase), then gx += the adjoint of the split and padding (padded values fold back
//                 to their sources)
//   weight grad   gW_t^T [C, OC]   += xp[:, off_t ...] . gyq^T   for each tap
// R is the padded phase row's width, or less with zero padding, where one row's trailing zeros
// serve as the next row's leading ones (fewer dropped columns), and the input gradient is then
// computed on the rows that reach the input only. The tap sums are LIBXSMM batch-reduce kernels
// (accumulated in registers). Every sum runs in an order fixed by the sizes, so results never
// depend on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "framework/ops/conv2d_problem.h"

namespace poolnet::conv2d_implicit {

// True for the shapes the kernel runs: any with an output (groups 1 is conv2d's check).
bool supports(const ConvProblem& p);
// True for the supported shapes it is faster on: at least 3 input channels (else the GEMMs are
// too narrow) and the split sample and per-sample matrices within the L2 cache.
bool preferred(const ConvProblem& p);

class Plan {
 public:
  explicit Plan(const ConvProblem& p);
  ~Plan();

  // False when the kernel does not support the problem or no kernel could be generated for
  // this CPU.
  bool ready() const { return ready_; }
  int64_t taps() const { return p_.KH * p_.KW; }

  // w [OC,C,KH,KW] in the kernels' layout: [taps][OC][C] for forward, [taps][C][OC] for the
  // input gradient.
  std::vector<float> pack_weights(const float* w, bool for_input_gradient) const;

  // Floats of one sample's split input (kept from forward for the weight gradient).
  int64_t split_size() const { return p_.C * channel_ + slack_; }

  // One sample: x [C,H,W] -> y [OC,OH,OW] = b (or 0) + conv (written). `wf` packed for forward.
  // The split input goes to `kept` (split_size() floats) or, if null, scratch memory.
  void forward(const float* x, const float* wf, const float* b, float* y, float* kept) const;

  // One sample: gx [C,H,W] += input gradient (if gx), gw_part [C,KH,KW][OC] (the transposed
  // weight gradient) += its share (if gw_part; from `kept`, the split input forward kept). `wb`
  // packed for the input gradient (may be null without gx).
  void backward(const float* kept, const float* wb, const float* gy, float* gx, float* gw_part) const;

 private:
  struct Kernels;
  void split_input(const float* x, float* xp) const;
  void fold_gradient(const float* gxp, float* gx) const;

  ConvProblem p_;
  int64_t phases_ = 0, PHp_ = 0, row_ = 0 /* R */, plane_ = 0, channel_ = 0, Q_ = 0, margin_ = 0, slack_ = 0;
  std::vector<int64_t> rows_, cols_;  // padded row/column -> source (-1: zero or never read)
  std::vector<int64_t> run_lo_, run_hi_;  // per column phase: [lo, hi) read the input directly
  std::vector<int64_t> offsets_;      // per tap: offset into a channel's planes
  std::vector<int64_t> inner_;        // per tap: offset inside its phase plane
  std::vector<std::vector<int64_t>> phase_taps_;  // per phase: its taps, in tap order
  std::vector<std::pair<int64_t, int64_t>> grad_rows_;  // per row phase: the rows [first, end) of the input gradient
  std::unique_ptr<Kernels> kernels_;
  bool ready_ = false;
};

}  // namespace poolnet::conv2d_implicit
