// Adaptive polyphase sampling (Chaman & Dokmanić 2021, "Truly shift-invariant convolutional
// neural networks"): downsampling by s that keeps, per sample, the polyphase component with the
// largest norm, so a circular shift of the input selects the same (shifted) component.
//
//   x [N,C,H,W] -> y [N,C,OH,OW],  stride s = sh x sw (Size2d; any sh, sw >= 1 with sh*sw >= 2,
//   so 3x3, 2x1 and 1x2 all work), OH = ceil(H/sh), OW = ceil(W/sw).
//   Odd and non-divisible sizes: if H is not a multiple of sh or W of sw, x is first padded
//   circularly at the bottom/right up to OH*sh x OW*sw (xp[h, w] = x[h mod H, w mod W]).
//   Component (i, j), 0 <= i < sh, 0 <= j < sw, is xp[:, :, i::sh, j::sw]; its phase index is
//   p = i*sw + j, P = sh*sw phases.
//   Per sample n, the norm of a component is taken over all its channels and positions:
//     l2: sum of squares (the square root does not change the order), l1: sum |v|, linf: max |v|
//   (accumulated in double). The chosen phase is the one with the largest norm; ties go to the
//   lowest phase index; a NaN norm wins (NaN propagates).
//
//   aps_phases(x, options)       -> the chosen phase per sample (no gradient)
//   aps_select(x, phases, s)     -> y[n] = component phases[n] of x[n] (differentiable); lets a
//                                   residual shortcut reuse the main branch's choice
//   aps_downsample(x, options)   =  aps_select(x, aps_phases(x, options), s)
//   aps_downsample_with_phases   -> both
//   polyphase_mix(x, weights, s) -> y[n,c] = sum_p w[n,(c),p] * component p of x[n,c], weights
//                                   [N,P] (one mixture per sample, learnable polyphase sampling's
//                                   training path) or [N,C,P] (one per channel, TIPS); summed in
//                                   phase order. Differentiable in x and in the weights:
//                                   gx[component p] += w[n,(c),p] gy,
//                                   gw[n,(c),p] += sum over (c,) oh, ow of gy * component p.
//   polyphase_unpool(y, phases, s, size)
//                                -> x [N,C,H,W] (default H = OH*sh, W = OW*sw; any H, W with
//                                   ceil(H/sh) = OH, ceil(W/sw) = OW): y[n] put back at component
//                                   phases[n], zeros elsewhere, wrapping as above; the adjoint of
//                                   aps_select, so aps_select(polyphase_unpool(y, p, s), p, s) = y.
//                                   The upsampling of learnable polyphase sampling's encoder-
//                                   decoders (Rojas-Gomez et al. 2022, raymondyeh07/
//                                   learnable_polyphase_sampling, its unpooling layer): with the
//                                   phases of the matching downsampling, a circular shift of that
//                                   layer's input shifts the output of the pair alike.
//
// Gradient: flows only through the chosen component: gx[n,c,h mod H, w mod W] += gy[n,c,oh,ow]
// for (h, w) = (oh*sh + i, ow*sw + j); the choice itself is piecewise constant (no gradient).
// polyphase_unpool's gradient is aps_select of the output gradient at the same phases.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

enum class ApsNorm { kL2, kL1, kLinf };

ApsNorm parse_aps_norm(std::string_view name);  // "l2" | "l1" | "linf", else ConfigError
std::string to_string(ApsNorm norm);

struct Aps {
  Size2d stride{2, 2};  // sh, sw >= 1, sh*sw >= 2
  ApsNorm norm = ApsNorm::kL2;
};

struct ApsResult {
  Tensor y;                     // [N, C, OH, OW]
  std::vector<int64_t> phases;  // N chosen phases, each in [0, sh*sw)
};

Shape aps_out_shape(const Shape& x, Size2d stride, std::string_view op = "aps_downsample");
std::vector<int64_t> aps_phases(const Tensor& x, const Aps& options = {});
Tensor aps_select(const Tensor& x, std::span<const int64_t> phases, Size2d stride);
Tensor aps_downsample(const Tensor& x, const Aps& options = {});
ApsResult aps_downsample_with_phases(const Tensor& x, const Aps& options = {});
Tensor polyphase_unpool(const Tensor& y, std::span<const int64_t> phases, Size2d stride);
Tensor polyphase_unpool(const Tensor& y, std::span<const int64_t> phases, Size2d stride, Size2d output_size);
Tensor polyphase_mix(const Tensor& x, const Tensor& weights, Size2d stride);

}  // namespace poolnet
