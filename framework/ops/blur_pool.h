// Anti-aliased downsampling (Zhang 2019, "Making convolutional networks shift-invariant again"):
// a depthwise binomial low-pass filter, then subsampling by `stride`.
//
//   blur_pool2d(x, Blur2d{.filter_size = F, .stride = {sh, sw}, .padding_mode = m})
//     x [N,C,H,W] -> y [N,C,OH,OW],  OH = ceil(H/sh), OW = ceil(W/sw)  (blur_length, geometry.h)
//   y[n,c,oh,ow] = sum_{i,j} kh[i] kw[j] xp[n,c, oh*sh + i, ow*sw + j]
//   k = row F-1 of Pascal's triangle / 2^(F-1) (F = 1..7; e.g. F=3: [1,2,1]/4), so the 2-D
//   filter kh kw^T sums to 1 and every weight is exact in float.
//   Anisotropic strides (blur_filter_sizes): an axis that is not subsampled (stride 1) while the
//   other is gets no filter (kh or kw = [1], no padding along it), so stride 2x1 blurs along H
//   only, with the 1-D filter k; otherwise both axes use k (stride 1x1 is a pure 2-D blur).
//
// Border handling (the reference implementation's, adobe/antialiased-cnns `BlurPool`): xp is x
// padded by floor((F-1)/2) before and ceil((F-1)/2) after (blur_padding, geometry.h), along H and
// W, with `padding_mode`:
//   reflect (default, as the reference): mirror without repeating the edge pixel;
//   zeros: 0; circular: wrap around (with circular padding, blur commutes exactly with
//   circular shifts by multiples of s).
// Maps smaller than the padding repeat the mirror / wrap periodically (pad_source_index).
// F = 1 is plain subsampling y = x[:, :, ::sh, ::sw]. The filter is a constant, not a parameter.
// Stride 1 is a pure blur (OH = H).
//
// Gradient: the transposed blur, gx[n,c,src(p)] += k[i] k[j] gy for every padded position p read.
// Kernel: separable (columns, then rows), parallel over the N*C planes; backward uses the same
// split, so results are bitwise identical at any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct Blur2d {
  int64_t filter_size = 3;  // 1..7
  Size2d stride{2, 2};      // >= 1 along each axis
  PadMode padding_mode = PadMode::kReflect;
};

// The filter's taps along H and W: filter_size, or 1 along an axis with stride 1 while the other
// axis has a stride above 1.
Size2d blur_filter_sizes(const Blur2d& options);

// The normalised 1-D binomial filter of `size` taps (row size-1 of Pascal's triangle / 2^(size-1)).
std::vector<float> binomial_filter(int64_t size);

Shape blur_pool2d_out_shape(const Shape& x, const Blur2d& options);
Tensor blur_pool2d(const Tensor& x, const Blur2d& options = {});

}  // namespace poolnet
