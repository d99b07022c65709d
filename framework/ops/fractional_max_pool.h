// Fractional max pooling (Graham 2014, "Fractional Max-Pooling"), with PyTorch's
// FractionalMaxPool2d interval rule (aten/src/ATen/native/FractionalMaxPool2d.cpp), so that given
// the same draws both compute the same thing:
//
//   fractional_max_pool2d(x, FractionalMaxPool{.kernel = {KH, KW}, .output | .ratio, ...})
//     x [N,C,H,W] -> y [N,C,OH,OW]
//   Output size: `output` if set, else OH = floor(H * ratio), OW = floor(W * ratio) in double
//   (PyTorch's output_ratio). Needs OH, OW >= 1 and OH + KH - 1 <= H, OW + KW - 1 <= W.
//   Intervals (one axis, input n, output m, kernel k, draw u; PyTorch's generate_intervals, in
//   float as PyTorch computes for float tensors):
//     alpha = float(n - k) / float(m - 1)
//     start[i] = int((i + u) * alpha) - int(u * alpha)   for i < m - 1 (truncation)
//     start[m - 1] = n - k                                 (m = 1: the one window at the end)
//   y[oh, ow] = max of x over rows start_h[oh] .. +KH-1, columns start_w[ow] .. +KW-1 (no
//   padding; windows overlap where starts are closer than the kernel).
//   Draws: one u per (sample, channel, axis), laid out as PyTorch's _random_samples [N, C, 2] =
//   (u_w, u_h). Training: u = RandomStream(seed, stream_id(step, n)).uniform(2 * c + axis) (axis
//   0 = w, 1 = h), so draws depend only on (seed, step, sample, channel, axis), never on the
//   thread count; the caller advances `step` on every training call (the layer keeps that
//   counter). Evaluation: u = eval_u for every plane and axis (deterministic). Or the caller
//   passes the draws (samples [N, C, 2], values in [0, 1)).
//   Ties: the first maximum in row-major window order; NaN propagates (the last NaN in window
//   order, as max_pool2d and PyTorch's CPU kernel).
// Gradient: gx[argmax] += gy (scatter-added: windows may overlap); argmaxes kept from forward.
// Kernels: 2x2 (the common case) unrolled, any other window as a plain loop; both branch-free
// with the same rule.
// Parallel over the N*C planes with the same split in forward and backward: bitwise identical
// at any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct FractionalMaxPool {
  Size2d kernel{2, 2};   // >= 1
  Size2d output{0, 0};   // OH, OW >= 1; {0, 0}: from `ratio`
  double ratio = 0.5;    // in (0, 1), used when `output` is {0, 0}
  bool training = true;  // training: draws from (seed, step); eval: eval_u
  uint64_t seed = 0;
  uint64_t step = 0;     // call counter: new draws for every training call
  float eval_u = 0.5f;   // in [0, 1)
};

Shape fractional_max_pool2d_out_shape(const Shape& x, const FractionalMaxPool& options);
// The window starts along one axis (PyTorch's generate_intervals, above): m values in [0, n - k].
std::vector<int64_t> fractional_intervals(float u, int64_t n, int64_t m, int64_t k);
// The draws fractional_max_pool2d(x, options) uses for x of N samples and C channels: [N, C, 2].
Tensor fractional_max_pool2d_samples(int64_t N, int64_t C, const FractionalMaxPool& options);

Tensor fractional_max_pool2d(const Tensor& x, const FractionalMaxPool& options = {});
// With given draws samples [N, C, 2] (u_w, u_h), as PyTorch's _random_samples; `training`,
// `seed`, `step` and `eval_u` are not used.
Tensor fractional_max_pool2d(const Tensor& x, const Tensor& samples, const FractionalMaxPool& options);

}  // namespace poolnet
