// Evaluation of a trained model on its test set: the shift metrics for each mode, the per-layer
// equivariance error and the prediction strip, and the other evaluation suites (the evaluation
// part of a RunResult).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "experiments/eval/run_result.h"
#include "framework/data/dataset.h"
#include "models/model.h"

namespace poolnet {

// Raw images (values in [0, 1]) normalised with the data set's mean and standard deviation.
Tensor normalise(const Tensor& raw, const data::DatasetInfo& info);
// All images of a data set, raw values in [0, 1].
Tensor raw_images(const data::Dataset& data);
// Logits of `model` (eval mode) for raw images, normalised with the data set's statistics.
LogitsFn logits_fn(Model& model, const data::DatasetInfo& info);
// The model's spatial layer outputs and its logits for raw images, normalised likewise.
TraceFn trace_fn(Model& model, const data::DatasetInfo& info);

// Channels per layer in the layer panels of the translation suite.
inline constexpr int64_t kPanelChannels = 4;
// Number of test images whose shifted predictions the strip records.
inline constexpr int64_t kStripImages = 16;

// The suites of options.suites (experiments/eval/suites.h): translation (shift metrics for each
// mode, equivariance, strip) on every test image, the others on the first suite_samples.
RunResult evaluate_model(Model& model, const data::Dataset& test, const std::vector<ShiftMode>& modes,
                         const ShiftEvalOptions& options);

// Each suite curve of result as <name>.csv in dir, and each suite's maps as <suite>_maps.csv.
void write_suite_files(const std::filesystem::path& dir, const RunResult& result);

// The metrics as an aligned text table, one row per shift mode.
std::string metrics_table(const RunResult& result);

}  // namespace poolnet
