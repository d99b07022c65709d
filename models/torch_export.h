// PyTorch source for a model (`poolnet inspect --format torch`).
//
// torch_source(model) returns self-contained Python (it imports torch only) that defines
// build() -> nn.Module: the same module tree, parameter and buffer names equal to poolnet's
// (the state_dict keys are exactly the names of model.safetensors: "features.0.weight",
// "classifier.5.bias", BatchNorm's "running_mean" / "running_var"), so
// build().load_state_dict(weights, strict=True) loads a poolnet checkpoint, and the same forward
// computation. The script is models/torch_modules.py (one Python equivalent per poolnet layer
// type: the nn module where PyTorch has one, a small class following the op's documented
// semantics where it does not) followed by build(), which writes every layer as
// `Type(arg=value, ..., child=...)` from its ModuleConfig (layers/module.h). StochasticPool2d
// matches in eval mode; its training draws come from torch's generator. A layer without a
// config is a ConfigError naming it and its place in the tree.
#pragma once

#include <string>

#include "models/model.h"

namespace poolnet {

std::string torch_source(const Model& model);

}  // namespace poolnet
