#include "experiments/train_config.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "framework/errors.h"
#include "framework/optim/factory.h"

namespace poolnet {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, dataset, data_dir, train_samples, test_samples, validation,
                                                model, downsample, head, padding_mode, width, batch_norm, depth, epochs,
                                                batch, optimizer, lr, momentum, nesterov, weight_decay, schedule,
                                                label_smoothing, augment_shift, augment_shift_mode, augment_crop,
                                                augment_flip, seed, checkpoint_every, detect_anomaly)

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
  validate(spec);
  return spec;
}

void validate(const TrainConfig& c) {
  require(c.epochs >= 1, "epochs", c.epochs, "must be at least 1");
  require(c.batch >= 1, "batch", c.batch, "must be at least 1");
  require(c.train_samples >= 0, "train-samples", c.train_samples, "must be >= 0 (0: all)");
  require(c.test_samples >= 0, "test-samples", c.test_samples, "must be >= 0 (0: all)");
  require(c.validation >= 0 && c.validation < 1, "validation", c.validation, "must be in [0, 1)");
  require(c.lr >= 0 && std::isfinite(c.lr), "lr", c.lr, "must be finite and >= 0");
  require(c.momentum >= 0 && c.momentum < 1, "momentum", c.momentum, "must be in [0, 1)");
  require(c.weight_decay >= 0, "weight-decay", c.weight_decay, "must be >= 0");
  require(c.label_smoothing >= 0 && c.label_smoothing <= 1, "label-smoothing", c.label_smoothing, "must be in [0, 1]");
  require(c.augment_shift >= 0, "augment-shift", c.augment_shift, "must be >= 0");
  require(c.augment_crop >= 0, "augment-crop", c.augment_crop, "must be >= 0");
  require(c.augment_shift_mode == "zero" || c.augment_shift_mode == "circular", "augment-shift-mode",
          c.augment_shift_mode, "must be zero or circular");
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

void add_train_options(CLI::App& app, TrainConfig& c) {
  app.add_option("--dataset", c.dataset, "fashion-mnist | mnist | cifar10 | cifar100 | shapes")->capture_default_str();
  app.add_option("--data-dir", c.data_dir, "folder holding the data set (default: $POOLNET_DATA, ./data/<name>, "
                                           "/usr/share/datasets/<name>)");
  app.add_option("--train-samples", c.train_samples, "use only the first N training images (0: all)")->capture_default_str();
  app.add_option("--test-samples", c.test_samples, "use only the first N test images (0: all)")->capture_default_str();
  app.add_option("--validation", c.validation, "share of the training set held out for validation")->capture_default_str();
  app.add_option("--model", c.model, "lenet | vgg | allconv | resnet")->capture_default_str();
  app.add_option("--downsample", c.downsample, "downsampling strategy spec, e.g. max_blur_pool:filter=3")->capture_default_str();
  app.add_option("--head", c.head, "flatten | gap | gmp | gap_gmp")->capture_default_str();
  app.add_option("--padding-mode", c.padding_mode, "convolution padding: zeros | circular")->capture_default_str();
  app.add_option("--width", c.width, "channel width multiplier")->capture_default_str();
  app.add_flag("--batch-norm", c.batch_norm, "batch norm after every convolution (vgg, allconv)");
  app.add_option("--depth", c.depth, "resnet depth (6n+2)")->capture_default_str();
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
  app.add_option("--augment-shift", c.augment_shift, "random shifts of up to +-N pixels while training")->capture_default_str();
  app.add_option("--augment-shift-mode", c.augment_shift_mode, "zero | circular")->capture_default_str();
  app.add_option("--augment-crop", c.augment_crop, "random crops after zero padding by N pixels")->capture_default_str();
  app.add_flag("--augment-flip", c.augment_flip, "random horizontal flips");
  app.add_option("--seed", c.seed, "random seed (initialisation, data order, augmentation)")->capture_default_str();
  app.add_option("--checkpoint-every", c.checkpoint_every, "also checkpoint every N steps (0: each epoch only)")
      ->capture_default_str();
  app.add_flag("--detect-anomaly", c.detect_anomaly, "check every op's outputs and gradients for NaN/Inf");
}

std::string to_json(const TrainConfig& config) { return nlohmann::json(config).dump(); }

TrainConfig train_config_from_json(const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<TrainConfig>();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("training config: {}", e.what()));
  }
}

}  // namespace poolnet
