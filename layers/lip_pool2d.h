// LipPool2d: local importance pooling with the logit module of the "simplified" LIP (Gao, Wang &
// Wu, ICCV 2019; reference code sebgao/LIP, imagenet/lip_resnet.py: SimplifiedLIP, SoftGate,
// lip2d; the LIP-ResNet's first pooling layer):
//
//   y = lip_pool2d(x, G(x), pool),  G(x) = coeff * sigmoid(bn(conv(x)))
//   conv: C -> C, logit_kernel x logit_kernel, stride 1, padding (logit_kernel - 1)/2, no bias
//         (the reference: 3x3, padding 1), padding mode of the network;
//   bn:   InstanceNorm2d(C, affine=true), eps 1e-5;
//   gate: SoftGate, coeff * sigmoid (the reference's COEFF = 12): logits in (0, coeff).
// Initialisation as SimplifiedLIP.init_layer: the conv's weight is zero, the norm's weight 1 and
// bias 0, so a new layer's logits are the constant coeff/2 and it starts as average pooling
// over each window's input pixels (the gradient still reaches the conv through the norm).
// Parameters (PyTorch names, so a SimplifiedLIP's state_dict loads by name):
//   logit.conv.weight [C,C,k,k], logit.bn.weight [C], logit.bn.bias [C].
// The pooling window defaults to lip2d's (kernel 3, stride 2, padding 1). Padding mode zeros: the
// window's padding takes no part (lip2d); circular: x and the logits wrap around by the padding
// before an unpadded lip_pool2d, so that with circular convolutions the layer commutes with
// circular shifts by multiples of the stride.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/ops/lip_pool.h"
#include "layers/conv2d.h"
#include "layers/instance_norm2d.h"
#include "layers/module.h"

namespace poolnet {

struct LipPool2dOptions {
  int64_t channels = 0;                    // C, >= 1
  LipPool pool{};                          // the pooling window
  int64_t logit_kernel = 3;                // odd, >= 1
  double coeff = 12.0;                     // the gate's scale, > 0
  PadMode padding_mode = PadMode::kZeros;  // of the logit conv and the pooling window
  uint64_t seed = 0;                       // the conv's default initialisation (then zeroed, as the reference)
};

// The logit module G: conv -> InstanceNorm2d -> coeff * sigmoid; children "conv" and "bn".
class LipLogit : public Module {
 public:
  LipLogit(const LipPool2dOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "LipLogit(4, kernel=3x3, coeff=12)"
  ModuleConfig config() const override;   // "LipLogit(coeff=..., conv=..., bn=...)"
  Conv2d& conv() const { return *conv_; }
  InstanceNorm2d& bn() const { return *bn_; }

 private:
  double coeff_;
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<InstanceNorm2d> bn_;
};

class LipPool2d : public Module {
 public:
  explicit LipPool2d(LipPool2dOptions options);  // ConfigError for options that cannot work
  Tensor forward(const Tensor& x) override;
  // "LipPool2d(4, kernel=3x3, stride=2x2, padding=1x1, logit_kernel=3, padding_mode=zeros)"
  std::string describe() const override;
  ModuleConfig config() const override;  // the pooling window; the logit module is the child "logit"
  // The logit conv's window, then the pooling window: an output reads x through both.
  std::vector<Window> windows() const override;
  const LipPool2dOptions& options() const { return options_; }
  LipLogit& logit() const { return *logit_; }

 private:
  LipPool2dOptions options_;
  std::shared_ptr<LipLogit> logit_;
};

}  // namespace poolnet
