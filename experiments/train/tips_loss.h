// --tips-loss alpha=A,start_epoch=E: the shift-consistency loss of translation invariant
// polyphase sampling (Saha & Gokhale 2024; sourajitcs/tips, train_test.py's aux_criterion). From
// epoch E on (epochs counted from 1, train_test.py's wake_up_at), every training step's loss is
//   cross_entropy + A * sum over the model's TipsPool2d layers of their last forward's
//   regulariser R = mean((psi - T_t(xp))^2)   (framework/ops/tips.h defines R, psi, T_t and t)
// and before epoch E the cross-entropy alone. Differences from train_test.py, which computes
//   mean(1 - ||tau||_2) + (1 - A) * cross_entropy + A * sum over blocks of R_block / num_down
// (R_block: one mean over the channels of a residual block's two TIPS layers): no (1 - A) on the
// cross-entropy, no 1/num_down, one R per layer, and no index term mean(1 - ||tau||_2).
// The shifts t are drawn by each layer from (its seed, its call counter), which checkpoints save,
// so a resumed run is bitwise the same as an uninterrupted one.
// Text: "" or "none" turns it off; keys alpha (>= 0, default 0.35, train_test.py's) and
// start_epoch (>= 1, default 1), comma-separated, each at most once.
#pragma once

#include <cstdint>
#include <string>

#include "framework/tensor.h"
#include "layers/module.h"

namespace poolnet {

struct TipsLoss {
  bool enabled = false;
  double alpha = 0.35;
  int64_t start_epoch = 1;
};

TipsLoss parse_tips_loss(const std::string& text);  // ConfigError naming --tips-loss
std::string to_string(const TipsLoss& loss);         // "" when off, else "alpha=A,start_epoch=E"

// The sum of the regularisers of the TipsPool2d layers in `model`'s tree that have one (their
// last forward was in training mode), in registration order; undefined if there are none.
Tensor tips_regulariser_sum(const Module& model);

}  // namespace poolnet
