// Evaluation of a trained model on its test set: the shift metrics for each mode, the per-layer
// equivariance error and the prediction strip (the evaluation part of a RunResult).
#pragma once

#include <string>
#include <vector>

#include "experiments/run_result.h"
#include "framework/data/dataset.h"
#include "models/model.h"

namespace poolnet {

// Number of test images whose shifted predictions the strip records.
inline constexpr int64_t kStripImages = 16;

RunResult evaluate_model(Model& model, const data::Dataset& test, const std::vector<ShiftMode>& modes,
                         const ShiftEvalOptions& options);

// The metrics as an aligned text table, one row per shift mode.
std::string metrics_table(const RunResult& result);

}  // namespace poolnet
