#include "layers/s3_pool2d.h"

#include <fmt/format.h>

#include <algorithm>

namespace poolnet {

S3Pool2d::S3Pool2d(S3Pool2dOptions options) : options_(options) {
  register_counter("calls", &calls_);
  const S3Pool o{.stride = options_.stride, .grid = options_.grid};
  const Size2d g = options_.grid == Size2d{0, 0} ? options_.stride : options_.grid;
  s3_pool2d_out_shape({1, 1, std::max<int64_t>(g.h, 2), std::max<int64_t>(g.w, 2)}, o);  // validates the options
}

Tensor S3Pool2d::forward(const Tensor& x) {
  const S3Pool o{.stride = options_.stride,
                 .grid = options_.grid,
                 .training = is_training(),
                 .seed = options_.seed,
                 .step = calls_};
  Tensor y = s3_pool2d(x, o);
  if (is_training()) ++calls_;
  return y;
}

std::vector<Window> S3Pool2d::windows() const {
  const Size2d s = options_.stride;
  return {Window{.kernel = {2, 2}}, Window{.kernel = s, .stride = s, .padding = {s.h / 2, s.w / 2}}};
}

std::string S3Pool2d::describe() const {
  const std::string grid = options_.grid == Size2d{0, 0} ? "" : fmt::format(", grid={}", to_string(options_.grid));
  return fmt::format("S3Pool2d(stride={}{})", to_string(options_.stride), grid);
}

ModuleConfig S3Pool2d::config() const {  // the seed only picks training draws
  return {"S3Pool2d", {{"stride", options_.stride}, {"grid", options_.grid}}};
}

}  // namespace poolnet
