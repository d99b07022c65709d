// Paired comparisons of every strategy with the study's baseline (docs/metrics.md, "Paired
// comparisons"). At each grid point, for clean accuracy and, per shift mode, each shift metric:
// the mean over seeds of (strategy - baseline) for the runs of the same seed, with its 95%
// Student-t interval; a test of the difference; and Holm's adjustment over every comparison of
// the report. The test pools the per-image outcomes of all paired seeds where the metric is a
// rate of binary outcomes (exact McNemar: clean accuracy on images, consistency on images, flip
// rate on image x direction pairs), and is the paired t-test over seeds for the others. The
// evaluation suites' summary metrics (worst_shift_acc, ...) follow the shift metrics, with the
// t-test over seeds and the direction and phrase their declaration gives (suite_metrics(),
// experiments/eval/suites.h; higher is better for a metric none declares). A
// difference is significant when its Holm-adjusted p is below 0.05 and its interval over seeds
// excludes 0: these models differ on these images, and another training run would not undo it.
#pragma once

#include <string>
#include <vector>

#include "experiments/eval/run_result.h"
#include "experiments/study/statistics.h"

namespace poolnet {

struct Comparison {
  std::string strategy, baseline;
  GridValues grid;
  std::string shift_mode;  // empty for clean accuracy, which no shift changes
  std::string metric;      // the summary.csv column
  std::string title;       // "consistency under circular shifts"
  bool higher_is_better = true;
  double baseline_mean = 0, strategy_mean = 0;
  PairedDifference difference;  // strategy - baseline over the paired seeds
  std::string test;             // "mcnemar" or "t"
  int64_t better = 0, worse = 0;  // McNemar's discordant units: only the strategy's / the baseline's outcome is good
  double p = 1, p_holm = 1;
  bool significant = false;     // p_holm < 0.05 and the interval excludes 0 (or a single seed)
};

// The comparisons of a study, in the order: grid point, strategy, metric, shift mode (the shift
// metrics, then the suite metrics).
std::vector<Comparison> compare_with_baseline(const std::vector<RunResult>& runs, const std::vector<std::string>& strategies,
                                              const std::vector<GridValues>& grid_points, const std::string& baseline);

// comparisons.csv: strategy, one column per grid option, shift_mode, metric, baseline, the two
// means, diff, ci_low, ci_high, seeds, test, better, worse, p, p_holm, significant.
std::string comparisons_csv(const std::vector<Comparison>& comparisons);

// The report's findings: one sentence per significant difference, largest |diff| first, then
// one line naming what was not significant. Empty without comparisons.
std::vector<std::string> findings(const std::vector<Comparison>& comparisons);

}  // namespace poolnet
