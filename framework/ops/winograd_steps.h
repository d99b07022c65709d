// The one-dimensional row steps of the Winograd transforms F(2x2, 3x3) and F(4x4, 3x3) (an
// internal part of framework/ops/conv2d_winograd.h, whose header comment gives the matrices
// B^T, A^T and their adjoints). Each step works on n tiles of a row at once; they are
// out-of-line functions with restrict-qualified operands so that the compiler vectorises them
// (docs/performance.md, "How the convolution runs"). kM is the tile size, 2 or 4.
#pragma once

#include <cstdint>

namespace poolnet::conv2d_winograd {

// B^T applied down the alpha = kM + 2 input rows in[0..alpha): out[i], i < alpha.
template <int kM>
void bt_step(const float* const* in, float* const* out, int64_t n);
// The adjoint: B applied to the alpha transformed rows in[i] -> out[i].
template <int kM>
void b_step(const float* const* in, float* const* out, int64_t n);
// The adjoint of bt_step down the tile rows, added to the kM phase planes' rows (w tiles a row).
template <int kM>
void add_b_rows_step(const float* const* in, float* const* phase, int64_t w, int64_t n);
// A^T applied to the alpha rows in[i], plus the constant k: out[0..kM).
template <int kM>
void at_step(const float* const* in, float k, float* const* out, int64_t n);
// The adjoint: A applied to the kM rows in[i] -> out[0..alpha).
template <int kM>
void a_step(const float* const* in, float* const* out, int64_t n);
// phase[p][k] = in[kM * k + p] for kM * k + p < n.
template <int kM>
void deinterleave(const float* __restrict in, float* const* phase, int64_t n);
// out[kM * k + p] = phase[p][k] for kM * k + p < n.
template <int kM>
void interleave(const float* const* phase, float* __restrict out, int64_t n);
// o[t] = a[t] + b[t].
void add(const float* __restrict a, const float* __restrict b, float* __restrict o, int64_t n);

}  // namespace poolnet::conv2d_winograd
