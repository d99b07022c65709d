// Downsampling strategies: their names, the spec grammar and the one factory (DESIGN.md,
// "Downsampling strategies"). This file and downsample.cpp hold the only switch over names.
//
// Spec grammar: name[:key=value,...], e.g. "max_pool", "lp_pool:p=3", "aps_blur:filter=5,norm=linf".
//   name              keys (default)
//   max_pool          kernel, stride (the context's stride), padding (0), dilation (1), ceil_mode (false)
//   avg_pool          kernel, stride (the context's stride), padding (0), ceil_mode (false),
//                     count_include_pad (true), divisor_override (none)
//   lp_pool           p (2; >= 1), kernel, stride (the context's stride), ceil_mode (false)
//   strided_conv      -  learnable 3x3 conv, stride s, padding 1 (context padding mode), then ReLU
//   blur_pool         filter (3; 1..7)
//   max_blur_pool     filter (3)
//   conv_blur_pool    filter (3)
//   aps               norm (l2 | l1 | linf)
//   aps_blur          filter (3), norm (l2). Beware norm=l1 on non-negative maps (after ReLU):
//                     a binomial filter puts half its weight on even and half on odd taps, so with
//                     circular padding every polyphase component of the blurred map has the same
//                     l1 norm and the choice falls to rounding noise — use l2 or linf there.
//   stochastic_pool, mixed_pool, soft_pool: window = stride = the context's stride; no keys
//   none              identity (stride 1)
// Canonical form (to_string): keys sorted; the strategy's defining keys (filter, norm, p) always
// written, the pooling window's keys (kernel, stride, padding, dilation, ceil_mode,
// count_include_pad, divisor_override) only when they differ from the default, so "max_pool"
// stays "max_pool" and "aps" becomes "aps:norm=l2" (unset kernel and stride follow the context:
// kernel = stride = DownsampleContext::stride).
// parse(to_string(spec)) == spec and to_string(parse(s)) is the canonical spelling of s.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "framework/ops/aps.h"
#include "framework/ops/geometry.h"
#include "layers/module.h"

namespace poolnet {

struct DownsampleSpec {
  std::string name = "max_pool";
  // Pooling window (max_pool, avg_pool, lp_pool); 0 = unset: the context's stride.
  int64_t kernel = 0;
  int64_t stride = 0;
  int64_t padding = 0;
  int64_t dilation = 1;
  bool ceil_mode = false;
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // 0 = none
  double p = 2.0;                // lp_pool
  int64_t filter = 3;            // blur_pool, max_blur_pool, conv_blur_pool, aps_blur
  ApsNorm norm = ApsNorm::kL2;   // aps, aps_blur
  bool operator==(const DownsampleSpec&) const = default;
};

// Where a downsampling module goes in a model.
struct DownsampleContext {
  int64_t channels = 0;                    // C: input channels (= output channels)
  PadMode padding_mode = PadMode::kZeros;  // zeros | circular: strided_conv, conv_blur_pool's conv, blur filters
  uint64_t seed = 0;                       // parameter init and stochastic_pool draws
  int64_t stride = 2;                      // downsampling factor s
};

// Every strategy name, in DESIGN.md's order.
const std::vector<std::string>& all_strategy_names();
// The keys a strategy accepts, sorted (empty for keyless strategies); ConfigError if unknown.
std::vector<std::string> strategy_keys(std::string_view name);

// Parses a spec string; ConfigError naming the valid names / keys / values otherwise.
DownsampleSpec parse_downsample(std::string_view spec);
// The canonical spelling (see above).
std::string to_string(const DownsampleSpec& spec);

// The module for `spec` at a place described by `context`: [N,C,H,W] -> [N,C,H',W'], where
// s = context.stride (kernel = stride = s unless the spec sets them):
//   max_pool MaxPool2d, avg_pool AvgPool2d, lp_pool LpPool2d;
//   strided_conv  Sequential(Conv2d(C, C, 3x3, stride s, padding 1, context mode), ReLU);
//   blur_pool BlurPool2d, max_blur_pool MaxBlurPool2d, conv_blur_pool ConvBlurPool2d (context
//     padding mode for their convolution and blur filter; stride s);
//   aps, aps_blur ApsPool2d (stride s; aps_blur's stride-1 blur uses the context mode);
//   stochastic_pool StochasticPool2d, mixed_pool MixedPool2d, soft_pool SoftPool2d: window
//     s x s, stride s;
//   none Identity.
// Parameters are initialised from context.seed. ConfigError for a spec or context that cannot
// work (unknown name, channels < 1 where a convolution needs them, stride < 1, aps with s < 2).
std::shared_ptr<Module> make_downsample(const DownsampleSpec& spec, const DownsampleContext& context);

}  // namespace poolnet
