// The pieces of the attention-pooling heads (layers/attention_heads.h): tokens, the SimPool value
// transform and single-query multi-head attention.
//
//   to_tokens(x [N,C,H,W]) -> [N, H*W, C]: x.flatten(2).transpose(1, 2); token l = h*W + w.
//     Gradient: the transpose back.
//   shifted_power(v [N,L,C], gamma) -> (v - min_l v + 1e-6)^gamma, the minimum taken per sample
//     and channel over the L tokens (SimPool's value transform, timm SimPool2d in
//     pytorch-image-models, timm/layers/other_pool.py: v - v.amin(dim=-2) + 1e-6, .pow(gamma)).
//     Gradient: gamma d^(gamma-1) through each token, and minus the channel's total through its
//     minimum, split evenly between tied minima (as torch.amin's backward).
//   attention_pool(q [N,C], k [N,L,C], v [N,L,C], heads) -> [N,C] and the weights [N,heads,L]:
//     the channels split into `heads` groups of d = C/heads; per sample and head
//       a_l = softmax_l( (q . k_l) / sqrt(d) ),  out = sum_l a_l v_l
//     (one query: torch.nn.functional.scaled_dot_product_attention, or the attention inside
//     F.multi_head_attention_forward, for a single query token). Gradients to q, k and v.
//     The weights are returned detached (for pictures of where the head looks).
// NaN propagates. Parallel over samples; nothing is summed across samples, so results are
// bitwise identical at any thread count.
#pragma once

#include "framework/tensor.h"

namespace poolnet {

Tensor to_tokens(const Tensor& x);
Tensor shifted_power(const Tensor& v, float gamma);

struct AttentionPoolResult {
  Tensor out;      // [N, C]
  Tensor weights;  // [N, heads, L], no gradient
};
AttentionPoolResult attention_pool(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads);

}  // namespace poolnet
