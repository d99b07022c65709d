// Winograd convolution F(m x m, 3x3), m = 2 or 4, for 3x3 kernels at stride 1 and dilation 1,
// groups 1 (an internal kernel of conv2d, not an op; Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016; docs/performance.md "How the convolution runs"). The
// output is cut into m x m tiles, each computed from an alpha x alpha input patch d (alpha = m + 2):
//   y_tile = A^T [ (G g G^T) (.) (B^T d B) ] A      (.) elementwise over the alpha^2 positions xi
// so the 9 multiply-adds per output and input channel become alpha^2 / m^2 (4 for F(2x2), 2.25
// for F(4x4)), as alpha^2 GEMMs (one per xi):
//   forward       Y~[xi] [M, OC] = V[xi] [M, C] . U[xi] [C, OC]      V = B^T d B, U = G g G^T
//   input grad    dV[xi] [M, C]  = dY~[xi] [M, OC] . U[xi]^T          dY~ = A dy A^T
//   weight grad   dU[xi] [OC, C] += dY~[xi]^T . V[xi]                 dg = G^T dU G
// with M = the tiles of a group of samples (enough for a wide GEMM). The adjoint transforms
// add each patch's gradient back to its alpha^2 padded input positions (any padding mode).
//
// F(2x2, 3x3), interpolation points 0, 1, -1, infinity:
//   B^T = [ 1  0 -1  0 ]    G = [  1    0    0  ]    A^T = [ 1  1  1  0 ]
//         [ 0  1  1  0 ]        [ 1/2  1/2  1/2 ]          [ 0  1 -1 -1 ]
//         [ 0 -1  1  0 ]        [ 1/2 -1/2  1/2 ]
//         [ 0  1  0 -1 ]        [  0    0    1  ]
// F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2, infinity:
//   B^T = [ 4  0 -5  0  1  0 ]    G = [  1/4     0     0  ]    A^T = [ 1  1  1  1  1  0 ]
//         [ 0 -4 -4  1  1  0 ]        [ -1/6  -1/6  -1/6 ]          [ 0  1 -1  2 -2  0 ]
//         [ 0  4 -4 -1  1  0 ]        [ -1/6   1/6  -1/6 ]          [ 0  1  1  4  4  0 ]
//         [ 0 -2 -1  2  1  0 ]        [ 1/24  1/12   1/6 ]          [ 0  1 -1  8 -8  1 ]
//         [ 0  2 -1 -2  1  0 ]        [ 1/24 -1/12   1/6 ]
//         [ 0  4  0 -5  0  1 ]        [   0     0     1  ]
// Rounding differs from a direct sum: about 5e-7 of the result's scale for F(2x2); F(4x4)'s
// larger transform entries and inexact G (1/6, 1/12, 1/24 in float) give ten times more (see
// tests/framework/test_conv2d_kernels.cpp). Every sum runs in an order fixed by the sizes, so
// results never depend on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "framework/ops/conv2d_problem.h"

namespace poolnet::conv2d_winograd {

// True for the shapes the kernel runs: 3x3, stride 1, dilation 1 (groups 1 is conv2d's check).
bool supports(const ConvProblem& p);
// True for the supported shapes F(m x m) is fast on: at least 32 input and output channels
// (else the transforms dominate) and a group's transformed input and output within the L2
// cache. Which of F(2x2) and F(4x4) runs is the selection table's choice (conv2d_kernel.h).
bool preferred(const ConvProblem& p, int64_t m);

class Plan {
 public:
  // m: the output tile size, 2 or 4.
  Plan(const ConvProblem& p, int64_t m);
  ~Plan();

  // False when the kernel does not support the problem or no GEMM kernel could be generated
  // for this CPU.
  bool ready() const { return ready_; }
  // Samples per GEMM group: conv2d calls forward/backward on groups of at most this many.
  int64_t group() const { return group_; }
  // Floats of one sample's transformed input (kept from forward for the weight gradient).
  int64_t transformed_size() const;

  int64_t tile_size() const { return m_; }

  // Floats of the transformed weights and of a weight-gradient partial dU. Transformed tensors
  // are alpha^2 blocks (one per xi), each followed by 16 floats of padding (cache-set spreading).
  int64_t transformed_weight_size() const;
  // w [OC,C,3,3] -> u (transformed_weight_size() floats): [xi][OC][C] for forward, [xi][C][OC]
  // for the input gradient.
  void transform_weights(const float* w, bool for_input_gradient, float* u) const;
  // gw [OC,C,3,3] += G^T dU G for dU [xi][C][OC].
  void add_weight_gradient(const float* du, float* gw) const;

  // `count` samples from x [count,C,H,W] -> y [count,OC,OH,OW] = b (or 0) + conv (written). The
  // transformed input goes to v (count * transformed_size() floats) or, if null, scratch memory.
  void forward(const float* x, int64_t count, const float* u, const float* b, float* y, float* v) const;

  // `count` samples: gx += input gradient (if gx; `ut` packed for it), du_part [xi][C][OC] +=
  // weight gradient share (if du_part; from `v`, the transformed input forward kept).
  void backward(const float* v, int64_t count, const float* ut, const float* gy, float* gx, float* du_part) const;

 private:
  struct Kernels;
  void transform_input(const float* x, int64_t count, float* v) const;
  void transform_output(const float* m, int64_t count, const float* b, float* y) const;
  void gradient_to_tiles(const float* gy, int64_t count, float* dm) const;
  void gradient_to_input(const float* dv, int64_t count, float* gx) const;
  template <int kM>
  void transform_input_m(const float* x, int64_t count, float* v) const;
  template <int kM>
  void transform_output_m(const float* m, int64_t count, const float* b, float* y) const;
  template <int kM>
  void gradient_to_tiles_m(const float* gy, int64_t count, float* dm) const;
  template <int kM>
  void gradient_to_input_m(const float* dv, int64_t count, float* gx) const;
  // Where padded row r's horizontally transformed values for column j (of alpha) start in the
  // transforms' row buffer: planes [j][row phase r % m] of TH + 1 rows of TW tiles, so that a
  // tile row's alpha padded rows are rows k (phases 0..m-1) and k + 1 (phases 0, 1) of the
  // planes and each vertical step runs over all tiles at once.
  int64_t hrow_offset(int64_t r, int64_t j) const { return ((m_ * j + r % m_) * (TH_ + 1) + r / m_) * TW_; }
  void padded_row(const float* src, int64_t r, float* line) const;
  void add_padded_row(const float* line, int64_t r, float* dst) const;

  ConvProblem p_;
  int64_t m_ = 2, alpha_ = 4, xis_ = 16;  // tile size, patch size, alpha^2
  int64_t TH_ = 0, TW_ = 0, tiles_ = 0, group_ = 1;
  int64_t PHt_ = 0, PWt_ = 0;         // padded patch area: m*TH+2 rows of m*TW+2
  std::vector<int64_t> rows_, cols_;  // padded row/column -> source (-1: zero)
  int64_t run_lo_ = 0, run_hi_ = 0;   // padded columns [lo, hi) read source column (q - pl)
  std::unique_ptr<Kernels> kernels_;
  bool ready_ = false;
};

}  // namespace poolnet::conv2d_winograd
