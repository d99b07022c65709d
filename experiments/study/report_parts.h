// The pieces of the study report (internal to experiments/study/report*.cpp).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "experiments/study/report.h"

namespace poolnet::report {

struct MetricColumn {
  std::string key;    // CSV column stem
  std::string title;  // table heading
  std::function<double(const ShiftMetrics&)> get;
};
const std::vector<MetricColumn>& metric_columns();

std::vector<std::string> shift_modes(const std::vector<RunResult>& runs);
std::vector<const RunResult*> runs_of(const std::vector<RunResult>& runs, const std::string& strategy);
const ShiftMetrics* metrics_for(const RunResult& run, const std::string& mode);
Stats metric_stats(const std::vector<RunResult>& runs, const std::string& strategy, const std::string& mode,
                   const MetricColumn& column);

struct EquivarianceSummary {
  std::string layer;
  int64_t stride = 0;
  std::vector<double> per_run;  // each run's error averaged over shifts
  Stats stats;
};
std::vector<EquivarianceSummary> equivariance_summary(const std::vector<RunResult>& runs, const std::string& strategy);

// "features.2 (S=2)", or "logits (invariance)" for the non-spatial output.
std::string layer_label(const std::string& layer, int64_t stride);

// CSV files: summary, aggregate, shift_curve, equivariance.
void write_tables(const std::filesystem::path& dir, const StudyDescription& study, const std::vector<RunResult>& runs);

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

void write_markdown(const std::filesystem::path& path, const StudyDescription& study,
                    const std::vector<RunResult>& runs, const std::vector<FailedRun>& failed, const PlotSet& plots);
void write_html(const std::filesystem::path& path, const StudyDescription& study, const std::vector<RunResult>& runs,
                const std::vector<FailedRun>& failed, const PlotSet& plots, const StripImages& strip);

// A CSV field: quoted (RFC 4180) when it holds a comma, quote or newline.
std::string csv(const std::string& field);

// Writes text to path atomically (temporary file, then rename).
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace poolnet::report
