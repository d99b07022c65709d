#include "layers/conv2d.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "layers/init.h"

namespace poolnet {

Conv2d::Conv2d(Options options, uint64_t seed) : options_(options) {
  const Options& o = options_;
  const auto fail = [&](const std::string& what) {
    throw ConfigError(fmt::format("Conv2d: {} (in_channels={}, out_channels={}, kernel={}, groups={})", what,
                                  o.in_channels, o.out_channels, to_string(o.kernel), o.groups));
  };
  if (o.in_channels < 1 || o.out_channels < 1) fail("channel counts must be >= 1");
  if (o.kernel.h < 1 || o.kernel.w < 1) fail("kernel must be at least 1x1");
  if (o.stride.h < 1 || o.stride.w < 1) fail(fmt::format("stride must be >= 1, got {}", to_string(o.stride)));
  if (o.dilation.h < 1 || o.dilation.w < 1) fail(fmt::format("dilation must be >= 1, got {}", to_string(o.dilation)));
  if (o.padding.h < 0 || o.padding.w < 0) fail(fmt::format("padding must be >= 0, got {}", to_string(o.padding)));
  if (o.groups < 1 || o.in_channels % o.groups != 0 || o.out_channels % o.groups != 0) {
    fail("groups must divide both channel counts");
  }
  if (o.same && (o.stride.h != 1 || o.stride.w != 1)) fail("'same' padding needs stride 1x1");
  if (o.same && (o.padding.h != 0 || o.padding.w != 0)) fail("'same' padding excludes explicit padding");
  const int64_t fan_in = o.in_channels / o.groups * o.kernel.h * o.kernel.w;
  weight_ = register_parameter(
      "weight", init::default_weight({o.out_channels, o.in_channels / o.groups, o.kernel.h, o.kernel.w}, fan_in,
                                     init::weight_seed(seed)));
  if (o.bias) bias_ = register_parameter("bias", init::default_bias(o.out_channels, fan_in, init::bias_seed(seed)));
}

Conv2dOptions Conv2d::op_options() const {
  return {.stride = options_.stride,
          .padding = options_.padding,
          .same = options_.same,
          .dilation = options_.dilation,
          .groups = options_.groups,
          .padding_mode = options_.padding_mode};
}

Tensor Conv2d::forward(const Tensor& x) { return conv2d(x, weight_, bias_, op_options()); }

std::vector<Window> Conv2d::windows() const {
  const Options& o = options_;
  const Size2d before = o.same ? Size2d{o.dilation.h * (o.kernel.h - 1) / 2, o.dilation.w * (o.kernel.w - 1) / 2}
                               : o.padding;
  return {Window{.kernel = o.kernel, .stride = o.stride, .padding = before, .dilation = o.dilation}};
}

std::string Conv2d::describe() const {
  const Options& o = options_;
  std::string s = fmt::format("Conv2d({}, {}, kernel={}, stride={}", o.in_channels, o.out_channels,
                              to_string(o.kernel), to_string(o.stride));
  if (o.same) s += ", padding=same";
  if (!o.same && (o.padding.h != 0 || o.padding.w != 0)) s += fmt::format(", padding={}", to_string(o.padding));
  if (o.dilation != Size2d{1, 1}) s += fmt::format(", dilation={}", to_string(o.dilation));
  if (o.groups != 1) s += fmt::format(", groups={}", o.groups);
  if (!o.bias) s += ", bias=false";
  if (o.padding_mode != PadMode::kZeros) s += fmt::format(", padding_mode={}", to_string(o.padding_mode));
  return s + ")";
}

ModuleConfig Conv2d::config() const {
  return {"Conv2d",
          {{"in_channels", options_.in_channels},
           {"out_channels", options_.out_channels},
           {"kernel", options_.kernel},
           {"stride", options_.stride},
           {"padding", options_.padding},
           {"same", options_.same},
           {"dilation", options_.dilation},
           {"groups", options_.groups},
           {"bias", options_.bias},
           {"padding_mode", to_string(options_.padding_mode)}}};
}

}  // namespace poolnet
