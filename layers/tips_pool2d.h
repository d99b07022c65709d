// TipsPool2d (Saha & Gokhale 2024, translation invariant polyphase sampling; op: tips_downsample
// in framework/ops/tips.h, which defines the mixture and the regulariser exactly; reference
// sourajitcs/tips, tips.py class TIPS):
//   x [N,C,H,W] -> y [N,C,ceil(H/sh),ceil(W/sw)], the per-channel softmax mixture of the sh*sw
//   polyphase components of x (reflect-padded at the top/left to a multiple of the stride).
// Parameters (PyTorch names of tips.py's TIPS): conv1.weight [C,1,K,K] (the depthwise KxK
// convolution of the branch, zero padding as tips.py or the model's padding mode), conv2.weight
// [C,1,1,1] (its depthwise 1x1 convolution), both without bias, initialised as PyTorch's Conv2d
// from the seed.
// The output is the same in training and evaluation. In training, each forward also draws a
// shift t (tips_draw_shift from (seed, calls)) and keeps what regulariser() = tips_regulariser(xp,
// psi, t, shift_mode) of that forward needs; the trainer adds it to the loss (--tips-loss), and
// it is computed only when asked for. The call counter is checkpointed, so a resumed run draws the
// same shifts. Evaluation draws nothing and leaves regulariser() undefined.
#pragma once

#include <memory>

#include "framework/ops/tips.h"
#include "layers/conv2d.h"
#include "layers/module.h"

namespace poolnet {

struct TipsPool2dOptions {
  int64_t channels = 0;
  int64_t kernel = 3;                // K, odd: the branch's depthwise convolution (tips.py's default)
  Size2d stride{2, 2};
  PadMode padding_mode = PadMode::kZeros;  // of the KxK convolution (tips.py: zeros)
  Size2d max_shift{2, 2};            // the regulariser's shifts: uniform in [-max, max] (tips.py's default)
  TipsShiftMode shift_mode = TipsShiftMode::kCircular;  // train_test.py trains with 'circular'
  uint64_t seed = 0;                 // parameter init and the shifts
};

class TipsPool2d : public Module {
 public:
  // ConfigError for channels < 1, an even or non-positive kernel, a stride < 1 or a negative shift.
  explicit TipsPool2d(TipsPool2dOptions options);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "TipsPool2d(4, kernel=3, stride=2x2, padding=zeros)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;
  const TipsPool2dOptions& options() const { return options_; }
  uint64_t calls() const { return calls_; }  // training forwards so far
  // The regulariser of the last training forward (a scalar with its graph, computed by this
  // call), undefined after an evaluation forward; and the shift it used.
  Tensor regulariser() const;
  Size2d last_shift() const { return last_shift_; }
  const Conv2d& conv1() const { return *conv1_; }
  const Conv2d& conv2() const { return *conv2_; }

 private:
  TipsPool2dOptions options_;
  std::shared_ptr<Conv2d> conv1_, conv2_;
  uint64_t calls_ = 0;
  Tensor last_xp_, last_psi_;  // of the last training forward; undefined after an evaluation one
  Size2d last_shift_{0, 0};
};

}  // namespace poolnet
