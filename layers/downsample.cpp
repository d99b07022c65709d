#include "layers/downsample.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <optional>

#include "framework/errors.h"

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

KeyRule bool_key(bool DownsampleSpec::*field) {
  return {"true or false",
          [=](DownsampleSpec& s, std::string_view v) {
            const auto b = parse_bool(v);
            if (b) s.*field = *b;
            return b.has_value();
          },
          [=](const DownsampleSpec& s) -> std::optional<std::string> { return s.*field ? "true" : "false"; }};
}

const std::map<std::string, KeyRule>& key_rules() {
  constexpr int64_t kBig = int64_t{1} << 30;
  static const std::map<std::string, KeyRule> rules = [] {
    std::map<std::string, KeyRule> r;
    r["kernel"] = int_key(&DownsampleSpec::kernel, 1, kBig, "an integer >= 1", 0);
    r["stride"] = int_key(&DownsampleSpec::stride, 1, kBig, "an integer >= 1", 0);
    r["padding"] = int_key(&DownsampleSpec::padding, 0, kBig, "an integer >= 0");
    r["dilation"] = int_key(&DownsampleSpec::dilation, 1, kBig, "an integer >= 1");
    r["divisor_override"] = int_key(&DownsampleSpec::divisor_override, 1, kBig, "an integer >= 1", 0);
    r["filter"] = int_key(&DownsampleSpec::filter, 1, 7, "an integer in 1..7");
    r["ceil_mode"] = bool_key(&DownsampleSpec::ceil_mode);
    r["count_include_pad"] = bool_key(&DownsampleSpec::count_include_pad);
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

std::string valid_names() {
  return fmt::format("{}", fmt::join(all_strategy_names(), ", "));
}
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
  const std::string valid_keys =
      info->keys.empty() ? fmt::format("{} takes no keys", name) : fmt::format("valid keys: {}", fmt::join(info->keys, ", "));
  std::vector<std::string> seen;
  std::string_view rest = text.substr(colon + 1);
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw ConfigError(fmt::format("downsample: expected key=value, got '{}' in '{}' (grammar: name[:key=value,...]; {})",
                                    item, text, valid_keys));
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

}  // namespace poolnet
