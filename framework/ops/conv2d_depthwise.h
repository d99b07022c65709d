// Depthwise convolution kernels (an internal kernel of conv2d, not an op): groups == C == OC,
// one KHxKW filter per channel, as the branch of the tips strategy (framework/ops/tips.cpp).
// im2col would run one GEMM of a single row per group; here every (sample, channel) plane is
// convolved on its own, blocks of 16 (or 8) output columns held in vector registers over all
// taps (a row's last block ends at OW, overlapping the one before).
//
//   y [N,C,OH,OW] = b [C] (or 0) + sum over (kh, kw) of w[c,0,kh,kw] * xpad[n,c,oh*sh+kh*dh,ow*sw+kw*dw]
//   Any kernel size, stride, dilation and padding mode (pad_source_index). A plane's padded copy
//   xq [PH, sw, L] holds padded row r split into its sw column phases (xq[r,j,u] = xpad[r,u*sw+j]),
//   so every kernel offset reads a contiguous run of an output row's inputs.
//   Gradient: gx += the padded input gradient gxq folded back onto the pixels it copied, where
//   gxq is, at stride 1, the forward kernel run over gy zero-padded by the dilated kernel's
//   extent with the filter flipped in both axes, and otherwise the taps scattered into a zeroed
//   xq; gw[c,kh,kw] += sum over n, oh, ow of gy * xpad; gb[c] += sum of gy over n, oh, ow.
//
// Forward and input gradient run in parallel over the N*C planes (each value summed in a fixed
// (kh, kw) order); weight and bias gradients in parallel over channels: per output column, each
// plane's sum over rows, added in sample order, then the columns added left to right. Every
// result depends only on the operands and the shapes, never on the thread count.
#pragma once

#include <cstdint>

#include "framework/ops/conv2d_problem.h"

namespace poolnet::conv2d_depthwise {

using Problem = ConvProblem;

// True when p is depthwise: groups == C == OC.
bool supports(const Problem& p);

// x [N,C,H,W], w [C,1,KH,KW], b [C] or null -> y [N,C,OH,OW] (written, not accumulated).
void forward(const Problem& p, const float* x, const float* w, const float* b, float* y);

// gx [N,C,H,W] += input gradient, gw [C,1,KH,KW] and gb [C] += parameter gradients of the
// upstream gradient gy [N,C,OH,OW]; any of gx, gw, gb may be null (not wanted).
void backward(const Problem& p, const float* x, const float* w, const float* gy, float* gx, float* gw, float* gb);

}  // namespace poolnet::conv2d_depthwise
