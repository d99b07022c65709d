#include "experiments/train/train_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "experiments/train/tips_loss.h"
#include "framework/errors.h"
#include "framework/optim/factory.h"

namespace poolnet {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, dataset, data_dir, train_samples, test_samples, validation,
                                                image_size, model, downsample, head, padding_mode, width, batch_norm,
                                                depth, input_downsample, epochs, batch, optimizer, lr, momentum,
                                                nesterov, weight_decay, schedule, label_smoothing, tips_loss,
                                                augment_shift, augment_shift_mode, augment_crop, augment_flip, seed,
                                                checkpoint_every, detect_anomaly)

namespace {
template <class T>
void require(bool ok, const char* option, const T& value, const char* expected) {
  if (!ok) throw ConfigError(fmt::format("--{}: {} (got {})", option, expected, value));
}
}  // namespace

ModelSpec TrainConfig::model_spec(const Shape& input, int64_t classes) const {
  ModelSpec spec;
  spec.family = model;
  spec.downsample = parse_downsample(downsample);
  spec.head = head;
  spec.width = width;
  spec.input = input;
  spec.classes = classes;
  spec.padding_mode = parse_pad_mode(padding_mode);
  spec.batch_norm = batch_norm;
  spec.depth = depth;
  spec.input_downsample = input_downsample;
  validate(spec);
  return spec;
}

std::string canonical_augment_shift_mode(std::string name) { return name == "zero" ? "zeros" : name; }

void validate(const TrainConfig& c) {
  require(c.epochs >= 1, "epochs", c.epochs, "must be at least 1");
  require(c.batch >= 1, "batch", c.batch, "must be at least 1");
  require(c.train_samples >= 0, "train-samples", c.train_samples, "must be >= 0 (0: all)");
  require(c.test_samples >= 0, "test-samples", c.test_samples, "must be >= 0 (0: all)");
  require(c.validation >= 0 && c.validation < 1, "validation", c.validation, "must be in [0, 1)");
  require(c.image_size == 0 || (c.dataset == "shapes" && c.image_size >= 16 && c.image_size <= 128), "image-size",
          c.image_size, "applies to the shapes data set only, 16 to 128 (0: its default)");
  require(c.lr >= 0 && std::isfinite(c.lr), "lr", c.lr, "must be finite and >= 0");
  require(c.momentum >= 0 && c.momentum < 1, "momentum", c.momentum, "must be in [0, 1)");
  require(c.weight_decay >= 0, "weight-decay", c.weight_decay, "must be >= 0");
  require(c.label_smoothing >= 0 && c.label_smoothing <= 1, "label-smoothing", c.label_smoothing, "must be in [0, 1]");
  parse_tips_loss(c.tips_loss);  // ConfigError naming --tips-loss
  require(c.augment_shift >= 0, "augment-shift", c.augment_shift, "must be >= 0");
  require(c.augment_crop >= 0, "augment-crop", c.augment_crop, "must be >= 0");
  require(canonical_augment_shift_mode(c.augment_shift_mode) == "zeros" || c.augment_shift_mode == "circular",
          "augment-shift-mode", c.augment_shift_mode, "must be zeros or circular");
  const auto& optimizers = optimizer_names();
  require(std::find(optimizers.begin(), optimizers.end(), c.optimizer) != optimizers.end(), "optimizer", c.optimizer,
          "must be sgd, adam or adamw");
  require(c.checkpoint_every >= 0, "checkpoint-every", c.checkpoint_every, "must be >= 0");
  require(c.padding_mode == "zeros" || c.padding_mode == "circular", "padding-mode", c.padding_mode,
          "must be zeros or circular");
  try {
    parse_downsample(c.downsample);  // throws ConfigError listing the valid strategies
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("--downsample: {}", e.what()));
  }
}

std::string to_json(const TrainConfig& config) { return nlohmann::json(config).dump(); }

TrainConfig train_config_from_json(const std::string& text) {
  try {
    TrainConfig config = nlohmann::json::parse(text).get<TrainConfig>();
    config.augment_shift_mode = canonical_augment_shift_mode(config.augment_shift_mode);
    return config;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("training config: {}", e.what()));
  }
}

}  // namespace poolnet
