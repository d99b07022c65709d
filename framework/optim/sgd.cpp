#include "framework/optim/sgd.h"

#include <fmt/format.h>

#include <cmath>

#include "framework/errors.h"

namespace poolnet {

namespace {
void require_non_negative(double value, const char* what) {
  if (!std::isfinite(value) || value < 0.0)
    throw ConfigError(fmt::format("sgd: {} must be finite and >= 0, got {}", what, value));
}
}  // namespace

Sgd::Sgd(NamedTensors params, SgdOptions options)
    : Optimizer("sgd", std::move(params), options.lr,
                options.momentum != 0.0 ? std::vector<StateKind>{{"momentum_buffer"}} : std::vector<StateKind>{}),
      options_(options) {
  require_non_negative(options.momentum, "momentum");
  require_non_negative(options.weight_decay, "weight decay");
  if (!std::isfinite(options.dampening))
    throw ConfigError(fmt::format("sgd: dampening must be finite, got {}", options.dampening));
  if (options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0)) {
    throw ConfigError(
        fmt::format("sgd: Nesterov momentum requires momentum > 0 and dampening = 0 (momentum={}, dampening={})",
                    options.momentum, options.dampening));
  }
}

std::string Sgd::describe() const {
  return fmt::format("SGD(lr={}, momentum={}, dampening={}, weight_decay={}, nesterov={})", lr(), options_.momentum,
                     options_.dampening, options_.weight_decay, options_.nesterov);
}

void Sgd::update(size_t index, float* p, const float* g, int64_t n) {
  const float weight_decay = static_cast<float>(options_.weight_decay);
  const float momentum = static_cast<float>(options_.momentum);
  const float keep = static_cast<float>(1.0 - options_.dampening);
  const float step = static_cast<float>(-lr());
  const bool decay = options_.weight_decay != 0.0, nesterov = options_.nesterov;
  // Each chunk works on local copies through restrict pointers, so the loops vectorise (the
  // arithmetic per element is the same as written, so are the results).
  if (options_.momentum == 0.0) {
    for_each_chunk(n, [=](int64_t b, int64_t e) {
      float* __restrict pc = p + b;
      const float* __restrict gc = g + b;
      for (int64_t j = 0; j < e - b; ++j) {
        const float d = decay ? gc[j] + weight_decay * pc[j] : gc[j];
        pc[j] = pc[j] + step * d;
      }
    });
    return;
  }
  Tensor& buffer_tensor = buffer(0, index);
  const bool first = !buffer_tensor.defined();
  if (first) buffer_tensor = Tensor::empty(param_shape(index));
  float* buf = buffer_tensor.data();
  for_each_chunk(n, [=](int64_t b, int64_t e) {
    float* __restrict pc = p + b;
    const float* __restrict gc = g + b;
    float* __restrict bc = buf + b;
    for (int64_t j = 0; j < e - b; ++j) {
      float d = decay ? gc[j] + weight_decay * pc[j] : gc[j];
      bc[j] = first ? d : bc[j] * momentum + keep * d;
      d = nesterov ? d + momentum * bc[j] : bc[j];
      pc[j] = pc[j] + step * d;
    }
  });
}

}  // namespace poolnet
