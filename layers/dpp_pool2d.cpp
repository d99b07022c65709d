#include "layers/dpp_pool2d.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "layers/init.h"

namespace poolnet {

DppPool2d::DppPool2d(DppPool2dOptions options) : options_(options) {
  if (options_.channels < 1) {
    throw ConfigError(fmt::format("DppPool2d: channels must be >= 1, got {}", options_.channels));
  }
  const int64_t C = options_.channels;
  dpp_pool2d_out_shape({1, C, options_.pool.window.h, options_.pool.window.w}, {C}, {C}, options_.pool);
  log_alpha_ = register_parameter("log_alpha", init::default_bias(C, C, init::bias_seed(options_.seed)));
  log_lambda_ = register_parameter("log_lambda", init::default_bias(C, C, init::weight_seed(options_.seed)));
}

Tensor DppPool2d::forward(const Tensor& x) { return dpp_pool2d(x, log_alpha_, log_lambda_, options_.pool); }

std::vector<Window> DppPool2d::windows() const {
  return {Window{.kernel = options_.pool.window, .stride = options_.pool.window}};
}

std::string DppPool2d::describe() const {
  return fmt::format("DppPool2d({}, window={})", options_.channels, to_string(options_.pool.window));
}

ModuleConfig DppPool2d::config() const {
  return {"DppPool2d", {{"channels", options_.channels}, {"window", options_.pool.window}}};
}

}  // namespace poolnet
