// What one finished training run contributes to a study: the run's identity and its
// evaluation (shift metrics per mode, per-layer equivariance, the prediction strip), stored as
// the run's metrics.json and read back by the report.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "experiments/eval/shift_eval.h"

namespace poolnet {

// Predictions of one run for a few test images, each shifted right by 0..K pixels
// (circularly), so the report can show where predictions flip.
struct PredictionStrip {
  int64_t max_shift = 0;
  std::vector<int64_t> image_indices;          // test-set indices
  std::vector<int32_t> labels;                 // their true labels
  std::vector<std::vector<int32_t>> predicted; // [image][shift 0..K]
};

// A point of a study's grid over training options: (option, value) pairs.
using GridValues = std::vector<std::pair<std::string, std::string>>;

struct RunResult {
  std::string strategy;  // canonical downsample spec
  GridValues grid;       // the study's grid point
  uint64_t seed = 0;
  std::string model;     // canonical model name
  std::string dataset;
  int64_t epochs = 0;
  double train_seconds = 0;
  double final_train_loss = 0;
  std::vector<ShiftMetrics> shift;  // one per evaluated shift mode
  std::vector<EquivariancePoint> equivariance;
  PredictionStrip strip;
};

// The variant a study reports: the strategy, then " option=value" per grid axis.
std::string variant(const std::string& strategy, const GridValues& grid);
std::string variant(const RunResult& run);
// "option=value option=value"; "" for no grid.
std::string grid_text(const GridValues& grid);

std::string to_json(const RunResult& run);       // pretty-printed JSON document
RunResult run_result_from_json(const std::string& text, const std::string& source);  // DataError names source

}  // namespace poolnet
