// Translation invariant polyphase sampling (Saha & Gokhale 2024, "Improving Shift Invariance in
// Convolutional Neural Networks with Translation Invariant Polyphase Sampling"; reference code
// sourajitcs/tips, tips.py: class TIPS and feat_transform; the loss in train_test.py and util.py).
// Composed from existing ops (pad, conv2d, relu, adaptive_avg_pool2d, softmax, matmul,
// polyphase_mix, roll/translate, mean), so autograd gives every gradient; no kernel of its own.
//
//   tips_pad(x, s): x [N,C,H,W] -> xp [N,C,HP,WP], HP = ceil(H/sh)*sh, WP = ceil(W/sw)*sw:
//     reflect padding of (sh - H mod sh) mod sh rows at the TOP and (sw - W mod sw) mod sw
//     columns at the LEFT (tips.py: an odd H gets ReflectionPad2d((0, 0, 1, 0)), an odd W
//     ReflectionPad2d((1, 0, 0, 0)); the rule here is the same for s = 2 and extends it to any
//     stride). Reflection needs the pad < H (W): ShapeError otherwise.
//   tips_branch(xp, w1 [C,1,K,K], w2 [C,1,1,1], s, mode) -> {psi, weights}:
//     psi = relu(depthwise_conv(xp, w1, padding (K-1)/2, stride 1, no bias))  [N,C,HP,WP]
//       (K odd, so psi has xp's size; the padding is zeros as tips.py, or `mode`, the model's
//       padding mode: circular makes psi commute with circular shifts)
//     a   = adaptive_avg_pool2d(psi, (sh, sw)) * w2 (a per-channel 1x1 depthwise conv)  [N,C,sh,sw]
//     tau = softmax over the P = sh*sw bins of a, flattened row-major (bin index bi*sw + bj)
//     weights[n,c,i*sw + j] = tau[n,c, j*sh + i]   [N,C,P]
//       tips.py stacks the components column-major (x[0::2,0::2], x[1::2,0::2], x[0::2,1::2],
//       x[1::2,1::2]: component (i, j) at stack index j*sh + i) and multiplies the k-th of them
//       by the k-th flattened pooled bin; the weight of component (i, j) (rows i::sh, columns
//       j::sw) is therefore the bin (j, i) for a square stride: a transpose, kept here.
//   tips_downsample(x, w1, w2, s, mode) -> {y, psi, xp}:
//     y[n,c] = sum_p weights[n,c,p] * component_p(xp) = polyphase_mix(xp, weights, s)
//     [N,C,HP/sh,WP/sw]; the same in training and evaluation (deterministic, no draw).
//   tips_regulariser(xp, psi, shift, mode): the shift-consistency ("undo") term of train_test.py
//     (aux_criterion = MSELoss between TIPS's psi_x and x_t):
//       R = mean over [N,C,HP,WP] of (psi - T_t(xp))^2
//     T_t is feat_transform: mode circular = roll(xp, t) (transform_type 'circular', what
//     train_test.py trains with), zeros = translate(xp, t, 0) (tips.py's default 'standard':
//     roll, then the vacated rows and columns set to 0). t = (dy, dx), content moved dy rows
//     down and dx columns right. The gradient flows into psi AND into xp through T_t(xp): the
//     reference calls `x_t.detach()` without using its result, so x_t is not detached.
//     R = 0 exactly when psi equals the shifted input (e.g. t = 0, w1 a centred unit tap and
//     xp >= 0).
//   tips_draw_shift(max_shift, seed, step): t uniform in [-max.h, max.h] x [-max.w, max.w]: one
//     shift per training forward for the whole batch (as feat_transform), dy =
//     RandomStream(seed, stream_id(kTipsStream, step)).below(0, 2*max.h+1) - max.h, dx the same
//     with index 1; a pure function of (seed, step), so it never depends on the thread count.
//
// Shapes: ShapeError "tips: ..." for x not 4-D, w1 not [C,1,K,K] with K odd, w2 not [C,1,1,1],
// a stride below 1 or a pad the reflection cannot make.
#pragma once

#include <cstdint>

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

enum class TipsShiftMode { kCircular, kZeros };

struct TipsBranch {
  Tensor psi;      // [N,C,HP,WP]
  Tensor weights;  // [N,C,P], P = sh*sw, indexed i*sw + j
};

struct TipsOutput {
  Tensor y;    // [N,C,HP/sh,WP/sw]
  Tensor psi;  // [N,C,HP,WP]
  Tensor xp;   // the padded input [N,C,HP,WP]
};

Tensor tips_pad(const Tensor& x, Size2d stride);
TipsBranch tips_branch(const Tensor& xp, const Tensor& w1, const Tensor& w2, Size2d stride,
                       PadMode padding_mode = PadMode::kZeros);
TipsOutput tips_downsample(const Tensor& x, const Tensor& w1, const Tensor& w2, Size2d stride,
                           PadMode padding_mode = PadMode::kZeros);
Tensor tips_regulariser(const Tensor& xp, const Tensor& psi, Size2d shift, TipsShiftMode mode);
Size2d tips_draw_shift(Size2d max_shift, uint64_t seed, uint64_t step);

}  // namespace poolnet
