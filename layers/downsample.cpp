#include "layers/downsample.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "framework/errors.h"
#include "layers/aps_pool.h"
#include "layers/avg_pool2d.h"
#include "layers/blur_pool.h"
#include "layers/conv2d.h"
#include "layers/conv_blur_pool.h"
#include "layers/identity.h"
#include "layers/lp_pool2d.h"
#include "layers/max_blur_pool.h"
#include "layers/max_pool2d.h"
#include "layers/mixed_pool.h"
#include "layers/relu.h"
#include "layers/sequential.h"
#include "layers/soft_pool.h"
#include "layers/stochastic_pool.h"

namespace poolnet {

namespace {
struct StrategyInfo {
  std::string name;
  std::vector<std::string> keys;  // sorted
};

const std::vector<StrategyInfo>& strategies() {
  static const std::vector<StrategyInfo> table = {
      {"max_pool", {"ceil_mode", "dilation", "kernel", "padding", "stride"}},
      {"avg_pool", {"ceil_mode", "count_include_pad", "divisor_override", "kernel", "padding", "stride"}},
      {"lp_pool", {"ceil_mode", "kernel", "p", "stride"}},
      {"strided_conv", {}},
      {"blur_pool", {"filter"}},
      {"max_blur_pool", {"filter"}},
      {"conv_blur_pool", {"filter"}},
      {"aps", {"norm"}},
      {"aps_blur", {"filter", "norm"}},
      {"stochastic_pool", {}},
      {"mixed_pool", {}},
      {"soft_pool", {}},
      {"none", {}},
  };
  return table;
}

const StrategyInfo* find_strategy(std::string_view name) {
  for (const StrategyInfo& s : strategies()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::optional<int64_t> parse_int(std::string_view v) {
  int64_t out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

std::optional<double> parse_double(std::string_view v) {
  double out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(out)) return std::nullopt;
  return out;
}

std::optional<bool> parse_bool(std::string_view v) {
  if (v == "true") return true;
  if (v == "false") return false;
  return std::nullopt;
}

// One settable key: how to read it (false: bad value), how to write it (nullopt: unset).
struct KeyRule {
  std::string expects;
  std::function<bool(DownsampleSpec&, std::string_view)> set;
  std::function<std::optional<std::string>(const DownsampleSpec&)> print;
};

// An integer key stored in `field`, valid in [low, high]; `unset` (if any) is not printed.
KeyRule int_key(int64_t DownsampleSpec::*field, int64_t low, int64_t high, std::string expects,
                std::optional<int64_t> unset = std::nullopt) {
  return {std::move(expects),
          [=](DownsampleSpec& s, std::string_view v) {
            const auto i = parse_int(v);
            if (!i || *i < low || *i > high) return false;
            s.*field = *i;
            return true;
          },
          [=](const DownsampleSpec& s) -> std::optional<std::string> {
            if (unset && s.*field == *unset) return std::nullopt;
            return std::to_string(s.*field);
          }};
}

KeyRule bool_key(bool DownsampleSpec::*field, bool default_value) {
  return {"true or false",
          [=](DownsampleSpec& s, std::string_view v) {
            const auto b = parse_bool(v);
            if (b) s.*field = *b;
            return b.has_value();
          },
          [=](const DownsampleSpec& s) -> std::optional<std::string> {
            if (s.*field == default_value) return std::nullopt;
            return s.*field ? "true" : "false";
          }};
}

const std::map<std::string, KeyRule>& key_rules() {
  constexpr int64_t kBig = int64_t{1} << 30;
  static const std::map<std::string, KeyRule> rules = [] {
    std::map<std::string, KeyRule> r;
    r["kernel"] = int_key(&DownsampleSpec::kernel, 1, kBig, "an integer >= 1", 0);
    r["stride"] = int_key(&DownsampleSpec::stride, 1, kBig, "an integer >= 1", 0);
    r["padding"] = int_key(&DownsampleSpec::padding, 0, kBig, "an integer >= 0", 0);
    r["dilation"] = int_key(&DownsampleSpec::dilation, 1, kBig, "an integer >= 1", 1);
    r["divisor_override"] = int_key(&DownsampleSpec::divisor_override, 1, kBig, "an integer >= 1", 0);
    r["filter"] = int_key(&DownsampleSpec::filter, 1, 7, "an integer in 1..7");
    r["ceil_mode"] = bool_key(&DownsampleSpec::ceil_mode, false);
    r["count_include_pad"] = bool_key(&DownsampleSpec::count_include_pad, true);
    r["p"] = {"a number >= 1",
              [](DownsampleSpec& s, std::string_view v) {
                const auto d = parse_double(v);
                if (!d || *d < 1.0) return false;
                s.p = *d;
                return true;
              },
              [](const DownsampleSpec& s) -> std::optional<std::string> { return fmt::format("{}", s.p); }};
    r["norm"] = {"l2, l1 or linf",
                 [](DownsampleSpec& s, std::string_view v) {
                   if (v != "l2" && v != "l1" && v != "linf") return false;
                   s.norm = parse_aps_norm(v);
                   return true;
                 },
                 [](const DownsampleSpec& s) -> std::optional<std::string> { return to_string(s.norm); }};
    return r;
  }();
  return rules;
}

// Pool2d options of a max/avg/lp_pool spec: kernel and stride default to the context's stride.
Pool2d pool_options(const DownsampleSpec& spec, int64_t s) {
  const int64_t k = spec.kernel > 0 ? spec.kernel : s, st = spec.stride > 0 ? spec.stride : s;
  return Pool2d{.kernel = {k, k},
                .stride = {st, st},
                .padding = {spec.padding, spec.padding},
                .dilation = {spec.dilation, spec.dilation},
                .ceil_mode = spec.ceil_mode,
                .count_include_pad = spec.count_include_pad,
                .divisor_override = spec.divisor_override};
}

std::shared_ptr<Module> strided_conv(const DownsampleContext& c) {
  auto seq = std::make_shared<Sequential>();
  seq->add(std::make_shared<Conv2d>(Conv2d::Options{.in_channels = c.channels,
                                                    .out_channels = c.channels,
                                                    .kernel = {3, 3},
                                                    .stride = {c.stride, c.stride},
                                                    .padding = {1, 1},
                                                    .padding_mode = c.padding_mode},
                                    c.seed));
  seq->add(std::make_shared<ReLU>());
  return seq;
}

std::string valid_names() { return fmt::format("{}", fmt::join(all_strategy_names(), ", ")); }
}  // namespace

const std::vector<std::string>& all_strategy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const StrategyInfo& s : strategies()) out.push_back(s.name);
    return out;
  }();
  return names;
}

