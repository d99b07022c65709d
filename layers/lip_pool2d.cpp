#include "layers/lip_pool2d.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/errors.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/pad.h"

namespace poolnet {

LipLogit::LipLogit(const LipPool2dOptions& o) : coeff_(o.coeff) {
  const int64_t k = o.logit_kernel, pad = (o.logit_kernel - 1) / 2;
  conv_ = register_module("conv", std::make_shared<Conv2d>(Conv2d::Options{.in_channels = o.channels,
                                                                           .out_channels = o.channels,
                                                                           .kernel = {k, k},
                                                                           .padding = {pad, pad},
                                                                           .bias = false,
                                                                           .padding_mode = o.padding_mode},
                                                           o.seed));
  std::fill(conv_->weight().span().begin(), conv_->weight().span().end(), 0.0f);
  bn_ = register_module(
      "bn", std::make_shared<InstanceNorm2d>(InstanceNorm2d::Options{.num_features = o.channels, .affine = true}));
}

Tensor LipLogit::forward(const Tensor& x) { return mul(sigmoid((*bn_)((*conv_)(x))), static_cast<float>(coeff_)); }

std::string LipLogit::describe() const {
  return fmt::format("LipLogit({}, kernel={}, coeff={})", conv_->options().in_channels,
                     to_string(conv_->options().kernel), coeff_);
}

ModuleConfig LipLogit::config() const { return {"LipLogit", {{"coeff", coeff_}}}; }

LipPool2d::LipPool2d(LipPool2dOptions options) : options_(options) {
  const LipPool2dOptions& o = options_;
  const auto fail = [&](const std::string& what) {
    throw ConfigError(fmt::format("LipPool2d: {} (channels={}, {}, logit_kernel={}, coeff={})", what, o.channels,
                                  to_string(o.pool), o.logit_kernel, o.coeff));
  };
  if (o.channels < 1) fail("channels must be >= 1");
  if (o.logit_kernel < 1 || o.logit_kernel % 2 == 0) fail("logit_kernel must be odd and >= 1");
  if (!(o.coeff > 0.0) || !std::isfinite(o.coeff)) fail("coeff must be a finite number > 0");
  try {  // the window limits that do not depend on the input size
    lip_pool2d_out_shape({1, 1, 1 << 20, 1 << 20}, {1, 1, 1 << 20, 1 << 20}, o.pool);
  } catch (const ShapeError& e) {
    fail(e.what());
  }
  logit_ = register_module("logit", std::make_shared<LipLogit>(o));
}

Tensor LipPool2d::forward(const Tensor& x) {
  const Tensor logits = (*logit_)(x);
  const LipPool& p = options_.pool;
  if (options_.padding_mode != PadMode::kCircular || p.padding == Size2d{0, 0}) return lip_pool2d(x, logits, p);
  const Padding2d wrap{.top = p.padding.h, .bottom = p.padding.h, .left = p.padding.w, .right = p.padding.w};
  return lip_pool2d(pad(x, wrap, PadMode::kCircular), pad(logits, wrap, PadMode::kCircular),
                    {.kernel = p.kernel, .stride = p.stride, .padding = {0, 0}});
}

std::vector<Window> LipPool2d::windows() const {
  std::vector<Window> out = logit_->conv().windows();
  out.push_back(
      Window{.kernel = options_.pool.kernel, .stride = options_.pool.stride, .padding = options_.pool.padding});
  return out;
}

std::string LipPool2d::describe() const {
  return fmt::format("LipPool2d({}, {}, logit_kernel={}, padding_mode={})", options_.channels, to_string(options_.pool),
                     options_.logit_kernel, to_string(options_.padding_mode));
}

ModuleConfig LipPool2d::config() const {
  return {"LipPool2d",
          {{"kernel", options_.pool.kernel},
           {"stride", options_.pool.stride},
           {"padding", options_.pool.padding},
           {"padding_mode", to_string(options_.padding_mode)}}};
}

}  // namespace poolnet
