// Everything that defines one training run. The same fields are the command-line options of
// `train` and `ablate` (one spelling everywhere, see docs/architecture.md) and the keys of TOML configs,
// and they are stored in checkpoints so that a run can be resumed and reproduced.
#pragma once

#include <cstdint>
#include <string>

#include "models/model_spec.h"

namespace poolnet {

struct TrainConfig {
  // Data.
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  int64_t train_samples = 0;  // > 0: only the first N training images
  int64_t test_samples = 0;   // > 0: only the first N test images
  double validation = 0.0;    // share of the training set held out for validation
  int64_t image_size = 0;     // shapes only: H = W of the generated images (0: the set's 28)
  // Model (family, strategy, head, width, padding mode, batch norm, depth, input downsampling).
  std::string model = "lenet";
  std::string downsample = "max_pool";
  std::string head = "flatten";
  std::string padding_mode = "zeros";
  double width = 1.0;
  bool batch_norm = false;
  int64_t depth = 20;
  bool input_downsample = false;  // one more downsampling layer on the input (lenet, vgg, allconv)
  // Optimisation.
  int64_t epochs = 3;
  int64_t batch = 64;
  std::string optimizer = "sgd";
  double lr = 0.05;
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 0.0;
  std::string schedule = "constant";  // constant | step:step_size=..,gamma=.. | cosine | one_cycle (+ warmup=N)
  double label_smoothing = 0.0;
  std::string tips_loss;  // "" (off) | alpha=A,start_epoch=E: experiments/train/tips_loss.h
  // Augmentation.
  int64_t augment_shift = 0;                 // random shifts of up to +-N px
  std::string augment_shift_mode = "zeros";  // zeros | circular
  int64_t augment_crop = 0;                  // random crop after zero padding by N px
  bool augment_flip = false;                 // random horizontal flips
  // Run.
  uint64_t seed = 0;
  int64_t checkpoint_every = 0;  // also write checkpoint.safetensors every N steps
  bool detect_anomaly = false;

  // The model spec for data of shape [C, H, W] with `classes` classes (validated).
  ModelSpec model_spec(const Shape& input, int64_t classes) const;
};

// "zeros" for its alias "zero", any other name unchanged (the spelling of --augment-shift-mode).
std::string canonical_augment_shift_mode(std::string name);

// Checks every field, ConfigError naming the option and the valid values.
void validate(const TrainConfig& config);

std::string to_json(const TrainConfig& config);
TrainConfig train_config_from_json(const std::string& text);  // ConfigError on bad input

}  // namespace poolnet
