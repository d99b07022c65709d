// The pieces of the study report (internal to experiments/study/report*.cpp).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "experiments/study/comparisons.h"
#include "experiments/study/report.h"

namespace poolnet::report {

// A strategy at a grid point: the rows of the report's tables, grid point by grid point.
struct Variant {
  std::string label;  // variant(strategy, grid)
  std::string strategy;
  GridValues grid;
};
std::vector<Variant> variants(const StudyDescription& study);
// The grid's options, in order (the CSV columns after "strategy").
std::vector<std::string> grid_keys(const StudyDescription& study);
// "strategy[,option,...]" and the fields of a variant for that header.
std::string variant_header(const StudyDescription& study);
std::string variant_fields(const Variant& v);

// One shift metric of the report: its tables' column and what the paired comparisons need.
struct MetricColumn {
  std::string key;     // CSV column stem
  std::string title;   // table heading
  std::string phrase;  // in the findings' sentences
  std::function<double(const ShiftMetrics&)> get;
  bool per_mode = true;  // false: the same under every shift mode (clean accuracy)
  bool higher_is_better = true;
  // The per-image outcomes behind the rate (null: none, the t-test over seeds), and how many
  // units each image holds (4 for the flip directions, one bit each).
  const std::vector<uint8_t> ShiftMetrics::*outcomes = nullptr;
  int units_per_image = 1;
};
const std::vector<MetricColumn>& metric_columns();

std::vector<std::string> shift_modes(const std::vector<RunResult>& runs);
// The runs of a variant (by label), by seed.
std::vector<const RunResult*> runs_of(const std::vector<RunResult>& runs, const std::string& label);
const ShiftMetrics* metrics_for(const RunResult& run, const std::string& mode);
Stats metric_stats(const std::vector<RunResult>& runs, const std::string& strategy, const std::string& mode,
                   const MetricColumn& column);

struct EquivarianceSummary {
  std::string layer, type;
  int64_t stride = 0;
  std::vector<double> per_run;  // each run's error averaged over shifts
  Stats stats;
};
std::vector<EquivarianceSummary> equivariance_summary(const std::vector<RunResult>& runs, const std::string& strategy);

// The evaluation suites' summary metrics ("worst_shift_acc") and curves ("scale_curve") the runs
// hold, in the order the suites ran (experiments/eval/suites.h).
std::vector<std::string> suite_metric_names(const std::vector<RunResult>& runs);
Stats suite_metric_stats(const std::vector<RunResult>& runs, const std::string& label, const std::string& name);
struct CurveKind {
  std::string name, series_name, x_name, value_name;
};
std::vector<CurveKind> suite_curve_kinds(const std::vector<RunResult>& runs);
// One run's curve as accuracy by x, averaged over its series (corruptions: over kinds).
std::map<double, double> curve_by_x(const SuiteCurve& curve);
// ... and by series, averaged over x (corruptions: over severities).
std::map<std::string, double> curve_by_series(const SuiteCurve& curve);

// The report's tables of the suites: the summary metrics, then one table per curve (a column
// per x, or per series when the curve has several), mean ± std over seeds.
struct SuiteTable {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
std::vector<SuiteTable> suite_tables(const StudyDescription& study, const std::vector<RunResult>& runs);
// <curve name>.csv in the study folder: mean, std and n over seeds of each curve point.
void write_suite_curves(const std::filesystem::path& dir, const StudyDescription& study,
                        const std::vector<RunResult>& runs);

// "features.2 MaxPool2d (S=2)", or "logits (invariance)" for the non-spatial output.
std::string layer_label(const std::string& layer, const std::string& type, int64_t stride);

// CSV files: summary, aggregate, shift_curve, equivariance, comparisons.
void write_tables(const std::filesystem::path& dir, const StudyDescription& study, const std::vector<RunResult>& runs,
                  const std::vector<Comparison>& comparisons);

struct Plot {
  std::string title;
  std::filesystem::path svg;  // relative to the study folder
};
struct PlotSet {
  std::vector<Plot> plots;
  std::string note;  // why plots are missing, if they are
};
PlotSet write_plots(const std::filesystem::path& plot_dir, const StudyDescription& study,
                    const std::vector<RunResult>& runs, const StripImages& strip);

// Index (into strip.indices) of the strip image whose predictions flip most across runs.
int64_t strip_image_choice(const std::vector<RunResult>& runs, const StripImages& strip);

// What the report documents show, besides the runs.
struct ReportContent {
  std::vector<FailedRun> failed;
  PlotSet plots;
  std::vector<Comparison> comparisons;
};
void write_markdown(const std::filesystem::path& path, const StudyDescription& study, const std::vector<RunResult>& runs,
                    const ReportContent& content);
void write_html(const std::filesystem::path& path, const StudyDescription& study, const std::vector<RunResult>& runs,
                const ReportContent& content, const StripImages& strip);

// A CSV field: quoted (RFC 4180) when it holds a comma, quote or newline.
std::string csv(const std::string& field);

// Writes text to path atomically (temporary file, then rename).
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace poolnet::report
