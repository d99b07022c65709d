// The spec grammar of the downsampling registry: parsing, canonical spelling, typed key access
// and the help text written from the rows (layers/downsample.h).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "framework/errors.h"
#include "layers/downsample.h"

namespace poolnet {

namespace {

std::string expects(const StrategyKey& k) {
  switch (k.type) {
    case KeyType::kInteger:
      return k.high >= kUnboundedInteger ? fmt::format("an integer >= {}", k.low)
                                         : fmt::format("an integer in {}..{}", k.low, k.high);
    case KeyType::kReal:
      return k.high == kUnboundedReal ? fmt::format("a number >= {}", k.low)
                                      : fmt::format("a number in {}..{}", k.low, k.high);
    case KeyType::kFlag:
      return "true or false";
    case KeyType::kStride:
      return "S or SHxSW (integers >= 1, one of them >= 2)";
    case KeyType::kChoice: {
      std::vector<std::string> c(k.choices.begin(), k.choices.end() - 1);
      return fmt::format("{} or {}", fmt::join(c, ", "), k.choices.back());
    }
  }
  return "";
}

std::optional<SpecValue> read_value(const StrategyKey& k, std::string_view v) {
  switch (k.type) {
    case KeyType::kInteger: {
      int64_t out = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
      if (ec != std::errc() || end != v.data() + v.size() || out < k.low || out > k.high) return std::nullopt;
      return out;
    }
    case KeyType::kReal: {
      double out = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
      if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(out) || out < k.low || out > k.high) {
        return std::nullopt;
      }
      return out;
    }
    case KeyType::kFlag:
      if (v == "true") return true;
      if (v == "false") return false;
      return std::nullopt;
    case KeyType::kChoice:
      if (std::find(k.choices.begin(), k.choices.end(), v) == k.choices.end()) return std::nullopt;
      return std::string(v);
    case KeyType::kStride: {
      const std::optional<Size2d> s = parse_stride(v);
      if (!s) return std::nullopt;
      return stride_string(*s);
    }
  }
  return std::nullopt;
}

std::string print_value(const SpecValue& v) {
  struct Text {
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& s) const { return s; }
  };
  return std::visit(Text{}, v);
}

const StrategyKey* find_key(const Strategy& s, std::string_view key) {
  for (const StrategyKey& k : s.keys) {
    if (k.name == key) return &k;
  }
  return nullptr;
}

// The value of `key` in `spec`: set, else the row's default; null if neither.
const SpecValue* value_of(const DownsampleSpec& spec, std::string_view key) {
  const auto it = spec.values.find(std::string(key));
  if (it != spec.values.end()) return &it->second;
  const StrategyKey* k = find_key(find_strategy(spec.name), key);
  return k && k->default_value ? &*k->default_value : nullptr;
}

template <class T>
const T& typed_value(const DownsampleSpec& spec, std::string_view key) {
  const SpecValue* v = value_of(spec, key);
  if (!v || !std::holds_alternative<T>(*v)) {
    throw ConfigError(fmt::format("downsample: {} has no {} of that type", spec.name, key));
  }
  return std::get<T>(*v);
}
}  // namespace

bool DownsampleSpec::has(std::string_view key) const { return value_of(*this, key) != nullptr; }
int64_t DownsampleSpec::integer(std::string_view key) const { return typed_value<int64_t>(*this, key); }
double DownsampleSpec::real(std::string_view key) const { return typed_value<double>(*this, key); }
bool DownsampleSpec::flag(std::string_view key) const { return typed_value<bool>(*this, key); }
const std::string& DownsampleSpec::choice(std::string_view key) const { return typed_value<std::string>(*this, key); }

std::string describe_key(const StrategyKey& k) {
  std::string range;
  switch (k.type) {
    case KeyType::kInteger:
    case KeyType::kReal:
      range = k.high >= kUnboundedInteger ? fmt::format(">= {}", k.low) : fmt::format("{}..{}", k.low, k.high);
      break;
    case KeyType::kFlag:
      range = "true/false";
      break;
    case KeyType::kChoice:
      range = fmt::format("{}", fmt::join(k.choices, "/"));
      break;
    case KeyType::kStride:
      range = "S or SHxSW";
      break;
  }
  if (!k.default_value) return fmt::format("{} ({}; default: {})", k.name, range, k.unset);
  return fmt::format("{}={} ({})", k.name, print_value(*k.default_value), range);
}

