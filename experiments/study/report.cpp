#include "experiments/study/report.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "experiments/study/report_parts.h"
#include "framework/io/atomic_file.h"

namespace poolnet {

namespace report {

const std::vector<MetricColumn>& metric_columns() {
  static const std::vector<MetricColumn> columns = {
      {"clean_acc", "clean acc", "clean accuracy", [](const ShiftMetrics& m) { return m.clean_acc; }, false, true,
       &ShiftMetrics::correct},
      {"consistency", "consistency", "consistency", [](const ShiftMetrics& m) { return m.consistency; }, true, true,
       &ShiftMetrics::consistent},
      {"flip_rate", "flip rate", "flip rate", [](const ShiftMetrics& m) { return m.flip_rate; }, true, false,
       &ShiftMetrics::flipped, 4},
      {"prob_change", "|Δp| top-1", "top-1 probability change", [](const ShiftMetrics& m) { return m.prob_change; },
       true, false},
      {"acc_shift_mean", "acc over shifts (mean)", "mean accuracy over shifts",
       [](const ShiftMetrics& m) { return m.acc_shift_mean; }},
      {"acc_shift_min", "acc over shifts (min)", "worst accuracy over shifts",
       [](const ShiftMetrics& m) { return m.acc_shift_min; }},
  };
  return columns;
}

std::vector<Variant> variants(const StudyDescription& study) {
  std::vector<Variant> out;
  for (const auto& point : study.grid_points) {
    for (const auto& strategy : study.strategies) out.push_back({variant(strategy, point), strategy, point});
  }
  return out;
}

std::vector<std::string> grid_keys(const StudyDescription& study) {
  std::vector<std::string> keys;
  for (const auto& point : study.grid_points) {
    for (const auto& [key, value] : point) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  }
  return keys;
}

std::string variant_header(const StudyDescription& study) {
  std::string out = "strategy";
  for (const auto& key : grid_keys(study)) out += fmt::format(",{}", csv(key));
  return out;
}

std::string variant_fields(const Variant& v) {
  std::string out = csv(v.strategy);
  for (const auto& [key, value] : v.grid) out += fmt::format(",{}", csv(value));
  return out;
}

std::string layer_label(const std::string& layer, const std::string& type, int64_t stride) {
  if (stride <= 0) return fmt::format("{} (invariance)", layer);
  return type.empty() ? fmt::format("{} (S={})", layer, stride) : fmt::format("{} {} (S={})", layer, type, stride);
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

std::vector<const RunResult*> runs_of(const std::vector<RunResult>& runs, const std::string& label) {
  std::vector<const RunResult*> out;
  for (const auto& run : runs) {
    if (variant(run) == label) out.push_back(&run);
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
      if (it == rows.end()) rows.push_back({e.layer, e.type, e.stride, {}, {}});
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
  report::ReportContent content;
  content.failed = failed;
  content.comparisons = compare_with_baseline(runs, study.strategies, study.grid_points, study.baseline);
  report::write_tables(dir, study, runs, content.comparisons);
  content.plots = report::write_plots(dir / "plots", study, runs, strip);
  report::write_markdown(dir / "report.md", study, runs, content);
  report::write_html(dir / "report.html", study, runs, content, strip);
  return dir / "report.html";
}

}  // namespace poolnet

namespace poolnet::report {

void write_text(const std::filesystem::path& path, const std::string& text) {
  write_file_atomically(path.string(), text);
}

}  // namespace poolnet::report
