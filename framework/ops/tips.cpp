#include "framework/ops/tips.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/ops/adaptive_pool.h"
#include "framework/ops/aps.h"
#include "framework/ops/conv2d.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/matmul.h"
#include "framework/ops/pad.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/ops/softmax.h"
#include "framework/random.h"

namespace poolnet {

namespace {
constexpr uint64_t kTipsStream = 0x7469707300000000ULL;  // "tips": the regulariser's shifts

void check_stride(Size2d stride, const Shape& x) {
  if (stride.h < 1 || stride.w < 1) {
    throw ShapeError(fmt::format("tips: stride must be >= 1, got {} (x={})", to_string(stride), shape_str(x)));
  }
}

// (sh - n mod sh) mod sh: the rows (columns) that make n a multiple of the stride.
int64_t pad_to_multiple(int64_t n, int64_t s) { return (s - n % s) % s; }

// The P x P matrix that moves tau's entry j*sh + i (tips.py's stacking order) to i*sw + j
// (polyphase_mix's phase order): weights = tau @ M.
Tensor phase_order(Size2d s) {
  const int64_t P = s.h * s.w;
  Tensor m = Tensor::zeros({P, P});
  for (int64_t i = 0; i < s.h; ++i) {
    for (int64_t j = 0; j < s.w; ++j) m.data()[(j * s.h + i) * P + i * s.w + j] = 1.0f;
  }
  return m;
}
}  // namespace

Tensor tips_pad(const Tensor& x, Size2d stride) {
  if (x.dim() != 4) throw ShapeError(fmt::format("tips: expected x [N,C,H,W], got {}", shape_str(x.shape())));
  check_stride(stride, x.shape());
  const int64_t H = x.size(2), W = x.size(3);
  const Padding2d amount{.top = pad_to_multiple(H, stride.h), .left = pad_to_multiple(W, stride.w)};
  if (amount.top == 0 && amount.left == 0) return x;
  if (amount.top >= H || amount.left >= W) {
    throw ShapeError(fmt::format("tips: input {}x{} too small to reflect-pad to a multiple of stride {} (x={})", H,
                                 W, to_string(stride), shape_str(x.shape())));
  }
  return pad(x, amount, PadMode::kReflect);
}

TipsBranch tips_branch(const Tensor& xp, const Tensor& w1, const Tensor& w2, Size2d stride, PadMode padding_mode) {
  if (xp.dim() != 4) throw ShapeError(fmt::format("tips: expected x [N,C,H,W], got {}", shape_str(xp.shape())));
  check_stride(stride, xp.shape());
  const int64_t N = xp.size(0), C = xp.size(1);
  const Shape& k = w1.shape();
  if (k.size() != 4 || k[0] != C || k[1] != 1 || k[2] != k[3] || k[2] % 2 == 0) {
    throw ShapeError(fmt::format("tips: expected the branch's depthwise weight [{},1,K,K] with K odd, got {} (x={})",
                                 C, shape_str(k), shape_str(xp.shape())));
  }
  if (w2.shape() != Shape{C, 1, 1, 1}) {
    throw ShapeError(fmt::format("tips: expected the branch's 1x1 weight [{},1,1,1], got {} (x={})", C,
                                 shape_str(w2.shape()), shape_str(xp.shape())));
  }
  const int64_t half = (k[2] - 1) / 2, P = stride.h * stride.w;
  TipsBranch b;
  b.psi = relu(conv2d(xp, w1, Tensor(), {.padding = {half, half}, .groups = C, .padding_mode = padding_mode}));
  const Tensor a = mul(adaptive_avg_pool2d(b.psi, stride), reshape(w2, {1, C, 1, 1}));
  const Tensor tau = softmax(reshape(a, {N * C, P}));
  b.weights = reshape(matmul(tau, phase_order(stride)), {N, C, P});
  return b;
}

TipsOutput tips_downsample(const Tensor& x, const Tensor& w1, const Tensor& w2, Size2d stride, PadMode padding_mode) {
  TipsOutput out;
  out.xp = tips_pad(x, stride);
  TipsBranch b = tips_branch(out.xp, w1, w2, stride, padding_mode);
  out.y = polyphase_mix(out.xp, b.weights, stride);
  out.psi = std::move(b.psi);
  return out;
}

Tensor tips_regulariser(const Tensor& xp, const Tensor& psi, Size2d shift, TipsShiftMode mode) {
  if (xp.shape() != psi.shape() || xp.dim() != 4) {
    throw ShapeError(fmt::format("tips: the regulariser compares psi and the shifted input of one shape [N,C,H,W], "
                                 "got psi={} and x={}",
                                 shape_str(psi.shape()), shape_str(xp.shape())));
  }
  const Tensor target = mode == TipsShiftMode::kCircular ? roll(xp, shift) : translate(xp, shift, 0.0f);
  const Tensor d = sub(psi, target);
  return mean(mul(d, d));
}

Size2d tips_draw_shift(Size2d max_shift, uint64_t seed, uint64_t step) {
  const RandomStream r(seed, stream_id(kTipsStream, step));
  return {r.below(0, 2 * max_shift.h + 1) - max_shift.h, r.below(1, 2 * max_shift.w + 1) - max_shift.w};
}

}  // namespace poolnet
