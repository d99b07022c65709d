// Options and helpers shared by the subcommands.
#pragma once

#include <string>
#include <vector>

#include "experiments/eval/shift_eval.h"
#include "experiments/study/ablation.h"
#include "experiments/train/train_config.h"
#include "framework/data/dataset.h"

namespace CLI {
class App;
}

namespace poolnet::cli {

struct CommonOptions {
  int threads = 0;  // 0: all cores
  bool quiet = false;
};

// --config FILE (its contents are read before parsing; see experiments/cli/config.h).
void add_config_option(CLI::App& app);

// --threads and --quiet.
void add_common_options(CLI::App& app, CommonOptions& options);
// Sets the thread count and the log level.
void apply(const CommonOptions& options);

// The options of TrainConfig (--dataset, --model, --epochs, ...), with defaults shown in --help.
void add_train_options(CLI::App& app, TrainConfig& config);

struct ShiftOptions {
  int64_t max_shift = -1;  // -1: 4 px at 28x28 and 32x32 (docs/metrics.md)
  std::string shift_modes = "circular,zeros";
  int64_t grid_samples = 2000;
  std::string suites;  // empty: default_suites() (experiments/eval/suites.h)
  int64_t suite_samples = 2000;
  std::string corruption_dir;  // empty: the corruption suite evaluates its seeded corruptions only
};
// --max-shift, --shift-modes (and --shift-mode as a single-mode alias), --grid-samples,
// --suites, --suite-samples, --corruption-dir.
void add_shift_options(CLI::App& app, ShiftOptions& options);
std::vector<ShiftMode> parse_shift_modes(const std::string& list);
// The shift evaluation options for images of size H x W (ConfigError if K does not fit).
ShiftEvalOptions shift_eval_options(const ShiftOptions& options, int64_t height, int64_t width, uint64_t seed);
// With a corruption folder: ConfigError unless the corruption suite is selected, and the checks of
// find_corruption_files (experiments/eval/corruption_files.h) against the data set, before any
// training or evaluation.
void check_corruption_dir(const ShiftEvalOptions& options, const data::DatasetInfo& info);

// The points of a grid over training options, from "KEY=V1,V2,..." axes (--grid), the first
// axis slowest; each value is applied to base as `--KEY=VALUE` on the command line would be.
// Empty for no axes. ConfigError for an unknown key, an axis given twice, a value the option
// rejects, or one a grid cannot vary (downsample, seed: the study's own axes; dataset,
// data-dir, test-samples: the comparisons pair runs on the same test images).
std::vector<GridPoint> grid_points(const TrainConfig& base, const std::vector<std::string>& axes);

// Splits "a,b:k=1,j=2,c" into strategy specs: a piece with '=' but no ':' continues the
// previous spec's keys ("b:k=1,j=2").
std::vector<std::string> split_strategy_list(const std::string& list);

}  // namespace poolnet::cli
