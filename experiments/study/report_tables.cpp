// summary.csv, aggregate.csv, shift_curve.csv, equivariance.csv.
#include <fmt/format.h>
#include <map>

#include "experiments/study/report_parts.h"

namespace poolnet::report {

namespace {
std::string csv_header_for_stats(const std::string& key) { return fmt::format("{0}_mean,{0}_std,{0}_ci95", key); }

std::string summary_csv(const std::vector<RunResult>& runs, const StudyDescription& study) {
  std::string out = variant_header(study) + ",seed,shift_mode,model,dataset,epochs,train_seconds";
  for (const auto& c : metric_columns()) out += "," + c.key;
  // The suites' metrics: one value per run, repeated on each shift mode's row.
  const std::vector<std::string> suite_metrics = suite_metric_names(runs);
  for (const auto& name : suite_metrics) out += fmt::format(",{}", name);
  out += "\n";
  for (const auto& v : variants(study)) {
    for (const RunResult* run : runs_of(runs, v.label)) {
      for (const auto& m : run->shift) {
        out += fmt::format("{},{},{},{},{},{},{:.3f}", variant_fields(v), run->seed, to_string(m.mode),
                           csv(run->model), run->dataset, run->epochs, run->train_seconds);
        for (const auto& c : metric_columns()) out += fmt::format(",{:.6f}", c.get(m));
        for (const auto& name : suite_metrics) {
          const double* value = suite_metric(*run, name);
          out += value ? fmt::format(",{:.6f}", *value) : ",";
        }
        out += "\n";
      }
    }
  }
  return out;
}

std::string aggregate_csv(const std::vector<RunResult>& runs, const StudyDescription& study) {
  std::string out = variant_header(study) + ",shift_mode,n";
  for (const auto& c : metric_columns()) out += fmt::format(",{}", csv_header_for_stats(c.key));
  const std::vector<std::string> suite_metrics = suite_metric_names(runs);
  for (const auto& name : suite_metrics) out += fmt::format(",{}", csv_header_for_stats(name));
  out += "\n";
  for (const auto& v : variants(study)) {
    for (const auto& mode : shift_modes(runs)) {
      const Stats first = metric_stats(runs, v.label, mode, metric_columns()[0]);
      if (first.n == 0) continue;
      out += fmt::format("{},{},{}", variant_fields(v), mode, first.n);
      for (const auto& c : metric_columns()) {
        const Stats s = metric_stats(runs, v.label, mode, c);
        out += fmt::format(",{:.6f},{:.6f},{:.6f}", s.mean, s.std, s.ci95);
      }
      for (const auto& name : suite_metrics) {
        const Stats s = suite_metric_stats(runs, v.label, name);
        out += fmt::format(",{:.6f},{:.6f},{:.6f}", s.mean, s.std, s.ci95);
      }
      out += "\n";
    }
  }
  return out;
}

std::string shift_curve_csv(const std::vector<RunResult>& runs, const StudyDescription& study) {
  std::string out = variant_header(study) + ",shift_mode,curve,dx,dy,acc_mean,acc_std,n\n";
  for (const auto& v : variants(study)) {
    for (const auto& mode : shift_modes(runs)) {
      std::map<std::pair<int64_t, int64_t>, std::vector<double>> grid, diagonal;
      for (const RunResult* run : runs_of(runs, v.label)) {
        const ShiftMetrics* m = metrics_for(*run, mode);
        if (m == nullptr) continue;
        for (const auto& p : m->grid) grid[{p.dy, p.dx}].push_back(p.acc);
        for (const auto& [d, acc] : m->diagonal) diagonal[{d, d}].push_back(acc);
      }
      for (const auto& [curve, points] : {std::pair{"grid", &grid}, std::pair{"diagonal", &diagonal}}) {
        for (const auto& [pos, values] : *points) {
          const Stats s = describe(values);
          out += fmt::format("{},{},{},{},{},{:.6f},{:.6f},{}\n", variant_fields(v), mode, curve, pos.second, pos.first, s.mean,
                             s.std, s.n);
        }
      }
    }
  }
  return out;
}

std::string equivariance_csv(const std::vector<RunResult>& runs, const StudyDescription& study) {
  std::string out = variant_header(study) + ",layer_index,layer,type,stride,shift,error_mean,error_std,n\n";
  for (const auto& v : variants(study)) {
    std::vector<std::string> order;
    std::map<std::pair<std::string, int64_t>, std::vector<double>> values;
    std::map<std::string, int64_t> strides;
    std::map<std::string, std::string> types;
    for (const RunResult* run : runs_of(runs, v.label)) {
      for (const auto& e : run->equivariance) {
        if (std::find(order.begin(), order.end(), e.layer) == order.end()) order.push_back(e.layer);
        values[{e.layer, e.shift}].push_back(e.error);
        strides[e.layer] = e.stride;
        types[e.layer] = e.type;
      }
    }
    for (size_t i = 0; i < order.size(); ++i) {
      for (const auto& [key, errors] : values) {
        if (key.first != order[i]) continue;
        const Stats s = describe(errors);
        out += fmt::format("{},{},{},{},{},{},{:.6g},{:.6g},{}\n", variant_fields(v), i, csv(order[i]), types[order[i]],
                           strides[order[i]], key.second, s.mean, s.std, s.n);
      }
    }
  }
  return out;
}
}  // namespace

std::string csv(const std::string& field) {
  if (field.find_first_of(",\"\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void write_tables(const std::filesystem::path& dir, const StudyDescription& study, const std::vector<RunResult>& runs,
                  const std::vector<Comparison>& comparisons) {
  write_text(dir / "comparisons.csv", comparisons_csv(comparisons));
  write_text(dir / "summary.csv", summary_csv(runs, study));
  write_text(dir / "aggregate.csv", aggregate_csv(runs, study));
  write_text(dir / "shift_curve.csv", shift_curve_csv(runs, study));
  write_text(dir / "equivariance.csv", equivariance_csv(runs, study));
  write_suite_curves(dir, study, runs);
}

}  // namespace poolnet::report
