// S3Pool: pooling with stochastic spatial sampling (Zhai, Wu, Kumar, Cheng, Lu, Zhang, Feris,
// CVPR 2017), following the authors' Theano/Lasagne code, StochasticPool2DLayer in
// Shuangfei/s3pool build_net.py (its pool_size is our stride s; its max window is 2 here):
//
//   s3_pool2d(x, S3Pool{.stride = {SH, SW}, .grid = {GH, GW}, .training, .seed, .step})
//     x [N,C,H,W] -> m [N,C,H-1,W-1] = max pool, kernel 2x2, stride 1, NO padding (the
//     reference's pool_2d with ignore_border=True, st=(1,1)); then
//   training: y [N,C,OH,OW] = m[:, :, rows, :][:, :, :, cols], rows and columns drawn per axis
//     independently. One axis, input length n, pooled length P = n - 1, grid g, stride s:
//       grids:   G = floor(n / g)   (of the INPUT length n, as the reference)
//       grid i:  starts at g*i; holds g pooled rows, except the last (i = G-1), which holds the
//                rest, L = P - g*(G-1) = g - 1 + (n mod g) rows (fewer or more than g)
//       kept:    k = floor(g / s) per grid (integer division when s does not divide g), but at
//                most the grid's size: min(k, L) in the last grid
//       draw:    the first min(k, size) entries of a uniform random permutation of the grid's
//                rows, sorted (a uniform random subset); here by partial Fisher-Yates, swap j
//                with j + RandomStream(seed, stream_id(step, axis)).below(g*i + j, size - j),
//                axis 0 = rows, 1 = columns
//       OH = (G - 1) * k + min(k, L)   (= n / s when g divides n, s divides g and s >= 2)
//     Stride 1 along an axis: k = g, so every full grid keeps all its rows in order; the last
//     keeps all its L rows when L <= g (n mod g <= 1: OH = n - 1, plain max pooling) and a random
//     g of them otherwise.
//     Needs g >= s (k >= 1) and n >= max(g, 2). The grid defaults to the stride (the reference's
//     grid_size=None); the paper's CIFAR-10 ResNet uses 16 then 8 (train_model.sh).
//     One draw per axis per training step for the WHOLE BATCH: every sample and channel keeps the
//     same rows and columns, as the reference (input[:, :, idx_w][:, :, :, idx_h], one
//     permutation per grid per call). The draw depends only on (seed, step, axis, grid) and is
//     made before the parallel loop: bitwise identical at any thread count and across resume;
//     the caller advances `step` on every training call (the layer keeps that counter).
//   evaluation (deterministic): y = average pooling of m with kernel s, stride s, padding
//     floor(s/2), padding excluded from the count (the reference's pool_2d mode
//     'average_exc_pad', padding pool_size/2): OH = floor((H - 1 + 2*floor(s/2) - s) / s) + 1.
//     Odd, but the reference's: evaluation averages where training samples, and its output
//     size equals training's only when g divides n and s divides g (H = 7, s = g = 2: 4 rows in
//     evaluation, 3 in training); a head that needs a fixed size (flatten) fails on the others.
//   Ties: the first maximum in row-major 2x2 window order; NaN propagates (as max_pool2d).
// Gradient: training: gx[argmax of m at (rows[oh], cols[ow])] += gy[oh, ow]; only the selected
//   rows and columns receive gradient. Evaluation: through max_pool2d and avg_pool2d.
// Parallel over the N*C planes, same split in backward: bitwise identical at any thread count.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct S3Pool {
  Size2d stride{2, 2};   // s >= 1 per axis: the reference's pool_size
  Size2d grid{0, 0};     // g >= s per axis; {0, 0}: the stride (the reference's default)
  bool training = true;  // training: sampled rows and columns; eval: average pooling
  uint64_t seed = 0;
  uint64_t step = 0;  // call counter: a new draw for every training call
};

// The rows and columns kept in training, sorted indices into the pooled [H-1, W-1] map.
struct S3PoolDraw {
  std::vector<int64_t> rows;
  std::vector<int64_t> cols;
};

Shape s3_pool2d_out_shape(const Shape& x, const S3Pool& options);  // by options.training
// The training output length along one axis of input length n (OH above).
int64_t s3_pool_kept_length(int64_t n, int64_t grid, int64_t stride);
// The draws s3_pool2d(x, options) makes in training for an input of H x W.
S3PoolDraw s3_pool2d_draw(int64_t H, int64_t W, const S3Pool& options);

Tensor s3_pool2d(const Tensor& x, const S3Pool& options = {});
// Training with the given rows and columns (indices into the pooled map, any order, repeats
// allowed): y = m[:, :, rows][:, :, :, cols]; `training`, `seed`, `step` are not used.
Tensor s3_pool2d(const Tensor& x, std::span<const int64_t> rows, std::span<const int64_t> cols,
                 const S3Pool& options = {});

}  // namespace poolnet
