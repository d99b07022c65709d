#include "framework/optim/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numbers>
#include <vector>

#include "framework/errors.h"

namespace poolnet {

namespace {
void require(bool ok, const char* schedule, const char* what, double value) {
  if (!ok) throw ConfigError(fmt::format("schedule {}: {}, got {}", schedule, what, value));
}

void require_rate(double lr, const char* schedule, const char* field) {
  if (!std::isfinite(lr) || lr < 0.0) {
    throw ConfigError(fmt::format("schedule {}: {} must be finite and >= 0, got {}", schedule, field, lr));
  }
}

void validate_curve(const ConstantLr& s) { require_rate(s.lr, "constant", "lr"); }
void validate_curve(const StepLr& s) {
  require_rate(s.lr, "step", "lr");
  require(s.step_size >= 1, "step", "step_size must be >= 1", static_cast<double>(s.step_size));
  require(std::isfinite(s.gamma) && s.gamma > 0.0, "step", "gamma must be finite and > 0", s.gamma);
}
void validate_curve(const CosineLr& s) {
  require_rate(s.lr, "cosine", "lr");
  require_rate(s.min_lr, "cosine", "min_lr");
  require(s.min_lr <= s.lr, "cosine", "min_lr must be <= lr", s.min_lr);
  require(s.total_steps >= 1, "cosine", "total_steps must be >= 1", static_cast<double>(s.total_steps));
}
void validate_curve(const OneCycleLr& s) {
  require_rate(s.max_lr, "one_cycle", "max_lr");
  require(s.total_steps >= 1, "one_cycle", "total_steps must be >= 1", static_cast<double>(s.total_steps));
  require(s.pct_start >= 0.0 && s.pct_start <= 1.0, "one_cycle", "pct_start must be in [0, 1]", s.pct_start);
  require(std::isfinite(s.div_factor) && s.div_factor > 0.0, "one_cycle", "div_factor must be finite and > 0",
          s.div_factor);
  require(std::isfinite(s.final_div_factor) && s.final_div_factor > 0.0, "one_cycle",
          "final_div_factor must be finite and > 0", s.final_div_factor);
}

// PyTorch's _annealing_cos: from `start` (pct 0) to `end` (pct 1) along half a cosine.
double anneal_cos(double start, double end, double pct) {
  return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
}

double curve_at(const ConstantLr& s, int64_t) { return s.lr; }
double curve_at(const StepLr& s, int64_t t) { return s.lr * std::pow(s.gamma, static_cast<double>(t / s.step_size)); }
double curve_at(const CosineLr& s, int64_t t) {
  if (t >= s.total_steps) return s.min_lr;
  return s.min_lr +
         (s.lr - s.min_lr) * (1.0 + std::cos(std::numbers::pi * static_cast<double>(t) / s.total_steps)) / 2.0;
}
double curve_at(const OneCycleLr& s, int64_t t) {
  const double initial = s.max_lr / s.div_factor, final_lr = initial / s.final_div_factor;
  // PyTorch's phase ends: steps pct_start * total_steps - 1 and total_steps - 1. A rise of at
  // most one step (where PyTorch divides by zero) reaches max_lr at once.
  const double rise = s.pct_start * static_cast<double>(s.total_steps);
  const double rise_end = rise - 1.0;
  const double fall_end = static_cast<double>(s.total_steps - 1);
  const auto step = static_cast<double>(t);
  if (step >= fall_end && step > rise_end) return final_lr;
  if (step <= rise_end) return rise <= 1.0 ? s.max_lr : anneal_cos(initial, s.max_lr, step / rise_end);
  return anneal_cos(s.max_lr, final_lr, (step - rise_end) / (fall_end - rise_end));
}

std::string describe_curve(const ConstantLr& s) { return fmt::format("constant(lr={})", s.lr); }
std::string describe_curve(const StepLr& s) {
  return fmt::format("step(lr={}, step_size={}, gamma={})", s.lr, s.step_size, s.gamma);
}
std::string describe_curve(const CosineLr& s) {
  return fmt::format("cosine(lr={}, min_lr={}, total_steps={})", s.lr, s.min_lr, s.total_steps);
}
std::string describe_curve(const OneCycleLr& s) {
  return fmt::format("one_cycle(max_lr={}, total_steps={}, pct_start={}, div_factor={}, final_div_factor={})", s.max_lr,
                     s.total_steps, s.pct_start, s.div_factor, s.final_div_factor);
}
}  // namespace

void validate_schedule(const Schedule& schedule) {
  std::visit([](const auto& s) { validate_curve(s); }, schedule.curve);
  const LinearWarmup& w = schedule.warmup;
  require(w.steps >= 0, "warmup", "steps must be >= 0", static_cast<double>(w.steps));
  require(w.start_factor >= 0.0 && w.start_factor <= 1.0, "warmup", "start_factor must be in [0, 1]", w.start_factor);
}

double lr_at(const Schedule& schedule, int64_t step) {
  validate_schedule(schedule);
  if (step < 0) throw ConfigError(fmt::format("schedule: step must be >= 0, got {}", step));
  const double lr = std::visit([step](const auto& s) { return curve_at(s, step); }, schedule.curve);
  const LinearWarmup& w = schedule.warmup;
  if (w.steps == 0 || step >= w.steps) return lr;
  return lr * (w.start_factor + (1.0 - w.start_factor) * static_cast<double>(step) / static_cast<double>(w.steps));
}

std::string describe(const Schedule& schedule) {
  std::string out = std::visit([](const auto& s) { return describe_curve(s); }, schedule.curve);
  if (schedule.warmup.steps > 0) {
    out += fmt::format(" + warmup(steps={}, start_factor={:.6g})", schedule.warmup.steps, schedule.warmup.start_factor);
  }
  return out;
}

namespace {
struct SpecValues {
  std::string_view spec;
  std::map<std::string, std::string> values;

