#include "layers/spectral_pool2d.h"

#include <fmt/format.h>

#include <cmath>

namespace poolnet {

SpectralPool2d::SpectralPool2d(SpectralPool options) : options_(options) {
  spectral_pool2d_out_shape({1, 1, 1, 1}, options_);
}

Tensor SpectralPool2d::forward(const Tensor& x) { return spectral_pool2d(x, options_); }

std::vector<Window> SpectralPool2d::windows() const {
  const int64_t s = std::max<int64_t>(1, std::llround(1.0 / options_.ratio));
  return {Window{.stride = {s, s}, .whole_map = true}};
}

std::string SpectralPool2d::describe() const {
  return fmt::format("SpectralPool2d(ratio={:g}, field=whole map)", options_.ratio);
}

ModuleConfig SpectralPool2d::config() const { return {"SpectralPool2d", {{"ratio", options_.ratio}}}; }

}  // namespace poolnet
