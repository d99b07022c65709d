#include "layers/sequential.h"

#include <fmt/format.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "layers/batch_norm2d.h"
#include "layers/conv2d.h"

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

// A convolution followed by batch norm at inference (evaluation mode, no gradient recorded),
// as one convolution with the norm folded into its weights: w' = w * s, b' = b * s + t with
// the norm's own s = gamma / sqrt(running_var + eps) and t = beta - running_mean * s, computed
// as batch_norm2d computes them (docs/performance.md, "The default study"). One pass over the
// activations less; the rounding differs from the two ops by about 1e-7 relative. Undefined
// when the pair does not qualify.
Tensor folded_conv_batch_norm(Module& first, Module& second, const Tensor& x) {
  if (grad_enabled() || first.is_training()) return Tensor();  // training: nothing to look up
  auto* conv = dynamic_cast<Conv2d*>(&first);
  auto* norm = dynamic_cast<BatchNorm2d*>(&second);
  if (conv == nullptr || norm == nullptr || norm->is_training() || !norm->running_mean().defined() ||
      !norm->running_var().defined()) {
    return Tensor();
  }
  const Tensor& w = conv->weight();
  const int64_t OC = w.size(0), per_channel = w.numel() / OC;
  if (norm->options().num_features != OC) return Tensor();
  Tensor folded_w = Tensor::empty(w.shape()), folded_b = Tensor::empty({OC});
  const float* gamma = norm->weight().defined() ? norm->weight().data() : nullptr;
  const float* beta = norm->bias().defined() ? norm->bias().data() : nullptr;
  const float* bias = conv->bias().defined() ? conv->bias().data() : nullptr;
  for (int64_t c = 0; c < OC; ++c) {
    const double mean = norm->running_mean().data()[c];
    const double invstd = 1.0 / std::sqrt(static_cast<double>(norm->running_var().data()[c]) + norm->options().eps);
    const auto scale = static_cast<float>(invstd * (gamma != nullptr ? gamma[c] : 1.0f));
    const auto shift = static_cast<float>((beta != nullptr ? beta[c] : 0.0f) - mean * scale);
    for (int64_t i = 0; i < per_channel; ++i)
      folded_w.data()[c * per_channel + i] = w.data()[c * per_channel + i] * scale;
    folded_b.data()[c] = std::fma(bias != nullptr ? bias[c] : 0.0f, scale, shift);  // one rounding in every build
  }
  return conv2d(x, folded_w, folded_b, conv->op_options());
}

}  // namespace

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  const auto& list = children();
  for (size_t i = 0; i < list.size(); ++i) {
    if (i + 1 < list.size()) {
      if (Tensor folded = folded_conv_batch_norm(*list[i].second, *list[i + 1].second, y); folded.defined()) {
        y = folded;
        ++i;
        continue;
      }
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