  double number(const std::string& key, double fallback) {
    const auto it = values.find(key);
    if (it == values.end()) return fallback;
    double value = 0.0;
    const char* end = it->second.data() + it->second.size();
    const auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
    if (ec != std::errc() || ptr != end) {
      throw ConfigError(fmt::format("schedule '{}': {}={} is not a number", spec, key, it->second));
    }
    return value;
  }
  int64_t count(const std::string& key, int64_t fallback) {
    const double value = number(key, static_cast<double>(fallback));
    if (value != std::floor(value) || std::abs(value) > 1e15) {
      throw ConfigError(fmt::format("schedule '{}': {} must be an integer, got {}", spec, key, values[key]));
    }
    return static_cast<int64_t>(value);
  }
};

SpecValues split_spec(std::string_view spec, std::string_view& name) {
  SpecValues out{.spec = spec, .values = {}};
  const size_t colon = spec.find(':');
  name = spec.substr(0, colon);
  if (colon == std::string_view::npos) return out;
  std::string_view rest = spec.substr(colon + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw ConfigError(fmt::format("schedule '{}': expected key=value, got '{}'", spec, item));
    }
    out.values[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}
}  // namespace

Schedule parse_schedule(std::string_view spec, double lr, int64_t total_steps) {
  std::string_view name;
  SpecValues v = split_spec(spec, name);
  Schedule schedule;
  std::vector<std::string> keys;
  if (name == "constant") {
    schedule.curve = ConstantLr{.lr = lr};
  } else if (name == "step") {
    if (!v.values.contains("step_size")) throw ConfigError(fmt::format("schedule '{}': step needs step_size=N", spec));
    schedule.curve = StepLr{.lr = lr, .step_size = v.count("step_size", 1), .gamma = v.number("gamma", 0.1)};
    keys = {"step_size", "gamma"};
  } else if (name == "cosine") {
    schedule.curve = CosineLr{.lr = lr, .min_lr = v.number("min_lr", 0.0), .total_steps = total_steps};
    keys = {"min_lr"};
  } else if (name == "one_cycle") {
    const OneCycleLr d;
    schedule.curve = OneCycleLr{.max_lr = lr,
                                .total_steps = total_steps,
                                .pct_start = v.number("pct_start", d.pct_start),
                                .div_factor = v.number("div_factor", d.div_factor),
                                .final_div_factor = v.number("final_div_factor", d.final_div_factor)};
    keys = {"pct_start", "div_factor", "final_div_factor"};
  } else {
    throw ConfigError(
        fmt::format("schedule '{}': unknown schedule '{}' (valid: constant, step, cosine, one_cycle)", spec, name));
  }
  schedule.warmup = {.steps = v.count("warmup", 0),
                     .start_factor = v.number("warmup_start_factor", LinearWarmup{}.start_factor)};
  keys.insert(keys.end(), {"warmup", "warmup_start_factor"});
  for (const auto& [key, value] : v.values) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      throw ConfigError(
          fmt::format("schedule '{}': unknown key '{}' for {} (valid: {})", spec, key, name, fmt::join(keys, ", ")));
    }
  }
  validate_schedule(schedule);
  return schedule;
}

}  // namespace poolnet
