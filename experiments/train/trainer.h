// One training run: data, model, optimizer and schedule from a TrainConfig; an epoch loop with
// evaluation; files in the run folder:
//   checkpoint.safetensors  weights, optimizer state and position, after every epoch (and every
//                           --checkpoint-every steps): what --resume continues from
//   model.safetensors       the final weights (PyTorch names and layouts, spec in the metadata)
//   train_log.csv           one row per epoch
//   metrics.json            the configuration, the history and the final test accuracy
// A run resumed from its checkpoint ends bit-identical to an uninterrupted one. A NaN or
// infinite loss stops the run with a NumericalError naming the epoch and step; the last good
// checkpoint stays.
#pragma once

#include <filesystem>
#include <memory>
#include <utility>

#include "experiments/train/history.h"
#include "experiments/train/train_config.h"
#include "framework/data/dataset.h"
#include "models/model.h"

namespace poolnet {

struct TrainResult {
  std::shared_ptr<Model> model;
  data::Dataset test;
  TrainHistory history;
  double seconds = 0;  // training time of this process (excludes evaluation)
};

struct TrainOptions {
  bool resume = false;  // continue from out/checkpoint.safetensors if it exists
  bool quiet = false;
  std::string label;    // prefix of progress lines
};

TrainResult train_run(const TrainConfig& config, const std::filesystem::path& out, const TrainOptions& options);

// Mean loss and accuracy of `model` (eval mode, no grad) on a data set.
std::pair<double, double> evaluate_accuracy(Model& model, const data::Dataset& data, int64_t batch = 256);

// The test split for a config (the same images `train_run` evaluates on).
data::Dataset open_test_set(const TrainConfig& config);

}  // namespace poolnet
