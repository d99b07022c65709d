// Detail-preserving pooling (Saeedan, Weber & Roth, CVPR 2018, "Detail-preserving pooling in deep
// networks"), the symmetric "lite" variant of the authors' code (visinf/dpp, Lua/Torch: the graph
// built in DPP_sym_lite:__init, visinf_package/DPP_sym_lite.lua, with CWeightCalc:updateOutput and
// PositiveBias:updateOutput of visinf_package/CWeightCalc.lua and PositiveBias.lua). Each
// window's output is the average of its values weighted by a reward for differing from the
// window's box-filtered guide:
//
//   dpp_pool2d(x, log_alpha, log_lambda, DppPool{.window = {KH, KW}})
//     x [N,C,H,W], log_alpha [C], log_lambda [C] -> y [N,C,OH,OW],  OH = floor(H / KH), OW = floor(W / KW)
//   windows KH x KW with stride KH x KW (the authors': 2x2, stride 2); rows and columns past the last
//   whole window are not read (floor mode, as avg_pool2d).
//   Per window with values v_1..v_K (K = KH*KW) and per channel c:
//     g    = mean(v)                          the "lite" guide x~: average pooling (the reference's
//                                             SpatialAveragePooling(2,2,2,2) + nearest upsampling)
//     s_i  = (v_i - g)^2 + eps^2,  eps^2 = 1e-3          (nn.Power(2), nn.AddConstant(1e-3))
//     r_i  = s_i / mean(s)                    the reference divides by the window mean of s
//                                             (CDivTable with xn) before the power
//     w_i  = alpha_c + r_i^(lambda_c / 2)     rho_sym(d) = sqrt(d^2 + eps^2)^lambda, normalised
//     y    = sum_i w_i v_i / sum_i w_i        (avgpool(v * w) / avgpool(w) in the reference)
//   alpha_c = exp(min(log_alpha_c, 10)) > 0   (PositiveBias: exp of its weight, capped at 10)
//   lambda_c = exp(log_lambda_c) > 0          (CWeightCalc: input^(exp(weight) / 2))
//   The reference caps alpha's weight by overwriting the parameter with 10 in its forward; here the
//   cap is min(., 10) in the op, which gives the same outputs, and its exact gradient (zero above 10,
//   PyTorch's clamp convention at 10). The paper's equations omit the division by mean(s); the
//   code has it, and it makes the reward scale-free within each window.
// r^(lambda/2) is evaluated as exp((lambda/2) ln r); the forward pass keeps ln r and the power of
// every window for the backward pass when a gradient is needed (2 floats per input value read).
// NaN (or an infinity) in a window makes that window's output NaN.
// Gradient (per window, gy its upstream gradient, S = sum w, p_i = r_i^(lambda/2)):
//   gw_i = gy (v_i - y) / S                     (through the weights; directly: gv_i = gy w_i / S)
//   g log_alpha_c  = alpha_c [log_alpha_c <= 10] * sum of gw_i over the channel's windows
//   g log_lambda_c = (lambda_c / 2) * sum of gw_i p_i ln r_i over the channel's windows
//   gr_i = gw_i (lambda/2) p_i / r_i,  gs_i = (gr_i - mean_j(gr_j r_j)) / mean(s),
//   gd_i = 2 (v_i - g) gs_i,  gv_i += gd_i - mean_j(gd_j)   (the guide g depends on v too).
// Forward and input gradient parallel over the N*C planes; the parameter gradients sum each plane's
// part (in double) and then the planes of a channel in the order n = 0..N-1: bitwise identical at any
// thread count.
#pragma once

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

inline constexpr float kDppEpsilonSquared = 1e-3f;  // eps^2, added to the squared difference
inline constexpr float kDppLogAlphaMax = 10.0f;     // log_alpha is capped here

struct DppPool {
  Size2d window{2, 2};  // kernel = stride, >= 1
};

Shape dpp_pool2d_out_shape(const Shape& x, const Shape& log_alpha, const Shape& log_lambda, const DppPool& options);
Tensor dpp_pool2d(const Tensor& x, const Tensor& log_alpha, const Tensor& log_lambda, const DppPool& options = {});

}  // namespace poolnet