namespace {
// "key=default (range)" for each key of a row, sorted by name.
std::vector<std::string> described_keys(const Strategy& s) {
  std::vector<std::string> out;
  for (const StrategyKey& k : s.keys) out.push_back(describe_key(k));
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

std::string strategy_help() {
  std::string out = "Downsampling strategies (--downsample NAME[:KEY=VALUE,...], --strategies A,B,...):\n";
  for (const Strategy& s : strategies()) {
    const std::vector<std::string> keys = described_keys(s);
    out += fmt::format("  {:<16} {}\n", s.name, s.description);
    if (!keys.empty()) out += fmt::format("  {:<16}   keys: {}\n", "", fmt::join(keys, ", "));
  }
  return out;
}

std::string strategy_table() {
  std::string out = "| strategy | keys (default, range) | what it does |\n|---|---|---|\n";
  for (const Strategy& s : strategies()) {
    const std::vector<std::string> keys = described_keys(s);
    out += fmt::format("| `{}` | {} | {} |\n", s.name, keys.empty() ? "-" : fmt::format("{}", fmt::join(keys, ", ")),
                       s.description);
  }
  return out;
}

std::optional<Size2d> parse_stride(std::string_view text) {
  const auto read = [](std::string_view v) -> std::optional<int64_t> {
    int64_t out = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size() || out < 1 || out > (int64_t{1} << 30)) return std::nullopt;
    return out;
  };
  const size_t x = text.find('x');
  const std::optional<int64_t> h = read(text.substr(0, x));
  const std::optional<int64_t> w = x == std::string_view::npos ? h : read(text.substr(x + 1));
  if (!h || !w || *h * *w < 2) return std::nullopt;
  return Size2d{*h, *w};
}

DownsampleSpec parse_downsample(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const Strategy* row = nullptr;
  for (const Strategy& s : strategies()) {
    if (s.name == name) row = &s;
  }
  if (!row) {
    throw ConfigError(fmt::format("downsample: unknown strategy '{}' in '{}' (valid: {})", name, text, fmt::join(all_strategy_names(), ", ")));
  }
  DownsampleSpec spec{.name = std::string(name)};
  if (colon == std::string_view::npos) return spec;
  const std::vector<std::string> keys = strategy_keys(name);
  const std::string valid_keys = keys.empty() ? fmt::format("{} takes no keys", name)
                                              : fmt::format("valid keys: {}", fmt::join(keys, ", "));
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
    const StrategyKey* rule = find_key(*row, key);
    if (!rule) throw ConfigError(fmt::format("downsample: unknown key '{}' for {} in '{}' ({})", key, name, text, valid_keys));
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      throw ConfigError(fmt::format("downsample: key '{}' given twice in '{}'", key, text));
    }
    seen.push_back(key);
    const std::optional<SpecValue> v = read_value(*rule, value);
    if (!v) {
      throw ConfigError(fmt::format("downsample: {} must be {}, got '{}' in '{}'", key, expects(*rule), value, text));
    }
    if (!rule->default_value || *v != *rule->default_value) spec.values[key] = *v;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return spec;
}

std::string to_string(const DownsampleSpec& spec) {
  const Strategy& row = find_strategy(spec.name);
  for (const auto& [key, value] : spec.values) {
    if (!find_key(row, key)) throw ConfigError(fmt::format("downsample: unknown key '{}' for {}", key, spec.name));
  }
  std::vector<std::string> parts;
  for (const std::string& key : strategy_keys(spec.name)) {  // sorted
    const StrategyKey& k = *find_key(row, key);
    const auto it = spec.values.find(key);
    if (it != spec.values.end()) {
      parts.push_back(key + "=" + print_value(it->second));
    } else if (k.always_written && k.default_value) {
      parts.push_back(key + "=" + print_value(*k.default_value));
    }
  }
  if (parts.empty()) return spec.name;
  return fmt::format("{}:{}", spec.name, fmt::join(parts, ","));
}

}  // namespace poolnet
