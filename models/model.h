// A classifier built from a ModelSpec: `features` (convolutions and downsampling, a
// Sequential) then `classifier` (the head and fully connected layers, a Sequential), so
// parameters are named like PyTorch's: "features.0.weight", "classifier.2.bias".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/sequential.h"
#include "models/model_spec.h"

namespace poolnet {

struct LayerOutput {
  std::string name;  // "features.3"
  Tensor value;
  int64_t stride;    // cumulative stride of this output; 0 once the spatial layout is gone
};

class Model : public Module {
 public:
  Model(ModelSpec spec, std::shared_ptr<Sequential> features, std::shared_ptr<Sequential> classifier);

  Tensor forward(const Tensor& x) override;
  std::string describe() const override { return canonical_name(spec_); }

  // The output of every top-level layer of features and classifier, in order (the last is
  // the logits).
  std::vector<LayerOutput> trace(const Tensor& x);

  const ModelSpec& spec() const { return spec_; }
  Sequential& features() const { return *features_; }
  Sequential& classifier() const { return *classifier_; }

 private:
  ModelSpec spec_;
  std::shared_ptr<Sequential> features_;
  std::shared_ptr<Sequential> classifier_;
};

// Builds the model of `spec` with parameters initialised from `seed` (PyTorch's default
// initialisation). ConfigError for an invalid spec; ShapeError if the input is too small for
// the family's downsampling.
std::shared_ptr<Model> build_model(const ModelSpec& spec, uint64_t seed);

// Cumulative stride after applying `windows` (product of strides; 0 if a window is global).
int64_t cumulative_stride(const std::vector<Window>& windows);

}  // namespace poolnet
