#include "layers/stochastic_pool2d.h"

#include <fmt/format.h>

namespace poolnet {

StochasticPool2d::StochasticPool2d(StochasticPool2dOptions options) : options_(options) {
  register_counter("calls", &calls_);
  stochastic_pool2d_out_shape({1, 1, options_.kernel.h, options_.kernel.w},
                              {.kernel = options_.kernel, .stride = options_.stride});
}

Tensor StochasticPool2d::forward(const Tensor& x) {
  const StochasticPool o{.kernel = options_.kernel,
                         .stride = options_.stride,
                         .training = is_training(),
                         .seed = options_.seed,
                         .step = calls_};
  Tensor y = stochastic_pool2d(x, o);
  if (is_training()) ++calls_;
  return y;
}

std::vector<Window> StochasticPool2d::windows() const {
  return {Window{.kernel = options_.kernel, .stride = options_.stride}};
}

std::string StochasticPool2d::describe() const {
  return fmt::format("StochasticPool2d(kernel={}, stride={})", to_string(options_.kernel), to_string(options_.stride));
}

ModuleConfig StochasticPool2d::config() const {  // the seed only picks training draws
  return {"StochasticPool2d", {{"kernel", options_.kernel}, {"stride", options_.stride}}};
}

}  // namespace poolnet