std::vector<std::string> strategy_keys(std::string_view name) {
  const StrategyInfo* info = find_strategy(name);
  if (!info) throw ConfigError(fmt::format("downsample: unknown strategy '{}' (valid: {})", name, valid_names()));
  return info->keys;
}

DownsampleSpec parse_downsample(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const StrategyInfo* info = find_strategy(name);
  if (!info) {
    throw ConfigError(fmt::format("downsample: unknown strategy '{}' in '{}' (valid: {})", name, text, valid_names()));
  }
  DownsampleSpec spec{.name = std::string(name)};
  if (colon == std::string_view::npos) return spec;
  const std::string valid_keys = info->keys.empty() ? fmt::format("{} takes no keys", name)
                                                    : fmt::format("valid keys: {}", fmt::join(info->keys, ", "));
  std::vector<std::string> seen;
  std::string_view rest = text.substr(colon + 1);
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw ConfigError(
          fmt::format("downsample: expected key=value, got '{}' in '{}' (grammar: name[:key=value,...]; {})", item,
                      text, valid_keys));
    }
    const std::string key(item.substr(0, eq));
    const std::string_view value = item.substr(eq + 1);
    if (std::find(info->keys.begin(), info->keys.end(), key) == info->keys.end()) {
      throw ConfigError(fmt::format("downsample: unknown key '{}' for {} in '{}' ({})", key, name, text, valid_keys));
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      throw ConfigError(fmt::format("downsample: key '{}' given twice in '{}'", key, text));
    }
    seen.push_back(key);
    const KeyRule& rule = key_rules().at(key);
    if (!rule.set(spec, value)) {
      throw ConfigError(fmt::format("downsample: {} must be {}, got '{}' in '{}'", key, rule.expects, value, text));
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return spec;
}

