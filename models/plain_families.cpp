// lenet, vgg and allconv: a chain of convolutions and downsamplers, then a head.
#include <fmt/format.h>

#include "layers/batch_norm2d.h"
#include "layers/linear.h"
#include "layers/relu.h"
#include "models/families.h"

namespace poolnet {

namespace {
std::shared_ptr<Module> relu_layer() { return std::make_shared<ReLU>(); }

std::shared_ptr<Module> linear(int64_t in, int64_t out, SeedSequence& seeds) {
  return std::make_shared<Linear>(Linear::Options{.in_features = in, .out_features = out}, seeds.next());
}

// conv -> [batch norm] -> ReLU
void add_conv_block(Sequential& seq, const ModelSpec& spec, int64_t in, int64_t out, int64_t kernel,
                    SeedSequence& seeds, int64_t padding = -1) {
  seq.add(conv(spec, in, out, kernel, seeds, padding));
  if (spec.batch_norm) seq.add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.num_features = out}));
  seq.add(relu_layer());
}

// The input downsampler of `spec.input_downsample`, first in `features`.
void add_input_down(Sequential& seq, const ModelSpec& spec, SeedSequence& seeds) {
  if (spec.input_downsample) seq.add(down(spec, spec.input[0], seeds));
}

std::shared_ptr<Model> finish(const ModelSpec& spec, std::shared_ptr<Sequential> features,
                              std::shared_ptr<Sequential> classifier) {
  return std::make_shared<Model>(spec, std::move(features), std::move(classifier));
}
}  // namespace

std::shared_ptr<Model> build_lenet(const ModelSpec& spec, uint64_t seed) {
  SeedSequence seeds(seed);
  const int64_t c1 = scaled(6, spec.width), c2 = scaled(16, spec.width);
  auto features = std::make_shared<Sequential>();
  add_input_down(*features, spec, seeds);
  add_conv_block(*features, spec, spec.input[0], c1, 5, seeds, 2);
  features->add(down(spec, c1, seeds));
  add_conv_block(*features, spec, c1, c2, 5, seeds, spec.padding_mode == PadMode::kCircular ? 2 : 0);
  features->add(down(spec, c2, seeds));
  auto classifier = std::make_shared<Sequential>();
  const int64_t f = add_head(*classifier, spec.head, feature_shape(*features, spec), seeds);
  classifier->add(linear(f, 120, seeds)).add(relu_layer());
  classifier->add(linear(120, 84, seeds)).add(relu_layer());
  classifier->add(linear(84, spec.classes, seeds));
  return finish(spec, features, classifier);
}

std::shared_ptr<Model> build_vgg(const ModelSpec& spec, uint64_t seed) {
  SeedSequence seeds(seed);
  const int64_t c1 = scaled(32, spec.width), c2 = scaled(64, spec.width), c3 = scaled(128, spec.width);
  auto features = std::make_shared<Sequential>();
  add_input_down(*features, spec, seeds);
  add_conv_block(*features, spec, spec.input[0], c1, 3, seeds);
  add_conv_block(*features, spec, c1, c1, 3, seeds);
  features->add(down(spec, c1, seeds));
  add_conv_block(*features, spec, c1, c2, 3, seeds);
  add_conv_block(*features, spec, c2, c2, 3, seeds);
  features->add(down(spec, c2, seeds));
  add_conv_block(*features, spec, c2, c3, 3, seeds);
  if (spec.extra_stage) {
    add_conv_block(*features, spec, c3, c3, 3, seeds);
    features->add(down(spec, c3, seeds));
  }
  auto classifier = std::make_shared<Sequential>();
  const int64_t f = add_head(*classifier, spec.head, feature_shape(*features, spec), seeds);
  classifier->add(linear(f, spec.classes, seeds));
  return finish(spec, features, classifier);
}

std::shared_ptr<Model> build_allconv(const ModelSpec& spec, uint64_t seed) {
  SeedSequence seeds(seed);
  const int64_t c1 = scaled(96, spec.width), c2 = scaled(192, spec.width);
  auto features = std::make_shared<Sequential>();
  add_input_down(*features, spec, seeds);
  add_conv_block(*features, spec, spec.input[0], c1, 3, seeds);
  add_conv_block(*features, spec, c1, c1, 3, seeds);
  features->add(down(spec, c1, seeds));
  add_conv_block(*features, spec, c1, c2, 3, seeds);
  add_conv_block(*features, spec, c2, c2, 3, seeds);
  features->add(down(spec, c2, seeds));
  add_conv_block(*features, spec, c2, c2, 3, seeds);
  add_conv_block(*features, spec, c2, c2, 1, seeds);
  add_conv_block(*features, spec, c2, spec.classes, 1, seeds);
  auto classifier = std::make_shared<Sequential>();
  const int64_t f = add_head(*classifier, spec.head, feature_shape(*features, spec), seeds);
  if (head_needs_linear(spec.head)) classifier->add(linear(f, spec.classes, seeds));
  return finish(spec, features, classifier);
}

}  // namespace poolnet
