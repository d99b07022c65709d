#include "experiments/cli/cli_common.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>

#include "experiments/eval/corruption_files.h"
#include "experiments/eval/suites.h"
#include "framework/errors.h"
#include "framework/parallel.h"

namespace poolnet::cli {

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

void add_train_options(CLI::App& app, TrainConfig& c) {
  app.add_option("--dataset", c.dataset, "fashion-mnist | mnist | cifar10 | cifar100 | shapes")->capture_default_str();
  app.add_option("--data-dir", c.data_dir,
                 "folder holding the data set (default: $POOLNET_DATA, ./data/<name>, "
                 "/usr/share/datasets/<name>)");
  app.add_option("--train-samples", c.train_samples, "use only the first N training images (0: all)")
      ->capture_default_str();
  app.add_option("--test-samples", c.test_samples, "use only the first N test images (0: all)")->capture_default_str();
  app.add_option("--validation", c.validation, "share of the training set held out for validation")
      ->capture_default_str();
  app.add_option("--image-size", c.image_size, "shapes only: the images' height and width, 16 to 128 (0: 28)")
      ->capture_default_str();
  app.add_option("--model", c.model, "lenet | vgg | allconv | resnet")->capture_default_str();
  app.add_option("--downsample", c.downsample, "downsampling strategy spec, e.g. max_blur_pool:filter=3")
      ->capture_default_str();
  app.add_option("--head", c.head, head_help())->capture_default_str();
  app.add_option("--padding-mode", c.padding_mode, "convolution padding: zeros | circular")->capture_default_str();
  app.add_option("--width", c.width, "channel width multiplier")->capture_default_str();
  app.add_flag("--batch-norm", c.batch_norm, "batch norm after every convolution (vgg, allconv)");
  app.add_option("--depth", c.depth, "resnet depth (6n+2)")->capture_default_str();
  app.add_flag("--input-downsample", c.input_downsample,
               "one more layer of the downsampling strategy on the input, before the first convolution (lenet, vgg, "
               "allconv)");
  app.add_option("--epochs", c.epochs, "training epochs")->capture_default_str();
  app.add_option("--batch", c.batch, "batch size")->capture_default_str();
  app.add_option("--optimizer", c.optimizer, "sgd | adam | adamw")->capture_default_str();
  app.add_option("--lr", c.lr, "learning rate (peak rate for one_cycle)")->capture_default_str();
  app.add_option("--momentum", c.momentum, "SGD momentum")->capture_default_str();
  app.add_flag("--nesterov", c.nesterov, "Nesterov momentum (SGD)");
  app.add_option("--weight-decay", c.weight_decay, "weight decay")->capture_default_str();
  app.add_option("--schedule", c.schedule, "constant | step:step_size=N,gamma=G | cosine | one_cycle (keys: warmup=N)")
      ->capture_default_str();
  app.add_option("--label-smoothing", c.label_smoothing, "label smoothing of the cross-entropy")->capture_default_str();
  app.add_option("--tips-loss", c.tips_loss,
                 "alpha=A,start_epoch=E: from epoch E on, add A * the tips layers' shift-consistency loss (none: off)");
  app.add_option("--augment-shift", c.augment_shift, "random shifts of up to +-N pixels while training")
      ->capture_default_str();
  app.add_option("--augment-shift-mode", c.augment_shift_mode, "zeros | circular")
      ->capture_default_str()
      ->transform(canonical_augment_shift_mode);
  app.add_option("--augment-crop", c.augment_crop, "random crops after zero padding by N pixels")
      ->capture_default_str();
  app.add_flag("--augment-flip", c.augment_flip, "random horizontal flips");
  app.add_option("--seed", c.seed, "random seed (initialisation, data order, augmentation)")->capture_default_str();
  app.add_option("--checkpoint-every", c.checkpoint_every, "also checkpoint every N steps (0: each epoch only)")
      ->capture_default_str();
  app.add_flag("--detect-anomaly", c.detect_anomaly, "check every op's outputs and gradients for NaN/Inf");
}

void add_shift_options(CLI::App& app, ShiftOptions& o) {
  app.add_option("--max-shift", o.max_shift, "largest shift K in pixels (-1: 4)")->capture_default_str();
  app.add_option("--shift-modes,--shift-mode", o.shift_modes, "comma list of circular, zeros, crop")
      ->capture_default_str();
  app.add_option("--grid-samples", o.grid_samples, "test images used for the accuracy-vs-shift grid (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--suites", o.suites,
                 suites_help() + fmt::format("\n(default: {}, what fits the default study's time budget; "
                                             "docs/metrics.md has each suite's cost)",
                                             default_suites()));
  app.add_option("--suite-samples", o.suite_samples, "test images used by the suites other than translation (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--corruption-dir", o.corruption_dir,
                 "the corruption suite also evaluates the official MNIST-C (<corruption>/test_images.npy) or "
                 "CIFAR-10-C (<corruption>.npy, labels.npy) files of this folder (docs/metrics.md)");
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
  if (modes.empty()) throw ConfigError("--shift-modes: give at least one of circular, zeros, crop");
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
  e.suites = parse_suites(o.suites.empty() ? default_suites() : o.suites);
  e.suite_samples = o.suite_samples;
  if (!o.corruption_dir.empty())
    e.corruption_dir = std::filesystem::absolute(o.corruption_dir).lexically_normal().string();
  e.seed = seed;
  return e;
}

void check_corruption_dir(const ShiftEvalOptions& e, const data::DatasetInfo& info) {
  if (e.corruption_dir.empty()) return;
  if (std::find(e.suites.begin(), e.suites.end(), "corruption") == e.suites.end()) {
    throw ConfigError(fmt::format("--corruption-dir: only the corruption suite reads it, and --suites is '{}'",
                                  fmt::join(e.suites, ",")));
  }
  find_corruption_files(e.corruption_dir, info, e.suite_samples);
}

namespace {
// Training options a grid cannot vary: the strategy and seed axes of the study, and the test
// data every comparison pairs on.
bool grid_allows(const std::string& key) {
  return key != "downsample" && key != "seed" && key != "dataset" && key != "data-dir" && key != "test-samples";
}

// base with `--key value` applied as the command line would apply it.
TrainConfig with_option(const TrainConfig& base, const std::string& key, const std::string& value) {
  TrainConfig config = base;
  CLI::App parser;
  add_train_options(parser, config);
  const CLI::Option* option = parser.get_option_no_throw("--" + key);
  if (option == nullptr || !grid_allows(key)) {
    std::vector<std::string> keys;
    for (const CLI::Option* o : parser.get_options()) {
      if (!o->get_lnames().empty() && grid_allows(o->get_lnames()[0]) && o->get_lnames()[0] != "help") {
        keys.push_back(o->get_lnames()[0]);
      }
    }
    throw ConfigError(
        fmt::format("--grid: '{}' is not a training option a grid can vary (valid: {})", key, fmt::join(keys, ", ")));
  }
  try {
    parser.parse(std::vector<std::string>{fmt::format("--{}={}", key, value)});
  } catch (const CLI::ParseError& e) {
    throw ConfigError(fmt::format("--grid {}={}: {}", key, value, e.what()));
  }
  return config;
}

}  // namespace

std::vector<GridPoint> grid_points(const TrainConfig& base, const std::vector<std::string>& axes) {
  std::vector<GridPoint> points{{{}, base}};
  std::vector<std::string> seen;
  for (const auto& axis : axes) {
    const auto eq = axis.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError(fmt::format("--grid: expected KEY=V1,V2,..., got '{}'", axis));
    }
    const std::string key = axis.substr(0, eq);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      throw ConfigError(fmt::format("--grid: '{}' is given twice", key));
    }
    seen.push_back(key);
    const std::vector<std::string> values = split_strategy_list(axis.substr(eq + 1));
    if (values.empty()) throw ConfigError(fmt::format("--grid {}: no values", key));
    std::vector<GridPoint> next;
    for (const auto& point : points) {
      for (const auto& value : values) {
        GridPoint p = point;
        p.values.emplace_back(key, value);
        p.config = with_option(point.config, key, value);
        validate(p.config);
        next.push_back(std::move(p));
      }
    }
    points = std::move(next);
  }
  return axes.empty() ? std::vector<GridPoint>{} : points;
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

}  // namespace poolnet::cli
