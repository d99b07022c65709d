#include "layers/aps_pool2d.h"

#include <fmt/format.h>

#include "layers/pool_window.h"

#include "framework/errors.h"

namespace poolnet {

ApsPool2d::ApsPool2d(ApsPool2dOptions options) : options_(options) {
  aps_out_shape({1, 1, 1, 1}, options_.aps.stride, "ApsPool2d");
  if (options_.blur_filter < 0 || options_.blur_filter > 7) {
    throw ConfigError(fmt::format("ApsPool2d: blur_filter must be 0 (none) or 1..7, got {}", options_.blur_filter));
  }
}

Tensor ApsPool2d::forward(const Tensor& x) {
  Tensor in =
      options_.blur_filter == 0
          ? x
          : blur_pool2d(x, stride_one_blur());
  ApsResult r = aps_downsample_with_phases(in, options_.aps);
  last_phases_ = std::move(r.phases);
  return r.y;
}

Tensor ApsPool2d::follow(const Tensor& t) const {
  const Tensor in = options_.blur_filter == 0 ? t : blur_pool2d(t, stride_one_blur());
  return aps_select(in, last_phases_, options_.aps.stride);
}

Blur2d ApsPool2d::stride_one_blur() const {
  return {.filter_size = options_.blur_filter, .stride = {1, 1}, .padding_mode = options_.blur_padding};
}

std::vector<Window> ApsPool2d::windows() const {
  std::vector<Window> out;
  if (options_.blur_filter > 0) {
    out.push_back(blur_window(stride_one_blur()));
  }
  // Output i reads input i*s + phase for a phase in [0, s): a window of s bounds it.
  const Size2d s = options_.aps.stride;
  out.push_back(Window{.kernel = s, .stride = s, .adaptive = true});
  return out;
}

std::string ApsPool2d::describe() const {
  std::string s = fmt::format("ApsPool2d(stride={}, norm={}", stride_string(options_.aps.stride), to_string(options_.aps.norm));
  if (options_.blur_filter > 0) {
    s += fmt::format(", blur={}, padding={}", options_.blur_filter, to_string(options_.blur_padding));
  }
  return s + ")";
}

ModuleConfig ApsPool2d::config() const {
  return {"ApsPool2d",
          {{"stride", options_.aps.stride},
           {"norm", to_string(options_.aps.norm)},
           {"blur_filter", options_.blur_filter},
           {"blur_padding", to_string(options_.blur_padding)}}};
}

}  // namespace poolnet
