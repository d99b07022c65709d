// The evaluation suites in the study report: their summary metrics, curve tables and the
// study-level curve CSVs (the plots are in report_plots.cpp).
#include <algorithm>
#include <fmt/format.h>

#include "experiments/study/report_parts.h"

namespace poolnet::report {

namespace {
std::string mean_std(const Stats& s) {
  if (s.n == 0) return "";
  return s.n > 1 ? fmt::format("{:.3f} ± {:.3f}", s.mean, s.std) : fmt::format("{:.3f}", s.mean);
}

const CurveKind* find_kind(const std::vector<CurveKind>& kinds, const std::string& name) {
  for (const auto& k : kinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}
}  // namespace

std::vector<std::string> suite_metric_names(const std::vector<RunResult>& runs) {
  std::vector<std::string> names;
  for (const auto& run : runs) {
    for (const auto& r : run.suite_results) {
      for (const auto& [name, value] : r.metrics) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
  }
  return names;
}

Stats suite_metric_stats(const std::vector<RunResult>& runs, const std::string& label, const std::string& name) {
  std::vector<double> values;
  for (const RunResult* run : runs_of(runs, label)) {
    if (const double* v = suite_metric(*run, name)) values.push_back(*v);
  }
  return describe(values);
}

std::vector<CurveKind> suite_curve_kinds(const std::vector<RunResult>& runs) {
  std::vector<CurveKind> kinds;
  for (const auto& run : runs) {
    for (const auto& r : run.suite_results) {
      for (const auto& c : r.curves) {
        if (!find_kind(kinds, c.name)) kinds.push_back({c.name, c.series_name, c.x_name, c.value_name});
      }
    }
  }
  return kinds;
}

std::map<double, double> curve_by_x(const SuiteCurve& curve) {
  std::map<double, std::pair<double, int>> sums;
  for (const auto& p : curve.points) {
    sums[p.x].first += p.value;
    sums[p.x].second += 1;
  }
  std::map<double, double> out;
  for (const auto& [x, s] : sums) out[x] = s.first / s.second;
  return out;
}

std::map<std::string, double> curve_by_series(const SuiteCurve& curve) {
  std::map<std::string, std::pair<double, int>> sums;
  for (const auto& p : curve.points) {
    sums[p.series].first += p.value;
    sums[p.series].second += 1;
  }
  std::map<std::string, double> out;
  for (const auto& [series, s] : sums) out[series] = s.first / s.second;
  return out;
}

std::vector<SuiteTable> suite_tables(const StudyDescription& study, const std::vector<RunResult>& runs) {
  std::vector<SuiteTable> tables;
  const std::vector<std::string> metrics = suite_metric_names(runs);
  if (!metrics.empty()) {
    SuiteTable t{"Evaluation suites", {"strategy"}, {}};
    t.header.insert(t.header.end(), metrics.begin(), metrics.end());
    t.header.push_back("seeds");
    for (const auto& v : variants(study)) {
      const auto of = runs_of(runs, v.label);
      if (of.empty()) continue;
      std::vector<std::string> row{v.label};
      for (const auto& name : metrics) row.push_back(mean_std(suite_metric_stats(runs, v.label, name)));
      row.push_back(std::to_string(of.size()));
      t.rows.push_back(row);
    }
    tables.push_back(std::move(t));
  }
  for (const auto& kind : suite_curve_kinds(runs)) {
    const bool by_series = !kind.series_name.empty();
    const std::string what = kind.value_name == "acc" ? "accuracy" : kind.value_name;
    SuiteTable t{by_series ? fmt::format("{} ({}: {}, mean over {})", kind.name, kind.series_name, what, kind.x_name)
                           : fmt::format("{} ({} by {})", kind.name, what, kind.x_name),
                 {"strategy"},
                 {}};
    std::vector<std::string> columns;  // series names, or x values as text
    for (const auto& v : variants(study)) {
      std::map<std::string, std::vector<double>> values;  // column -> per seed
      for (const RunResult* run : runs_of(runs, v.label)) {
        const SuiteCurve* curve = suite_curve(*run, kind.name);
        if (!curve) continue;
        if (by_series) {
          for (const auto& [series, acc] : curve_by_series(*curve)) values[series].push_back(acc);
        } else {
          for (const auto& [x, acc] : curve_by_x(*curve)) values[fmt::format("{:g}", x)].push_back(acc);
        }
      }
      if (values.empty()) continue;
      if (columns.empty()) {  // the first variant's columns, in curve order
        for (const RunResult* run : runs_of(runs, v.label)) {
          if (const SuiteCurve* curve = suite_curve(*run, kind.name)) {
            for (const auto& p : curve->points) {
              const std::string c = by_series ? p.series : fmt::format("{:g}", p.x);
              if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.push_back(c);
            }
            break;
          }
        }
      }
      std::vector<std::string> row{v.label};
      for (const auto& c : columns) row.push_back(mean_std(describe(values[c])));
      t.rows.push_back(row);
    }
    for (const auto& c : columns) t.header.push_back(by_series ? c : fmt::format("{} {}", kind.x_name, c));
    if (!t.rows.empty()) tables.push_back(std::move(t));
  }
  return tables;
}

void write_suite_curves(const std::filesystem::path& dir, const StudyDescription& study,
                        const std::vector<RunResult>& runs) {
  for (const auto& kind : suite_curve_kinds(runs)) {
    const bool by_series = !kind.series_name.empty();
    std::string out = variant_header(study);
    if (by_series) out += fmt::format(",{}", csv(kind.series_name));
    out += fmt::format(",{0},{1}_mean,{1}_std,n\n", csv(kind.x_name), kind.value_name);
    for (const auto& v : variants(study)) {
      std::vector<std::pair<std::string, double>> order;  // (series, x) in curve order
      std::map<std::pair<std::string, double>, std::vector<double>> values;
      for (const RunResult* run : runs_of(runs, v.label)) {
        const SuiteCurve* curve = suite_curve(*run, kind.name);
        if (!curve) continue;
        for (const auto& p : curve->points) {
          const std::pair<std::string, double> key{p.series, p.x};
          if (!values.count(key)) order.push_back(key);
          values[key].push_back(p.value);
        }
      }
      for (const auto& key : order) {
        const Stats s = describe(values[key]);
        out += variant_fields(v);
        if (by_series) out += fmt::format(",{}", csv(key.first));
        out += fmt::format(",{:g},{:.6f},{:.6f},{}\n", key.second, s.mean, s.std, s.n);
      }
    }
    write_text(dir / (kind.name + ".csv"), out);
  }
}

}  // namespace poolnet::report
