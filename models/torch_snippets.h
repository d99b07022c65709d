// The Python source of the helpers `poolnet inspect --format torch` emits next to build():
// small nn.Module classes and functions for the layers PyTorch has no module for, each
// reproducing the poolnet op's documented semantics (internal to models/torch_export.cpp).
#pragma once

#include <set>
#include <string>

namespace poolnet::torch_snippets {

// Helper names: "blur", "aps", "windows" (functions); "BatchNorm2d", "BlurPool2d", "MaxBlurPool2d",
// "ConvBlurPool2d", "ApsPool2d", "MixedPool2d", "SoftPool2d", "StochasticPool2d",
// "GlobalAvgMaxPool", "BasicBlock" (nn.Module classes).
// The source of `names` and of everything they use, each once, in dependency order.
// ConfigError for an unknown name.
std::string source(const std::set<std::string>& names);

}  // namespace poolnet::torch_snippets
