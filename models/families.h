// The model families and the pieces they share (internal to models/).
#pragma once

#include <memory>

#include "layers/sequential.h"
#include "models/model.h"

namespace poolnet {

// lenet: conv5x5(6, pad 2) -> ReLU -> DOWN -> conv5x5(16) -> ReLU -> DOWN -> head -> fc 120 ->
//   fc 84 -> fc classes. The second conv is unpadded (the classic 16x10x10 maps) with zero
//   padding; with circular padding it is padded by 2 so that every layer stays circular.
std::shared_ptr<Model> build_lenet(const ModelSpec& spec, uint64_t seed);
// vgg: conv3x3 32, 32, DOWN, 64, 64, DOWN, 128 [, 128, DOWN with extra_stage] -> head -> fc.
std::shared_ptr<Model> build_vgg(const ModelSpec& spec, uint64_t seed);
// allconv (All-CNN-C, scaled by width): conv3x3 96, 96, DOWN, 192, 192, DOWN, conv3x3 192,
//   conv1x1 192, conv1x1 classes, each followed by ReLU; then the head (gap/gmp give the logits;
//   flatten and gap_gmp add a linear layer). All 3x3 convs are padded by 1.
std::shared_ptr<Model> build_allconv(const ModelSpec& spec, uint64_t seed);
// With spec.input_downsample, lenet, vgg and allconv start with one more DOWN (for the input's
//   channels) applied to the input itself, before the first convolution.
// resnet: CIFAR ResNet of depth 6n+2 (stages of 16, 32, 64 channels times width).
std::shared_ptr<Model> build_resnet(const ModelSpec& spec, uint64_t seed);

// The `gap_gmp` head: global average and global max pooling side by side, [N, C, H, W] -> [N, 2C].
class GlobalAvgMaxPool : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string describe() const override { return "GlobalAvgMaxPool()"; }
  ModuleConfig config() const override { return {.type = "GlobalAvgMaxPool"}; }
  std::vector<Window> windows() const override;
};

// Hands out distinct, reproducible seeds for the layers of one model.
class SeedSequence {
 public:
  explicit SeedSequence(uint64_t seed) : seed_(seed) {}
  uint64_t next();

 private:
  uint64_t seed_;
  uint64_t count_ = 0;
};

// A k x k convolution with 'same'-style padding k/2 in the spec's padding mode.
std::shared_ptr<Module> conv(const ModelSpec& spec, int64_t in, int64_t out, int64_t kernel, SeedSequence& seeds,
                             int64_t padding = -1, bool bias = true, int64_t stride = 1);
// The spec's downsampler for `channels` channels.
std::shared_ptr<Module> down(const ModelSpec& spec, int64_t channels, SeedSequence& seeds);

// Appends the head (a head spec, models/model_spec.h) for features [C, H, W] to `classifier`;
// returns the number of features it outputs per sample. Only heads with random initial
// parameters (simpool, attn_pool) draw a seed from `seeds`.
int64_t add_head(Sequential& classifier, const std::string& head, const Shape& features, SeedSequence& seeds);
// True if the head's output needs a linear layer to become allconv's logits (flatten, gap_gmp).
bool head_needs_linear(const std::string& head);

// The [C, H, W] shape `features` produces for the spec's input.
Shape feature_shape(Module& features, const ModelSpec& spec);

}  // namespace poolnet
