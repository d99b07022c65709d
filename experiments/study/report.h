// The study report: from the results of finished runs it writes, into a study folder,
//   summary.csv       one row per strategy x seed x shift mode
//   aggregate.csv     mean, sample std and 95% confidence interval over seeds
//   shift_curve.csv   accuracy vs shift (grid row dy = 0 and diagonal), mean and std over seeds
//   equivariance.csv  per-layer equivariance error by shift, mean and std over seeds
//   <curve>.csv       each evaluation suite's curve (scale_curve.csv, rotation_curve.csv,
//                     corruption.csv), mean and std over seeds; the suites' metrics are
//                     columns of summary.csv and aggregate.csv
//   comparisons.csv   every strategy against the baseline at each grid point: paired
//                     differences with 95% intervals and tests (experiments/study/comparisons.h)
//   plots/            gnuplot scripts, their CSV data and the SVG images they draw (among them
//                     <suite>_maps.svg: a suite's maps, the ERF maps, for each variant's first seed)
//   report.md, report.html (self-contained: plots inlined)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "experiments/eval/run_result.h"
#include "experiments/study/statistics.h"

namespace poolnet {

struct FailedRun {
  std::string strategy;
  uint64_t seed = 0;
  std::string error;
};

// Pixels of the test images named in the runs' prediction strips, for the report's strip.
struct StripImages {
  int64_t channels = 0, height = 0, width = 0;
  std::vector<int64_t> indices;
  std::vector<std::vector<float>> pixels;  // [image][C*H*W], raw values in [0, 1]
  std::vector<std::string> class_names;
};

struct StudyDescription {
  std::string title = "poolnet shift-robustness study";
  std::string command;                  // how the study was run
  std::vector<std::string> strategies;  // canonical specs, in the order to report them
  std::vector<GridValues> grid_points;  // in order; one empty point without a grid
  std::string baseline;                 // the strategy the others are compared with
  int64_t planned_runs = 0;
  // false: write the plot scripts and data but keep the SVGs drawn last time (the ablation
  // runner's report after each run; the report at the end of a process draws them).
  bool draw_plots = true;
};

// Each suite's maps of one run (the erf suite's ERF maps) as the picture <suite>_maps.svg in dir,
// beside its gnuplot script and data (<suite>_maps.gp, .dat); returns the pictures drawn (none
// without gnuplot).
std::vector<std::filesystem::path> write_map_pictures(const std::filesystem::path& dir, const RunResult& run);

// Writes every file listed above. Returns the path of report.html. Plots are skipped with a
// note in the report when gnuplot is not installed.
std::filesystem::path write_report(const std::filesystem::path& dir, const StudyDescription& study,
                                   const std::vector<RunResult>& runs, const std::vector<FailedRun>& failed,
                                   const StripImages& strip);

}  // namespace poolnet
