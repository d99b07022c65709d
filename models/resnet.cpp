// CIFAR ResNet (He et al. 2016, section 4.2) with the downsampling strategy at every stage
// transition, on both the residual branch and the shortcut.
#include "models/resnet.h"

#include <fmt/format.h>

#include "framework/ops/ops.h"
#include "layers/batch_norm2d.h"
#include "layers/linear.h"
#include "layers/relu.h"

namespace poolnet {

namespace {
std::shared_ptr<BatchNorm2d> batch_norm(int64_t channels) {
  return std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.num_features = channels});
}
}  // namespace

BasicBlock::BasicBlock(const ModelSpec& spec, int64_t in, int64_t out, bool downsample, SeedSequence& seeds) {
  conv1_ = register_module("conv1", conv(spec, in, out, 3, seeds, -1, false));
  bn1_ = register_module("bn1", batch_norm(out));
  if (downsample) down_ = register_module("down", down(spec, out, seeds));
  conv2_ = register_module("conv2", conv(spec, out, out, 3, seeds, -1, false));
  bn2_ = register_module("bn2", batch_norm(out));
  choice_ = dynamic_cast<const PolyphaseChoice*>(down_.get());
  const bool strided = downsample && spec.downsample.name == "strided_conv";
  if (downsample && !choice_ && !strided) shortcut_down_ = register_module("shortcut_down", down(spec, in, seeds));
  if (downsample || in != out) {
    shortcut_conv_ = register_module("shortcut_conv", conv(spec, in, out, 1, seeds, 0, false, strided ? 2 : 1));
    shortcut_bn_ = register_module("shortcut_bn", batch_norm(out));
  }
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor h = relu(bn1_->forward(conv1_->forward(x)));
  if (down_) h = down_->forward(h);
  h = bn2_->forward(conv2_->forward(h));
  Tensor s = x;
  if (choice_) {
    s = choice_->follow(s);
  } else if (shortcut_down_) {
    s = shortcut_down_->forward(s);
  }
  if (shortcut_conv_) s = shortcut_bn_->forward(shortcut_conv_->forward(s));
  return relu(add(h, s));
}

std::string BasicBlock::describe() const {
  return fmt::format("BasicBlock({} -> {}{})", conv1_->describe(), conv2_->describe(),
                     down_ ? ", " + down_->describe() : "");
}

std::vector<Window> BasicBlock::windows() const {
  std::vector<Window> w = conv1_->windows();
  if (down_) {
    for (const Window& d : down_->windows()) w.push_back(d);
  }
  for (const Window& c : conv2_->windows()) w.push_back(c);
  return w;
}

std::shared_ptr<Model> build_resnet(const ModelSpec& spec, uint64_t seed) {
  SeedSequence seeds(seed);
  const int64_t blocks = (spec.depth - 2) / 6;
  auto features = std::make_shared<Sequential>();
  int64_t channels = scaled(16, spec.width);
  features->add(conv(spec, spec.input[0], channels, 3, seeds, -1, false));
  features->add(batch_norm(channels));
  features->add(std::make_shared<ReLU>());
  for (int64_t stage = 0; stage < 3; ++stage) {
    const int64_t out = scaled(16 << stage, spec.width);
    for (int64_t b = 0; b < blocks; ++b) {
      features->add(std::make_shared<BasicBlock>(spec, channels, out, stage > 0 && b == 0, seeds));
      channels = out;
    }
  }
  auto classifier = std::make_shared<Sequential>();
  const int64_t f = add_head(*classifier, spec.head, feature_shape(*features, spec), seeds);
  classifier->add(
      std::make_shared<Linear>(Linear::Options{.in_features = f, .out_features = spec.classes}, seeds.next()));
  return std::make_shared<Model>(spec, features, classifier);
}

}  // namespace poolnet
