// Options and helpers shared by the subcommands.
#pragma once

#include <string>
#include <vector>

#include "experiments/shift_eval.h"
#include "framework/data/dataset.h"
#include "models/model.h"

namespace CLI {
class App;
}

namespace poolnet::cli {

struct CommonOptions {
  int threads = 0;  // 0: all cores
  bool quiet = false;
};

// --config FILE (its contents are read before parsing; see experiments/config.h).
void add_config_option(CLI::App& app);

// --threads and --quiet.
void add_common_options(CLI::App& app, CommonOptions& options);
// Sets the thread count and the log level.
void apply(const CommonOptions& options);

struct ShiftOptions {
  int64_t max_shift = -1;  // -1: 4 px at 28x28 and 32x32 (DESIGN.md)
  std::string shift_modes = "circular,zero";
  int64_t grid_samples = 2000;
};
// --max-shift, --shift-modes (and --shift-mode as a single-mode alias), --grid-samples.
void add_shift_options(CLI::App& app, ShiftOptions& options);
std::vector<ShiftMode> parse_shift_modes(const std::string& list);
// The shift evaluation options for images of size H x W (ConfigError if K does not fit).
ShiftEvalOptions shift_eval_options(const ShiftOptions& options, int64_t height, int64_t width, uint64_t seed);

// Splits "a,b:k=1,j=2,c" into strategy specs: a piece with '=' but no ':' continues the
// previous spec's keys ("b:k=1,j=2").
std::vector<std::string> split_strategy_list(const std::string& list);

// All images of a data set, raw values in [0, 1], and their labels.
Tensor raw_images(const data::Dataset& data);
// Logits of `model` (eval mode) for raw images, normalised with the data set's statistics.
LogitsFn logits_fn(Model& model, const data::DatasetInfo& info);
// The model's spatial layer outputs and its logits for raw images, normalised likewise.
TraceFn trace_fn(Model& model, const data::DatasetInfo& info);

}  // namespace poolnet::cli
