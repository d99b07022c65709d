#include "models/model.h"

#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "models/families.h"

namespace poolnet {

Model::Model(ModelSpec spec, std::shared_ptr<Sequential> features, std::shared_ptr<Sequential> classifier)
    : spec_(std::move(spec)) {
  features_ = register_module("features", std::move(features));
  classifier_ = register_module("classifier", std::move(classifier));
}

Tensor Model::forward(const Tensor& x) { return classifier_->forward(features_->forward(x)); }

std::vector<LayerOutput> Model::trace(const Tensor& x) {
  std::vector<LayerOutput> out;
  std::vector<Window> windows;
  Tensor h = x;
  for (const auto& [prefix, stage] : {std::pair{"features", features_}, std::pair{"classifier", classifier_}}) {
    for (const auto& [name, child] : stage->children()) {
      h = child->forward(h);
      for (const Window& w : child->windows()) windows.push_back(w);
      out.push_back({fmt::format("{}.{}", prefix, name), h, h.dim() == 4 ? cumulative_stride(windows) : 0});
    }
  }
  return out;
}

int64_t cumulative_stride(const std::vector<Window>& windows) {
  int64_t s = 1;
  for (const Window& w : windows) {
    if (w.global) return 0;
    s *= w.stride.w;
  }
  return s;
}

std::shared_ptr<Model> build_model(const ModelSpec& spec, uint64_t seed) {
  validate(spec);
  try {
    std::shared_ptr<Model> model;
    if (spec.family == "lenet") model = build_lenet(spec, seed);
    if (spec.family == "vgg") model = build_vgg(spec, seed);
    if (spec.family == "allconv") model = build_allconv(spec, seed);
    if (spec.family == "resnet") model = build_resnet(spec, seed);
    // Run one image through (in eval mode: no batch statistics or random draws are consumed)
    // to check that the input is large enough for every layer.
    NoGradGuard no_grad;
    model->eval();
    model->forward(Tensor::zeros({1, spec.input[0], spec.input[1], spec.input[2]}));
    model->train();
    return model;
  } catch (const ShapeError& e) {
    throw ShapeError(fmt::format("{}: input {} does not fit the model: {}", canonical_name(spec),
                                 shape_str(spec.input), e.what()));
  }
}

}  // namespace poolnet
