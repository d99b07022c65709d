#include "layers/tips_pool2d.h"

#include <fmt/format.h>

#include <utility>

#include "framework/errors.h"
#include "framework/random.h"

namespace poolnet {

namespace {
const TipsPool2dOptions& checked(const TipsPool2dOptions& o) {
  auto fail = [&](const char* what) {
    throw ConfigError(fmt::format("TipsPool2d: {} (channels={}, kernel={}, stride={}, max_shift={})", what, o.channels,
                                  o.kernel, to_string(o.stride), to_string(o.max_shift)));
  };
  if (o.channels < 1) fail("needs channels >= 1");
  if (o.kernel < 1 || o.kernel % 2 == 0) fail("kernel must be odd and >= 1");
  if (o.stride.h < 1 || o.stride.w < 1) fail("stride must be >= 1");
  if (o.max_shift.h < 0 || o.max_shift.w < 0) fail("max_shift must be >= 0");
  return o;
}

std::shared_ptr<Conv2d> depthwise(int64_t channels, int64_t kernel, PadMode mode, uint64_t seed) {
  return std::make_shared<Conv2d>(Conv2d::Options{.in_channels = channels,
                                                  .out_channels = channels,
                                                  .kernel = {kernel, kernel},
                                                  .padding = {(kernel - 1) / 2, (kernel - 1) / 2},
                                                  .groups = channels,
                                                  .bias = false,
                                                  .padding_mode = mode},
                                  seed);
}
}  // namespace

TipsPool2d::TipsPool2d(TipsPool2dOptions options) : options_(checked(options)) {
  conv1_ = register_module("conv1", depthwise(options_.channels, options_.kernel, options_.padding_mode, stream_id(options_.seed, 1)));
  conv2_ = register_module("conv2", depthwise(options_.channels, 1, PadMode::kZeros, stream_id(options_.seed, 2)));
  register_counter("calls", &calls_);
}

Tensor TipsPool2d::forward(const Tensor& x) {
  TipsOutput out = tips_downsample(x, conv1_->weight(), conv2_->weight(), options_.stride, options_.padding_mode);
  last_xp_ = last_psi_ = Tensor();
  if (is_training()) {
    last_shift_ = tips_draw_shift(options_.max_shift, options_.seed, calls_++);
    last_xp_ = std::move(out.xp);
    last_psi_ = std::move(out.psi);
  }
  return out.y;
}

Tensor TipsPool2d::regulariser() const {
  return last_psi_.defined() ? tips_regulariser(last_xp_, last_psi_, last_shift_, options_.shift_mode) : Tensor();
}

std::vector<Window> TipsPool2d::windows() const {
  // Output i mixes inputs i*s + phase, phase in [0, s) (after the top/left padding); the
  // mixing weights depend on the whole input, as APS's choice does.
  return {Window{.kernel = options_.stride, .stride = options_.stride, .adaptive = true}};
}

std::string TipsPool2d::describe() const {
  return fmt::format("TipsPool2d({}, kernel={}, stride={}, padding={})", options_.channels, options_.kernel,
                     stride_string(options_.stride), to_string(options_.padding_mode));
}

ModuleConfig TipsPool2d::config() const {  // the seed and the shifts only concern training draws
  return {"TipsPool2d",
          {{"channels", options_.channels},
           {"kernel", options_.kernel},
           {"stride", options_.stride},
           {"padding_mode", to_string(options_.padding_mode)}}};
}

}  // namespace poolnet
