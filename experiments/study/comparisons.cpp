#include "experiments/study/comparisons.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "experiments/eval/suites.h"
#include "experiments/study/report_parts.h"

namespace poolnet {

namespace {
using report::MetricColumn;

// The metrics of one shift mode; clean accuracy (the same in every mode) from the first.
const ShiftMetrics* mode_metrics(const RunResult& run, const std::string& mode) {
  if (!mode.empty()) return report::metrics_for(run, mode);
  return run.shift.empty() ? nullptr : &run.shift.front();
}

// Whether a unit's outcome is good: a set bit, except for flips, where no flip is good.
bool good(const MetricColumn& metric, uint8_t value, int unit) {
  const bool set = metric.units_per_image == 1 ? value != 0 : ((value >> unit) & 1) != 0;
  return metric.higher_is_better ? set : !set;
}

std::string signed_value(double v) { return fmt::format("{:+.3f}", v); }

// "= 0.0123", "= 4.5e-12", or "< 1e-300" where double's range ends (never "= 0").
std::string p_text(double p) {
  if (p < 1e-300) return "< 1e-300";
  return p < 1e-4 ? fmt::format("= {:.1e}", p) : fmt::format("= {:.4f}", p);
}

}  // namespace

std::vector<Comparison> compare_with_baseline(const std::vector<RunResult>& runs, const std::vector<std::string>& strategies,
                                              const std::vector<GridValues>& grid_points, const std::string& baseline) {
  const std::vector<std::string> modes = report::shift_modes(runs);
  std::vector<Comparison> out;
  for (const auto& point : grid_points) {
    // seed -> run, for the baseline and each strategy at this grid point
    const auto by_seed = [&](const std::string& strategy) {
      std::map<uint64_t, const RunResult*> m;
      for (const auto& run : runs) {
        if (run.strategy == strategy && run.grid == point) m[run.seed] = &run;
      }
      return m;
    };
    const auto base_runs = by_seed(baseline);
    for (const auto& strategy : strategies) {
      if (strategy == baseline) continue;
      const auto other_runs = by_seed(strategy);
      for (const MetricColumn& metric : report::metric_columns()) {
        for (const std::string& mode : metric.per_mode ? modes : std::vector<std::string>{""}) {
          std::vector<double> a, b;
          int64_t better = 0, worse = 0;
          bool per_image = metric.outcomes != nullptr;
          for (const auto& [seed, other] : other_runs) {
            const auto it = base_runs.find(seed);
            if (it == base_runs.end()) continue;
            const ShiftMetrics* mb = mode_metrics(*it->second, mode);
            const ShiftMetrics* ms = mode_metrics(*other, mode);
            if (mb == nullptr || ms == nullptr) continue;
            a.push_back(metric.get(*mb));
            b.push_back(metric.get(*ms));
            if (!per_image) continue;
            const auto& ob = (*mb).*metric.outcomes;
            const auto& os = (*ms).*metric.outcomes;
            if (ob.size() != os.size() || ob.empty()) {
              per_image = false;  // not the same images: fall back to the t-test
              continue;
            }
            for (size_t i = 0; i < ob.size(); ++i) {
              for (int unit = 0; unit < metric.units_per_image; ++unit) {
                const bool gb = good(metric, ob[i], unit), gs = good(metric, os[i], unit);
                better += gs && !gb;
                worse += gb && !gs;
              }
            }
          }
          if (a.empty()) continue;
          Comparison c;
          c.strategy = strategy;
          c.baseline = baseline;
          c.grid = point;
          c.shift_mode = mode;
          c.metric = metric.key;
          c.title = mode.empty() ? metric.phrase : fmt::format("{} under {} shifts", metric.phrase, mode);
          c.higher_is_better = metric.higher_is_better;
          c.baseline_mean = describe(a).mean;
          c.strategy_mean = describe(b).mean;
          c.difference = paired_difference(a, b);
          if (per_image) {
            c.test = std::string("mcnemar");
            c.better = better;
            c.worse = worse;
            c.p = mcnemar_exact_p(better, worse);
          } else {
            c.test = std::string("t");  // a temporary: GCC 12 warns falsely (-Wrestrict) on assigning the literal
            c.p = c.difference.p;
          }
          out.push_back(c);
        }
      }
      // The suites' summary metrics: one value per run, no per-image outcomes: the t-test.
      for (const std::string& name : report::suite_metric_names(runs)) {
        std::vector<double> a, b;
        for (const auto& [seed, other] : other_runs) {
          const auto it = base_runs.find(seed);
          if (it == base_runs.end()) continue;
          const double* vb = suite_metric(*it->second, name);
          const double* vs = suite_metric(*other, name);
          if (vb == nullptr || vs == nullptr) continue;
          a.push_back(*vb);
          b.push_back(*vs);
        }
        if (a.empty()) continue;
        const SuiteMetric* declared = find_suite_metric(name);
        Comparison c;
        c.strategy = strategy;
        c.baseline = baseline;
        c.grid = point;
        c.metric = name;
        c.title = declared != nullptr ? declared->phrase : name;
        c.higher_is_better = declared == nullptr || declared->higher_is_better;
        c.baseline_mean = describe(a).mean;
        c.strategy_mean = describe(b).mean;
        c.difference = paired_difference(a, b);
        c.test = std::string("t");
        c.p = c.difference.p;
        out.push_back(c);
      }
    }
  }
  std::vector<double> p;
  for (const auto& c : out) p.push_back(c.p);
  const std::vector<double> adjusted = holm(p);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].p_holm = adjusted[i];
    const PairedDifference& d = out[i].difference;
    const bool interval_excludes_zero = d.n < 2 || d.ci_low > 0 || d.ci_high < 0;
    out[i].significant = adjusted[i] < 0.05 && interval_excludes_zero;
  }
  return out;
}

