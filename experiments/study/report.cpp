#include "experiments/study/report.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "experiments/study/report_parts.h"
#include "framework/io/atomic_file.h"

namespace poolnet {

namespace {
// Student's t quantile t(0.975, dof) for dof = 1..30; beyond that the normal 1.96 is close.
double t975(int64_t dof) {
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  return dof >= 1 && dof <= 30 ? kTable[dof - 1] : 1.960;
}
}  // namespace

Stats describe(const std::vector<double>& values) {
  Stats s;
  s.n = static_cast<int64_t>(values.size());
  if (s.n == 0) return s;
  for (double v : values) s.mean += v / static_cast<double>(s.n);
  if (s.n > 1) {
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(ss / static_cast<double>(s.n - 1));
    s.ci95 = t975(s.n - 1) * s.std / std::sqrt(static_cast<double>(s.n));
  }
  return s;
}

namespace report {

const std::vector<MetricColumn>& metric_columns() {
  static const std::vector<MetricColumn> columns = {
      {"clean_acc", "clean acc", [](const ShiftMetrics& m) { return m.clean_acc; }},
      {"consistency", "consistency", [](const ShiftMetrics& m) { return m.consistency; }},
      {"flip_rate", "flip rate", [](const ShiftMetrics& m) { return m.flip_rate; }},
      {"prob_change", "|Δp| top-1", [](const ShiftMetrics& m) { return m.prob_change; }},
      {"acc_shift_mean", "acc over shifts (mean)", [](const ShiftMetrics& m) { return m.acc_shift_mean; }},
      {"acc_shift_min", "acc over shifts (min)", [](const ShiftMetrics& m) { return m.acc_shift_min; }},
  };
  return columns;
}

std::string layer_label(const std::string& layer, int64_t stride) {
  return stride > 0 ? fmt::format("{} (S={})", layer, stride) : fmt::format("{} (invariance)", layer);
}

std::vector<std::string> shift_modes(const std::vector<RunResult>& runs) {
  std::vector<std::string> modes;
  for (const auto& run : runs) {
    for (const auto& m : run.shift) {
      if (std::find(modes.begin(), modes.end(), to_string(m.mode)) == modes.end()) modes.push_back(to_string(m.mode));
    }
  }
  return modes;
}

std::vector<const RunResult*> runs_of(const std::vector<RunResult>& runs, const std::string& strategy) {
  std::vector<const RunResult*> out;
  for (const auto& run : runs) {
    if (run.strategy == strategy) out.push_back(&run);
  }
  std::sort(out.begin(), out.end(), [](const RunResult* a, const RunResult* b) { return a->seed < b->seed; });
  return out;
}

const ShiftMetrics* metrics_for(const RunResult& run, const std::string& mode) {
  for (const auto& m : run.shift) {
    if (to_string(m.mode) == mode) return &m;
  }
  return nullptr;
}

Stats metric_stats(const std::vector<RunResult>& runs, const std::string& strategy, const std::string& mode,
                   const MetricColumn& column) {
  std::vector<double> values;
  for (const RunResult* run : runs_of(runs, strategy)) {
    if (const ShiftMetrics* m = metrics_for(*run, mode)) values.push_back(column.get(*m));
  }
  return describe(values);
}

std::vector<EquivarianceSummary> equivariance_summary(const std::vector<RunResult>& runs, const std::string& strategy) {
  // layer -> (stride, per-run mean over shifts), in network order of the first run.
  std::vector<EquivarianceSummary> rows;
  for (const RunResult* run : runs_of(runs, strategy)) {
    std::map<std::string, std::pair<double, int64_t>> per_layer;
    for (const auto& e : run->equivariance) {
      auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.layer == e.layer; });
      if (it == rows.end()) rows.push_back({e.layer, e.stride, {}, {}});
      per_layer[e.layer].first += e.error;
      per_layer[e.layer].second += 1;
    }
    for (auto& row : rows) {
      if (auto it = per_layer.find(row.layer); it != per_layer.end()) {
        row.per_run.push_back(it->second.first / static_cast<double>(it->second.second));
      }
    }
  }
  for (auto& row : rows) row.stats = describe(row.per_run);
  return rows;
}

}  // namespace report

std::filesystem::path write_report(const std::filesystem::path& dir, const StudyDescription& study,
                                   const std::vector<RunResult>& runs, const std::vector<FailedRun>& failed,
                                   const StripImages& strip) {
  std::filesystem::create_directories(dir / "plots");
  report::write_tables(dir, study, runs);
  const report::PlotSet plots = report::write_plots(dir / "plots", study, runs, strip);
  report::write_markdown(dir / "report.md", study, runs, failed, plots);
  report::write_html(dir / "report.html", study, runs, failed, plots, strip);
  return dir / "report.html";
}

}  // namespace poolnet

namespace poolnet::report {

void write_text(const std::filesystem::path& path, const std::string& text) {
  write_file_atomically(path.string(), text);
}

}  // namespace poolnet::report
