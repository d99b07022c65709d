#include "models/families.h"

#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "framework/random.h"
#include "layers/conv2d.h"
#include "layers/attention_heads.h"
#include "layers/flatten.h"
#include "layers/global_heads.h"
#include "layers/global_avg_pool.h"
#include "layers/global_max_pool.h"

namespace poolnet {

Tensor GlobalAvgMaxPool::forward(const Tensor& x) { return concat({global_avg_pool(x), global_max_pool(x)}, 1); }

std::vector<Window> GlobalAvgMaxPool::windows() const { return {Window{.global = true}}; }

uint64_t SeedSequence::next() { return stream_id(seed_, 0x6d6f64656cULL, count_++); }

std::shared_ptr<Module> conv(const ModelSpec& spec, int64_t in, int64_t out, int64_t kernel, SeedSequence& seeds,
                             int64_t padding, bool bias, int64_t stride) {
  const int64_t p = padding < 0 ? kernel / 2 : padding;
  return std::make_shared<Conv2d>(Conv2d::Options{.in_channels = in,
                                                  .out_channels = out,
                                                  .kernel = {kernel, kernel},
                                                  .stride = {stride, stride},
                                                  .padding = {p, p},
                                                  .bias = bias,
                                                  .padding_mode = spec.padding_mode},
                                  seeds.next());
}

std::shared_ptr<Module> down(const ModelSpec& spec, int64_t channels, SeedSequence& seeds) {
  return make_downsample(spec.downsample,
                         DownsampleContext{.channels = channels, .padding_mode = spec.padding_mode, .seed = seeds.next()});
}

int64_t add_head(Sequential& classifier, const std::string& head, const Shape& features, SeedSequence& seeds) {
  const HeadSpec h = parse_head(head);
  const int64_t C = features[0];
  if (h.name == "flatten") {
    classifier.add(std::make_shared<Flatten>());
    return numel_of(features);
  }
  if (h.name == "gap_gmp") {
    classifier.add(std::make_shared<GlobalAvgMaxPool>());
    return 2 * C;
  }
  if (h.name == "gap") classifier.add(std::make_shared<GlobalAvgPool>());
  if (h.name == "gmp") classifier.add(std::make_shared<GlobalMaxPool>());
  if (h.name == "gem") classifier.add(std::make_shared<GemPool>());
  if (h.name == "lse") classifier.add(std::make_shared<LsePool>());
  if (h.name == "simpool") classifier.add(std::make_shared<SimPool2d>(C, h.heads, seeds.next()));
  if (h.name == "attn_pool") {
    classifier.add(std::make_shared<AttentionPool2d>(C, Size2d{features[1], features[2]}, h.heads, seeds.next()));
  }
  return C;
}

bool head_needs_linear(const std::string& head) {
  const std::string name = parse_head(head).name;
  return name == "flatten" || name == "gap_gmp";
}

Shape feature_shape(Module& features, const ModelSpec& spec) {
  NoGradGuard no_grad;
  const bool was_training = features.is_training();
  features.eval();
  const Tensor y = features.forward(Tensor::zeros({1, spec.input[0], spec.input[1], spec.input[2]}));
  features.train(was_training);
  return {y.size(1), y.size(2), y.size(3)};
}

}  // namespace poolnet