std::string comparisons_csv(const std::vector<Comparison>& comparisons) {
  std::vector<std::string> keys;
  for (const auto& c : comparisons) {
    for (const auto& [key, value] : c.grid) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  }
  std::string out = "strategy";
  for (const auto& k : keys) out += fmt::format(",{}", report::csv(k));
  out += ",shift_mode,metric,baseline,baseline_mean,strategy_mean,diff,ci_low,ci_high,seeds,test,better,worse,p,p_holm,"
         "significant\n";
  for (const auto& c : comparisons) {
    out += report::csv(c.strategy);
    for (const auto& k : keys) {
      const auto it = std::find_if(c.grid.begin(), c.grid.end(), [&](const auto& kv) { return kv.first == k; });
      out += fmt::format(",{}", it == c.grid.end() ? std::string() : report::csv(it->second));
    }
    const auto& d = c.difference;
    out += fmt::format(",{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{},{},{},{:.6g},{:.6g},{}\n", c.shift_mode, c.metric,
                       report::csv(c.baseline), c.baseline_mean, c.strategy_mean, d.diff, d.ci_low, d.ci_high, d.n, c.test,
                       c.better, c.worse, c.p, c.p_holm, c.significant ? 1 : 0);
  }
  return out;
}

std::vector<std::string> findings(const std::vector<Comparison>& comparisons) {
  std::vector<const Comparison*> significant;
  std::map<std::string, std::vector<std::string>> not_significant;  // variant -> metric titles
  std::vector<std::string> order;
  for (const auto& c : comparisons) {
    if (c.significant) {
      significant.push_back(&c);
      continue;
    }
    const std::string who = variant(c.strategy, c.grid);
    if (!not_significant.count(who)) order.push_back(who);
    not_significant[who].push_back(c.title);
  }
  std::stable_sort(significant.begin(), significant.end(), [](const Comparison* x, const Comparison* y) {
    return std::fabs(x->difference.diff) > std::fabs(y->difference.diff);
  });
  std::vector<std::string> out;
  for (const Comparison* c : significant) {
    const bool up = c->difference.diff > 0;
    const bool improves = up == c->higher_is_better;
    const std::string where = c->grid.empty() ? "" : fmt::format(" (at {})", grid_text(c->grid));
    const std::string interval = std::isnan(c->difference.ci_low)
                                     ? std::string("one seed, no interval")
                                     : fmt::format("95% CI {} to {}", signed_value(c->difference.ci_low),
                                                   signed_value(c->difference.ci_high));
    const std::string test = c->test == "mcnemar"
                                 ? fmt::format("exact McNemar over {} + {} discordant cases", c->better, c->worse)
                                 : "paired t-test over seeds";
    out.push_back(fmt::format("`{}` has {} {} than `{}`{}: {:.3f} vs {:.3f}, difference {} ({}; {}, Holm-adjusted p {}) — {}.",
                              c->strategy, up ? "higher" : "lower", c->title, c->baseline, where, c->strategy_mean,
                              c->baseline_mean, signed_value(c->difference.diff), interval, test,
                              p_text(c->p_holm),
                              improves ? "better" : "worse"));
  }
  if (!order.empty()) {
    std::vector<std::string> parts;
    for (const auto& who : order) parts.push_back(fmt::format("`{}`: {}", who, fmt::join(not_significant[who], ", ")));
    out.push_back(fmt::format("Not significant against `{}` (Holm-adjusted p ≥ 0.05): {}.", comparisons.front().baseline,
                              fmt::join(parts, "; ")));
  }
  return out;
}

}  // namespace poolnet
