// The residual block of the CIFAR ResNet (internal to models/; declared here so that tests and
// the PyTorch exporter can recognise it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/polyphase_choice.h"
#include "layers/module.h"
#include "models/families.h"

namespace poolnet {

// conv3x3 -> BN -> ReLU -> [DOWN] -> conv3x3 -> BN, plus the shortcut, then ReLU.
// Downsampling blocks put the strategy after the first ReLU (as anti-aliased ResNets put their
// blur pool) and downsample the shortcut the same way before its 1x1 conv; with `aps`,
// `aps_blur` and `lps` the shortcut follows the residual branch's polyphase choice (the same
// blur, then its phases, or LPS's mixture weights in training: PolyphaseChoice), so the block
// stays exactly shift invariant under circular padding; with
// `strided_conv` the shortcut is a stride-2 1x1 conv. Children, in order: conv1, bn1, [down],
// conv2, bn2, [shortcut_down], [shortcut_conv, shortcut_bn] (the last two when the block
// downsamples or changes the channel count).
class BasicBlock : public Module {
 public:
  BasicBlock(const ModelSpec& spec, int64_t in, int64_t out, bool downsample, SeedSequence& seeds);

  Tensor forward(const Tensor& x) override;
  std::string describe() const override;
  // Children conv1, bn1, [down], conv2, bn2, [shortcut_down], [shortcut_conv, shortcut_bn].
  ModuleConfig config() const override { return {"BasicBlock", {{"phase_shortcut", choice_ != nullptr}}}; }
  // The residual branch has the widest field: conv1, the downsampler, conv2.
  std::vector<Window> windows() const override;

  // The downsampler whose polyphase choice the shortcut follows, or null.
  const PolyphaseChoice* phase_choice() const { return choice_; }

 private:
  std::shared_ptr<Module> conv1_, bn1_, down_, conv2_, bn2_, shortcut_down_, shortcut_conv_, shortcut_bn_;
  const PolyphaseChoice* choice_ = nullptr;
};

}  // namespace poolnet
