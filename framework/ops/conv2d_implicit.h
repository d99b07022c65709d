// Implicit-GEMM convolution for stride 1 and groups 1 (an internal kernel of conv2d, not an op):
// no im2col matrix. One sample's input is copied once into a padded plane xp [C, PH*PW] (PH, PW
// the padded sizes); output position q = oh*PW + ow then reads xp[c, q + off_t] for kernel tap
// t = (kh, kw), off_t = kh*dh*PW + kw*dw. Every output row is computed PW wide and its last
// PW - OW values dropped, so each tap is one GEMM over contiguous memory:
//   forward       yq [OC, OH*PW]  = sum over taps of  W_t [OC,C] . xp[:, off_t ...]
//   input grad    gxp [C, PH*PW]  = sum over taps of  W_t^T [C,OC] . gyq[:, r - off_t]
//                 (gyq: gy spread to PW-wide rows, zero elsewhere), then gx += the adjoint of the
//                 padding (reflect and circular values fold back to their sources)
//   weight grad   gW_t^T [C, OC] += xp[:, off_t ...] . gyq^T   for each tap
// The tap sums are LIBXSMM batch-reduce kernels (accumulated in registers). Every sum runs in an
// order fixed by the sizes, so results never depend on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "framework/ops/conv2d_problem.h"

namespace poolnet::conv2d_implicit {

class Plan {
 public:
  explicit Plan(const ConvProblem& p);  // p.sh == p.sw == 1
  ~Plan();

  // False when the problem is too large for the cache-resident kernels, has fewer than 3 input
  // channels (GEMMs too narrow) or no kernel could be generated for this CPU: conv2d
  // then uses im2col.
  bool ready() const { return ready_; }
  int64_t taps() const { return p_.KH * p_.KW; }

  // w [OC,C,KH,KW] in the kernels' layout: [taps][OC][C] for forward, [taps][C][OC] for the
  // input gradient.
  std::vector<float> pack_weights(const float* w, bool for_input_gradient) const;

  // One sample: x [C,H,W] -> y [OC,OH,OW] = b (or 0) + conv (written). `wf` packed for forward.
  void forward(const float* x, const float* wf, const float* b, float* y) const;

  // One sample: gx [C,H,W] += input gradient (if gx), gw_part [C,KH,KW][OC] (the transposed
  // weight gradient) += its share (if gw_part). `wb` packed for the input gradient (may be null
  // without gx).
  void backward(const float* x, const float* wb, const float* gy, float* gx, float* gw_part) const;

 private:
  struct Kernels;
  void pad_input(const float* x, float* xp) const;

  ConvProblem p_;
  int64_t PH_ = 0, PW_ = 0, plane_ = 0, Q_ = 0, margin_ = 0, slack_ = 0;
  std::vector<int64_t> rows_, cols_, offsets_;  // padded row/column -> source (-1: zero); tap offsets
  std::unique_ptr<Kernels> kernels_;
  bool ready_ = false;
};

}  // namespace poolnet::conv2d_implicit
