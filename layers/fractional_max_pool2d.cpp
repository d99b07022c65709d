#include "layers/fractional_max_pool2d.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace poolnet {

FractionalMaxPool2d::FractionalMaxPool2d(FractionalMaxPool2dOptions options) : options_(options) {
  register_counter("calls", &calls_);
  const FractionalMaxPool o = op_options();
  const Size2d fit = o.output == Size2d{0, 0} ? Size2d{1, 1} : o.output;
  fractional_max_pool2d_out_shape({1, 1, fit.h + o.kernel.h - 1, fit.w + o.kernel.w - 1},
                                  {.kernel = o.kernel, .output = fit, .eval_u = o.eval_u});
  if (o.output == Size2d{0, 0}) fractional_max_pool2d_out_shape({1, 1, 1 << 20, 1 << 20}, o);  // the ratio
}

FractionalMaxPool FractionalMaxPool2d::op_options() const {
  return {.kernel = options_.kernel,
          .output = options_.output,
          .ratio = options_.ratio,
          .training = is_training(),
          .seed = options_.seed,
          .step = calls_,
          .eval_u = options_.eval_u};
}

Tensor FractionalMaxPool2d::forward(const Tensor& x) {
  Tensor y = fractional_max_pool2d(x, op_options());
  if (is_training()) ++calls_;
  return y;
}

std::vector<Window> FractionalMaxPool2d::windows() const {
  if (options_.output != Size2d{0, 0}) return {Window{.kernel = options_.kernel, .adaptive = true}};
  const double inverse = 1.0 / options_.ratio;
  const int64_t s = std::max<int64_t>(1, std::llround(inverse));
  return {Window{.kernel = options_.kernel, .stride = {s, s}, .adaptive = inverse != static_cast<double>(s)}};
}

std::string FractionalMaxPool2d::describe() const {
  const std::string size = options_.output == Size2d{0, 0} ? fmt::format("ratio={}", options_.ratio)
                                                           : fmt::format("output={}", to_string(options_.output));
  const std::string u = options_.eval_u == 0.5f ? "" : fmt::format(", eval_u={}", options_.eval_u);
  return fmt::format("FractionalMaxPool2d(kernel={}, {}{})", to_string(options_.kernel), size, u);
}

ModuleConfig FractionalMaxPool2d::config() const {  // the seed only picks training draws
  return {"FractionalMaxPool2d",
          {{"kernel", options_.kernel},
           {"ratio", options_.ratio},
           {"output", options_.output},
           {"eval_u", static_cast<double>(options_.eval_u)}}};
}

}  // namespace poolnet
