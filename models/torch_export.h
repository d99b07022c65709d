// PyTorch source for a model (`poolnet inspect --format torch`).
//
// torch_source(model) returns self-contained Python (it imports torch only) that defines
// build() -> nn.Module: the same module tree, parameter and buffer names equal to poolnet's
// (the state_dict keys are exactly the names of model.safetensors: "features.0.weight",
// "classifier.5.bias", BatchNorm's "running_mean" / "running_var"; nn.BatchNorm2d is subclassed
// to drop its num_batches_tracked buffer, which poolnet does not keep), so
// build().load_state_dict(weights, strict=True) loads a poolnet checkpoint, and the same forward
// computation. Standard modules where PyTorch has them (nn.Conv2d with padding_mode, nn.MaxPool2d,
// nn.AvgPool2d, nn.LPPool2d, nn.Linear, nn.ReLU, nn.Flatten, nn.Identity,
// nn.Sequential, nn.AdaptiveAvgPool2d(1) / nn.AdaptiveMaxPool2d(1) + nn.Flatten for the global
// pools); small nn.Module classes emitted next to build() for the poolnet-specific layers
// (BlurPool2d, MaxBlurPool2d, ConvBlurPool2d, ApsPool2d, MixedPool2d, SoftPool2d,
// StochasticPool2d, GlobalAvgMaxPool, resnet's BasicBlock), each following its op's documented
// semantics (padding rules, binomial filters, APS phase choice in double with ties to the lowest
// phase). StochasticPool2d matches in eval mode; its training draws come from torch's generator.
// A module without a PyTorch equivalent is a ConfigError naming it and its place in the tree.
#pragma once

#include <string>

#include "models/model.h"

namespace poolnet {

std::string torch_source(const Model& model);

}  // namespace poolnet
