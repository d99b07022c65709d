#include "experiments/cli_common.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "framework/parallel.h"

namespace poolnet::cli {

namespace {
Tensor normalise(const Tensor& raw, const data::DatasetInfo& info) {
  const auto C = static_cast<int64_t>(info.mean.size());
  const Tensor mean = Tensor::from_vector({1, C, 1, 1}, info.mean);
  const Tensor stddev = Tensor::from_vector({1, C, 1, 1}, info.stddev);
  return div(sub(raw, mean), stddev);
}
}  // namespace

void add_config_option(CLI::App& app) {
  app.add_option("--config", "TOML file with any of these options (flags given here win)")->check(CLI::ExistingFile);
}

void add_common_options(CLI::App& app, CommonOptions& o) {
  app.add_option("--threads", o.threads, "worker threads (0: all cores); results do not depend on it")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--quiet", o.quiet, "only warnings and errors");
}

void apply(const CommonOptions& o) {
  parallel::set_num_threads(o.threads);
  spdlog::set_level(o.quiet ? spdlog::level::warn : spdlog::level::info);
  spdlog::set_pattern("[%H:%M:%S] %v");
}

void add_shift_options(CLI::App& app, ShiftOptions& o) {
  app.add_option("--max-shift", o.max_shift, "largest shift K in pixels (-1: 4)")->capture_default_str();
  app.add_option("--shift-modes,--shift-mode", o.shift_modes, "comma list of circular, zero, crop")->capture_default_str();
  app.add_option("--grid-samples", o.grid_samples, "test images used for the accuracy-vs-shift grid (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

std::vector<ShiftMode> parse_shift_modes(const std::string& list) {
  std::vector<ShiftMode> modes;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    if (!name.empty()) modes.push_back(parse_shift_mode(name));
    start = comma + 1;
  }
  if (modes.empty()) throw ConfigError("--shift-modes: give at least one of circular, zero, crop");
  return modes;
}

ShiftEvalOptions shift_eval_options(const ShiftOptions& o, int64_t height, int64_t width, uint64_t seed) {
  ShiftEvalOptions e;
  e.max_shift = o.max_shift < 0 ? 4 : o.max_shift;
  if (2 * e.max_shift >= std::min(height, width)) {
    throw ConfigError(fmt::format("--max-shift: {} px is too large for {}x{} images (at most {})", e.max_shift, height,
                                  width, (std::min(height, width) - 1) / 2));
  }
  e.grid_samples = o.grid_samples;
  e.seed = seed;
  return e;
}

std::vector<std::string> split_strategy_list(const std::string& list) {
  std::vector<std::string> specs;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string piece = list.substr(start, comma - start);
    start = comma + 1;
    if (piece.empty()) continue;
    const bool continues = piece.find('=') != std::string::npos && piece.find(':') == std::string::npos;
    if (continues && !specs.empty()) {
      specs.back() += "," + piece;
    } else {
      specs.push_back(piece);
    }
  }
  return specs;
}

Tensor raw_images(const data::Dataset& data) {
  std::vector<int64_t> all(static_cast<size_t>(data.size()));
  for (int64_t i = 0; i < data.size(); ++i) all[static_cast<size_t>(i)] = i;
  return data.images(all, false);
}

LogitsFn logits_fn(Model& model, const data::DatasetInfo& info) {
  return [&model, info](const Tensor& raw) {
    NoGradGuard no_grad;
    model.eval();
    return model.forward(normalise(raw, info));
  };
}

TraceFn trace_fn(Model& model, const data::DatasetInfo& info) {
  return [&model, info](const Tensor& raw) {
    NoGradGuard no_grad;
    model.eval();
    // The spatial feature maps, then the logits (invariance error).
    std::vector<FeatureMap> maps;
    const auto layers = model.trace(normalise(raw, info));
    for (const auto& l : layers) {
      if (l.value.dim() == 4) maps.push_back({l.name, l.value, l.stride});
    }
    maps.push_back({"logits", layers.back().value, 0});
    return maps;
  };
}

}  // namespace poolnet::cli
