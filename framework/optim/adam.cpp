#include "framework/optim/adam.h"

#include <fmt/format.h>

#include <cmath>

#include "framework/eigen_view.h"
#include "framework/errors.h"

namespace poolnet {

namespace {
enum Kind : size_t { kExpAvg = 0, kExpAvgSq = 1, kStep = 2 };
using Array = Eigen::Map<Eigen::ArrayXf>;
using ConstArray = Eigen::Map<const Eigen::ArrayXf>;

struct AdamConstants {
  float beta1, keep1, beta2, keep2, bc2_sqrt, eps, step_size;
};

// One chunk of the update, each element in PyTorch's order. Eigen arrays keep the loop
// vectorised, the square root included.
template <class Grad, class Param>
void adam_chunk(const AdamConstants& c, Array m, Array v, Array p, const Grad& grad, const Param& param) {
  m = m * c.beta1 + c.keep1 * grad;
  v = v * c.beta2 + c.keep2 * grad * grad;
  p = param + c.step_size * m / (v.sqrt() / c.bc2_sqrt + c.eps);
}

void require(bool ok, const std::string& name, const char* what, double value) {
  if (!ok) throw ConfigError(fmt::format("{}: {}, got {}", name, what, value));
}
}  // namespace

Adam::Adam(NamedTensors params, AdamOptions options) : Adam("adam", std::move(params), options, false) {}

Adam::Adam(std::string name, NamedTensors params, AdamOptions options, bool decoupled)
    : Optimizer(name, std::move(params), options.lr, {{"exp_avg"}, {"exp_avg_sq"}, {"step", true}}),
      options_(options),
      decoupled_(decoupled) {
  require(options.beta1 >= 0.0 && options.beta1 < 1.0, name, "beta1 must be in [0, 1)", options.beta1);
  require(options.beta2 >= 0.0 && options.beta2 < 1.0, name, "beta2 must be in [0, 1)", options.beta2);
  require(std::isfinite(options.eps) && options.eps >= 0.0, name, "eps must be finite and >= 0", options.eps);
  require(std::isfinite(options.weight_decay) && options.weight_decay >= 0.0, name,
          "weight decay must be finite and >= 0", options.weight_decay);
}

AdamW::AdamW(NamedTensors params, AdamWOptions o)
    : Adam("adamw", std::move(params),
           AdamOptions{.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2, .eps = o.eps, .weight_decay = o.weight_decay},
           true) {}

std::string Adam::describe() const {
  return fmt::format("{}(lr={}, betas=({}, {}), eps={}, weight_decay={})", decoupled_ ? "AdamW" : "Adam", lr(),
                     options_.beta1, options_.beta2, options_.eps, options_.weight_decay);
}

void Adam::update(size_t index, float* p, const float* g, int64_t n) {
  if (!buffer(kStep, index).defined()) {
    buffer(kExpAvg, index) = Tensor::zeros(param_shape(index));
    buffer(kExpAvgSq, index) = Tensor::zeros(param_shape(index));
    buffer(kStep, index) = Tensor::zeros({});
  }
  float& t = buffer(kStep, index).data()[0];
  t += 1.0f;  // a float32 count, as PyTorch's
  const double lr = this->lr(), step = t;
  const double bias_correction1 = 1.0 - std::pow(options_.beta1, step);
  const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(options_.beta2, step));
  const AdamConstants c{.beta1 = static_cast<float>(options_.beta1),
                        .keep1 = static_cast<float>(1.0 - options_.beta1),
                        .beta2 = static_cast<float>(options_.beta2),
                        .keep2 = static_cast<float>(1.0 - options_.beta2),
                        .bc2_sqrt = static_cast<float>(bias_correction2_sqrt),
                        .eps = static_cast<float>(options_.eps),
                        .step_size = static_cast<float>(-(lr / bias_correction1))};
  const auto weight_decay = static_cast<float>(options_.weight_decay);
  const auto shrink = static_cast<float>(1.0 - lr * options_.weight_decay);
  const bool decay = options_.weight_decay != 0.0;
  float* m = buffer(kExpAvg, index).data();
  float* v = buffer(kExpAvgSq, index).data();
  for_each_chunk(n, [&](int64_t b, int64_t e) {
    const Array P(p + b, e - b), M(m + b, e - b), V(v + b, e - b);
    const ConstArray G(g + b, e - b);
    if (decay && !decoupled_) {
      adam_chunk(c, M, V, P, G + weight_decay * P, P);
    } else if (decay) {
      adam_chunk(c, M, V, P, G, P * shrink);
    } else {
      adam_chunk(c, M, V, P, G, P);
    }
  });
}

}  // namespace poolnet
