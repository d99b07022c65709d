#include "layers/sequential.h"

#include <fmt/format.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "layers/batch_norm2d.h"
#include "layers/conv2d.h"
#include "layers/relu.h"

namespace poolnet {

Sequential& Sequential::add(std::shared_ptr<Module> module) {
  if (!module) throw ConfigError(fmt::format("Sequential: module {} is null", size()));
  register_module(std::to_string(size()), std::move(module));
  return *this;
}

Module& Sequential::operator[](size_t i) const {
  if (i >= size()) throw ConfigError(fmt::format("Sequential: index {} out of range (size {})", i, size()));
  return *children()[i].second;
}

namespace {

// At inference (evaluation mode, no gradient recorded) a convolution, a batch norm after it
// and a ReLU after those run as one conv2d call (docs/performance.md, "The default study"):
// - the norm folded into the weights: w' = w * s, b' = b * s + t with the norm's own
//   s = gamma / sqrt(running_var + eps) and t = beta - running_mean * s, computed as
//   batch_norm2d computes them (the rounding differs from the two ops by about 1e-7 relative);
// - the ReLU fused into the convolution's output (Conv2dOptions::relu: the same values).
// One or two passes over the activations less. Returns the output and the number of modules it
// stands for (0 when the module at i does not begin such a group).
struct Fused {
  Tensor y;
  size_t modules = 0;
};

bool foldable(const BatchNorm2d* norm, int64_t channels) {
  return norm != nullptr && !norm->is_training() && norm->running_mean().defined() && norm->running_var().defined() &&
         norm->options().num_features == channels;
}

Fused fused_convolution(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& list, size_t i,
                        const Tensor& x) {
  if (grad_enabled()) return {};
  auto* conv = dynamic_cast<Conv2d*>(list[i].second.get());
  if (conv == nullptr || conv->is_training()) return {};
  const auto next = [&](size_t k) { return i + k < list.size() ? list[i + k].second.get() : nullptr; };
  Tensor w = conv->weight(), b = conv->bias();
  size_t used = 1;
  const int64_t OC = w.size(0);
  if (auto* norm = dynamic_cast<BatchNorm2d*>(next(1)); foldable(norm, OC)) {
    const int64_t per_channel = w.numel() / OC;
    Tensor folded_w = Tensor::empty(w.shape()), folded_b = Tensor::empty({OC});
    const float* gamma = norm->weight().defined() ? norm->weight().data() : nullptr;
    const float* beta = norm->bias().defined() ? norm->bias().data() : nullptr;
    const float* bias = b.defined() ? b.data() : nullptr;
    for (int64_t c = 0; c < OC; ++c) {
      const double mean = norm->running_mean().data()[c];
      const double invstd = 1.0 / std::sqrt(static_cast<double>(norm->running_var().data()[c]) + norm->options().eps);
      const auto scale = static_cast<float>(invstd * (gamma != nullptr ? gamma[c] : 1.0f));
      const auto shift = static_cast<float>((beta != nullptr ? beta[c] : 0.0f) - mean * scale);
      for (int64_t k = 0; k < per_channel; ++k)
        folded_w.data()[c * per_channel + k] = w.data()[c * per_channel + k] * scale;
      folded_b.data()[c] = std::fma(bias != nullptr ? bias[c] : 0.0f, scale, shift);  // one rounding in every build
    }
    w = folded_w;
    b = folded_b;
    used = 2;
  }
  Conv2dOptions options = conv->op_options();
  if (dynamic_cast<ReLU*>(next(used)) != nullptr) {
    options.relu = true;
    ++used;
  }
  if (used == 1) return {};  // a lone convolution runs as itself
  return {conv2d(x, w, b, options), used};
}

}  // namespace

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  const auto& list = children();
  for (size_t i = 0; i < list.size(); ++i) {
    if (Fused fused = fused_convolution(list, i, y); fused.modules > 0) {
      y = fused.y;
      i += fused.modules - 1;
      continue;
    }
    y = list[i].second->forward(y);
  }
  return y;
}

std::string Sequential::describe() const {
  std::string s = "Sequential(";
  for (size_t i = 0; i < size(); ++i) s += (i > 0 ? ", " : "") + children()[i].second->describe();
  return s + ")";
}

ModuleConfig Sequential::config() const { return {.type = "Sequential"}; }

}  // namespace poolnet
