// Checkpoints of a training run (safetensors): the model's parameters and buffers under
// "model.<name>", the optimizer's state under "optimizer.<name>", and in the metadata the
// training configuration, the model spec and the position (epoch, batch, step, the running
// sums of the current epoch, the history so far, the random-draw counters of stochastic layers) — everything a resumed run needs to continue
// bit-identically. model.safetensors holds only the weights under their plain PyTorch names.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "experiments/train/history.h"
#include "experiments/train/train_config.h"
#include "framework/optim/optimizer.h"
#include "models/model.h"

namespace poolnet {

struct TrainPosition {
  int64_t epoch = 0;   // the epoch to run next (0-based)
  int64_t batch = 0;   // the batch of that epoch to run next
  int64_t step = 0;    // optimizer steps so far
  double loss_sum = 0; // running sums of the current epoch
  int64_t correct = 0;
  int64_t seen = 0;
  TrainHistory history;  // the finished epochs
};

// The model's weights (parameters then buffers) under their dotted names.
NamedTensors model_state(const Model& model);

void save_model(const std::filesystem::path& path, const Model& model, const TrainConfig& config);
// Rebuilds the model a model.safetensors describes and loads its weights. DataError/ConfigError
// say what does not fit.
std::shared_ptr<Model> load_model(const std::filesystem::path& path, TrainConfig* config = nullptr);

void save_checkpoint(const std::filesystem::path& path, const Model& model, const Optimizer& optimizer,
                     const TrainConfig& config, const TrainPosition& position);
// Loads a checkpoint into model and optimizer (which must match it) and returns the position.
// ConfigError if it was written with another configuration.
TrainPosition load_checkpoint(const std::filesystem::path& path, Model& model, Optimizer& optimizer,
                              const TrainConfig& config);

// A run keeps its last two checkpoints: `path` (the newest) and `path` with ".prev" before
// the extension (checkpoint.prev.safetensors). save_rotated_checkpoint copies the newest to
// the previous one (an atomic rename replacing the older), then writes the new one atomically,
// so at every instant at least one complete checkpoint exists. It refuses (NumericalError) to
// save weights or optimizer state that are not finite, so a diverged run never replaces a good
// checkpoint.
std::filesystem::path previous_checkpoint_path(const std::filesystem::path& path);
void save_rotated_checkpoint(const std::filesystem::path& path, const Model& model, const Optimizer& optimizer,
                             const TrainConfig& config, const TrainPosition& position);

// Loads the newest of `path` and its previous checkpoint that is intact. A file that is
// truncated or corrupt (DataError, IoError: e.g. its checksum does not match) is skipped with a
// warning naming it and the reason, appended to `warnings`; a checkpoint written with other
// settings is still a ConfigError. nullopt if neither file exists; DataError if both are bad.
std::optional<TrainPosition> load_latest_checkpoint(const std::filesystem::path& path, Model& model,
                                                    Optimizer& optimizer, const TrainConfig& config,
                                                    std::vector<std::string>& warnings);

}  // namespace poolnet