std::string to_string(const DownsampleSpec& spec) {
  const StrategyInfo* info = find_strategy(spec.name);
  if (!info) throw ConfigError(fmt::format("downsample: unknown strategy '{}' (valid: {})", spec.name, valid_names()));
  std::vector<std::string> parts;
  for (const std::string& key : info->keys) {
    if (auto v = key_rules().at(key).print(spec)) parts.push_back(key + "=" + *v);
  }
  if (parts.empty()) return spec.name;
  return fmt::format("{}:{}", spec.name, fmt::join(parts, ","));
}

std::shared_ptr<Module> make_downsample(const DownsampleSpec& spec, const DownsampleContext& context) {
  const std::string& name = spec.name;
  const int64_t s = context.stride;
  if (!find_strategy(name)) {
    throw ConfigError(fmt::format("downsample: unknown strategy '{}' (valid: {})", name, valid_names()));
  }
  if (s < 1) throw ConfigError(fmt::format("downsample: context stride must be >= 1, got {} for {}", s, name));
  const bool needs_channels = name == "strided_conv" || name == "conv_blur_pool";
  if (needs_channels && context.channels < 1) {
    throw ConfigError(
        fmt::format("downsample: {} needs the channel count (context channels >= 1), got {}", name, context.channels));
  }
  if ((name == "aps" || name == "aps_blur") && s < 2) {
    throw ConfigError(fmt::format("downsample: {} needs a context stride >= 2, got {}", name, s));
  }
  const PadMode mode = context.padding_mode;
  const Blur2d blur{.filter_size = spec.filter, .stride = s, .padding_mode = mode};
  if (name == "max_pool" || name == "avg_pool" || name == "lp_pool") {
    try {  // the window limits that do not depend on the input size
      pool2d_geometry({1, 1, 1 << 20, 1 << 20}, pool_options(spec, s), name, name == "max_pool");
    } catch (const ShapeError& e) {
      throw ConfigError(fmt::format("downsample: '{}' cannot work: {}", to_string(spec), e.what()));
    }
  }
  if (name == "max_pool") return std::make_shared<MaxPool2d>(pool_options(spec, s));
  if (name == "avg_pool") return std::make_shared<AvgPool2d>(pool_options(spec, s));
  if (name == "lp_pool") return std::make_shared<LpPool2d>(static_cast<float>(spec.p), pool_options(spec, s));
  if (name == "strided_conv") return strided_conv(context);
  if (name == "blur_pool") return std::make_shared<BlurPool2d>(blur);
  if (name == "max_blur_pool") return std::make_shared<MaxBlurPool2d>(blur);
  if (name == "conv_blur_pool") {
    return std::make_shared<ConvBlurPool2d>(
        ConvBlurPool2dOptions{
            .channels = context.channels, .filter_size = spec.filter, .stride = s, .padding_mode = mode},
        context.seed);
  }
  if (name == "aps") return std::make_shared<ApsPool2d>(ApsPool2dOptions{.aps = {.stride = s, .norm = spec.norm}});
  if (name == "aps_blur") {
    return std::make_shared<ApsPool2d>(
        ApsPool2dOptions{.aps = {.stride = s, .norm = spec.norm}, .blur_filter = spec.filter, .blur_padding = mode});
  }
  if (name == "stochastic_pool") {
    return std::make_shared<StochasticPool2d>(
        StochasticPool2dOptions{.kernel = {s, s}, .stride = {s, s}, .seed = context.seed});
  }
  if (name == "mixed_pool") return std::make_shared<MixedPool2d>(Pool2d{.kernel = {s, s}, .stride = {s, s}});
  if (name == "soft_pool") return std::make_shared<SoftPool2d>(SoftPool{.kernel = {s, s}, .stride = {s, s}});
  if (name == "none") return std::make_shared<Identity>();
  throw ConfigError(fmt::format("downsample: no module for strategy '{}'", name));  // a table entry without a branch
}

}  // namespace poolnet
