// The report's plots: gnuplot scripts next to their data, drawn to SVG. Users restyle them by
// editing the .gp files and running `gnuplot NAME.gp` in the plots folder.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "experiments/study/gnuplot.h"
#include "experiments/study/panel_figures.h"
#include "experiments/study/report_parts.h"

namespace poolnet::report {

namespace {
constexpr const char* kPreamble =
    "set terminal svg size 760,420 dynamic font 'Helvetica,12' background '#ffffff'\n"
    "set termoption noenhanced\n"
    "set key below\n"
    "set grid ytics lc rgb '#dddddd'\n"
    "set border 3\nset tics nomirror\n";

// A line plot with a mean +/- std band per strategy; data blocks are "x mean std".
std::string band_plot_script(const std::string& stem, const std::string& title, const std::string& xlabel,
                             const std::vector<std::string>& names, const std::string& ylabel = "accuracy") {
  std::string s = fmt::format("{}set output '{}.svg'\nset title {}\nset xlabel {}\nset ylabel {}\n", kPreamble, stem,
                              gp_string(title), gp_string(xlabel), gp_string(ylabel));
  s += "set style fill transparent solid 0.15 noborder\nplot \\\n";
  for (size_t i = 0; i < names.size(); ++i) {
    s += fmt::format(
        "  '{0}.dat' index {1} using 1:($2-$3):($2+$3) with filledcurves lc {2} notitle, \\\n"
        "  '{0}.dat' index {1} using 1:2 with linespoints lc {2} pt 7 ps 0.5 title {3}{4}\n",
        stem, i, i + 1, gp_string(names[i]), i + 1 < names.size() ? ", \\" : "");
  }
  return s;
}

// A grid of heatmaps: a row per labelled list of maps (a variant's), a column per map, each map
// normalised to its largest absolute value; <stem>.dat and <stem>.gp in dir.
using MapRow = std::pair<std::string, const std::vector<SuiteMap>*>;
void write_map_grid(const std::filesystem::path& dir, const std::string& stem, const std::string& title,
                    const std::vector<MapRow>& rows) {
  size_t columns = 1;
  for (const auto& [label, maps] : rows) columns = std::max(columns, maps->size());
  std::string data, plots;
  int64_t block = 0;
  for (const auto& [label, maps] : rows) {
    for (size_t c = 0; c < columns; ++c) {
      if (c >= maps->size()) {
        plots += "set multiplot next\n";
        continue;
      }
      const SuiteMap& m = (*maps)[c];
      float top = 0;
      for (float v : m.values) top = std::max(top, std::fabs(v));
      for (int64_t h = 0; h < m.height; ++h) {
        for (int64_t w = 0; w < m.width; ++w) {
          const float v = m.values[static_cast<size_t>(h * m.width + w)];
          data += fmt::format("{} {} {:.4g}\n", w, m.height - 1 - h, top > 0 ? v / top : 0.0f);
        }
      }
      data += "\n\n";
      plots += fmt::format("set title {}\nset ylabel {}\nplot '{}.dat' index {} using 1:2:3 with image\n",
                           gp_string(m.name), c == 0 ? gp_string(label) : "''", stem, block++);
    }
  }
  write_text(dir / (stem + ".dat"), data);
  // The layout's own margins leave room for the title above the first row's titles (pixels
  // over the figure's size).
  const auto width = static_cast<double>(std::max(110 * columns + 20, 7 * title.size()));
  const auto height = static_cast<double>(130 * rows.size() + 60);
  write_text(
      dir / (stem + ".gp"),
      fmt::format(
          "set terminal svg size {},{} font 'Helvetica,10' background '#ffffff'\nset output '{}.svg'\n"
          "set termoption noenhanced\nunset key\nunset tics\nset border 15 lw 0.5 lc rgb '#999999'\nunset colorbox\n"
          "set palette defined (0 '#ffffff', 0.25 '#9ecae1', 0.6 '#3182bd', 1 '#08306b')\n"
          "set cbrange [0:1]\nset size ratio -1\n"
          "set multiplot layout {},{} title {} margins {:.4f},0.99,{:.4f},{:.4f} spacing 0.02,{:.4f}\n{}unset "
          "multiplot\n",
          width, height, stem, rows.size(), columns, gp_string(title), 30.0 / width, 5.0 / height, 1 - 56.0 / height,
          34.0 / height, plots));
}

const SuiteResult* suite_result(const RunResult& run, const std::string& suite) {
  for (const auto& r : run.suite_results) {
    if (r.suite == suite) return &r;
  }
  return nullptr;
}

// The suites that hold maps in any run, in the order they ran.
std::vector<std::string> suites_with_maps(const std::vector<RunResult>& runs) {
  std::vector<std::string> out;
  for (const auto& run : runs) {
    for (const auto& r : run.suite_results) {
      if (!r.maps.empty() && std::find(out.begin(), out.end(), r.suite) == out.end()) out.push_back(r.suite);
    }
  }
  return out;
}

std::string maps_title(const std::string& suite) {
  return suite == "erf" ? "ERF: mean |input gradient| of each layer's centre unit" : fmt::format("{} maps", suite);
}
}  // namespace

PlotSet write_plots(const std::filesystem::path& plot_dir, const StudyDescription& study,
                    const std::vector<RunResult>& runs, const StripImages& strip) {
  PlotSet set;
  std::vector<std::string> names;
  for (const auto& v : variants(study)) {
    if (!runs_of(runs, v.label).empty()) names.push_back(v.label);
  }
  if (names.empty()) {
    set.note = "no finished runs to plot";
    return set;
  }
  std::vector<std::pair<std::string, std::string>> scripts;  // (stem, title)

  for (const auto& mode : shift_modes(runs)) {
    // Accuracy vs horizontal shift (grid row dy = 0) and along the diagonal.
    for (const bool diagonal : {false, true}) {
      std::string data;
      for (const auto& strategy : names) {
        std::map<int64_t, std::vector<double>> by_shift;
        for (const RunResult* run : runs_of(runs, strategy)) {
          const ShiftMetrics* m = metrics_for(*run, mode);
          if (m == nullptr) continue;
          if (diagonal) {
            for (const auto& [d, acc] : m->diagonal) by_shift[d].push_back(acc);
          } else {
            for (const auto& p : m->grid) {
              if (p.dy == 0) by_shift[p.dx].push_back(p.acc);
            }
          }
        }
        data += fmt::format("# {}\n", strategy);
        for (const auto& [x, values] : by_shift) {
          const Stats s = describe(values);
          data += fmt::format("{} {:.6f} {:.6f}\n", x, s.mean, s.std);
        }
        data += "\n\n";
      }
      const std::string stem = fmt::format("{}_{}", diagonal ? "acc_vs_diagonal_shift" : "acc_vs_shift", mode);
      const std::string title = diagonal ? fmt::format("accuracy vs diagonal shift (d, d), {} shifts", mode)
                                         : fmt::format("accuracy vs horizontal shift, {} shifts", mode);
      write_text(plot_dir / (stem + ".dat"), data);
      write_text(
          plot_dir / (stem + ".gp"),
          band_plot_script(stem, title, diagonal ? "shift d (pixels right and down)" : "shift dx (pixels)", names));
      scripts.emplace_back(stem, title);
    }

    // Clean accuracy and consistency side by side, with standard deviations as error bars.
    std::string data = "# index strategy clean_mean clean_std consistency_mean consistency_std\n";
    for (size_t i = 0; i < names.size(); ++i) {
      const Stats clean = metric_stats(runs, names[i], mode, metric_columns()[0]);
      const Stats cons = metric_stats(runs, names[i], mode, metric_columns()[1]);
      data += fmt::format("{} \"{}\" {:.6f} {:.6f} {:.6f} {:.6f}\n", i, names[i], clean.mean, clean.std, cons.mean,
                          cons.std);
    }
    const std::string stem = "accuracy_consistency_" + mode;
    const std::string title = fmt::format("clean accuracy and consistency ({} shifts), mean ± std over seeds", mode);
    write_text(plot_dir / (stem + ".dat"), data);
    write_text(plot_dir / (stem + ".gp"),
               fmt::format("{}set output '{}.svg'\nset title {}\nset style data histograms\n"
                           "set style histogram errorbars gap 2 lw 1\nset style fill solid 0.7 border -1\n"
                           "set xtics rotate by -20\nset yrange [0:1.05]\n"
                           "plot '{}.dat' using 3:4:xtic(2) title 'clean accuracy', '' using 5:6 title 'consistency'\n",
                           kPreamble, stem, gp_string(title), stem));
    scripts.emplace_back(stem, title);
  }

  // Per-layer equivariance error (mean over shifts), one line per strategy.
  {
    std::string data;
    std::vector<std::string> tick_labels;
    for (const auto& strategy : names) {
      const auto rows = equivariance_summary(runs, strategy);
      data += fmt::format("# {}\n", strategy);
      for (size_t i = 0; i < rows.size(); ++i) {
        data += fmt::format("{} {:.6g} {:.6g}\n", i, rows[i].stats.mean, rows[i].stats.std);
        if (tick_labels.size() <= i) tick_labels.push_back(layer_label(rows[i].layer, rows[i].type, rows[i].stride));
      }
      data += "\n\n";
    }
    std::string xtics = "set xtics rotate by -30 (";
    for (size_t i = 0; i < tick_labels.size(); ++i)
      xtics += fmt::format("{}{} {}", i ? ", " : "", gp_string(tick_labels[i]), i);
    xtics += ")\nset rmargin 22\n";  // room for the last rotated labels
    const std::string stem = "equivariance";
    const std::string title = "equivariance error by layer (circular shifts; mean over shifts, ± std over seeds)";
    std::string script = band_plot_script(stem, title, "layer (cumulative stride S)", names, "relative error");
    script.insert(script.find("set ylabel"), xtics);
    write_text(plot_dir / (stem + ".dat"), data);
    write_text(plot_dir / (stem + ".gp"), script);
    scripts.emplace_back(stem, title);
  }

  // The evaluation suites: their summary metrics side by side, and each curve (averaged over
  // its series, e.g. the corruptions) by x.
  if (const std::vector<std::string> metrics = suite_metric_names(runs); !metrics.empty()) {
    std::string data = "# index strategy then mean std of each suite metric\n";
    bool rates = true;  // every metric in [0, 1] (the ERF radii are pixels)
    for (size_t i = 0; i < names.size(); ++i) {
      data += fmt::format("{} \"{}\"", i, names[i]);
      for (const auto& m : metrics) {
        const Stats s = suite_metric_stats(runs, names[i], m);
        data += fmt::format(" {:.6f} {:.6f}", s.mean, s.std);
        rates = rates && !(s.mean + s.std > 1.0);
      }
      data += "\n";
    }
    const std::string stem = "suite_metrics";
    const std::string title = "evaluation suites, mean ± std over seeds";
    std::string plot = "plot ";
    for (size_t k = 0; k < metrics.size(); ++k) {
      plot += fmt::format("{}'{}.dat' using {}:{}{} title {}", k ? ", " : "", stem, 3 + 2 * k, 4 + 2 * k,
                          k == 0 ? ":xtic(2)" : "", gp_string(metrics[k]));
    }
    write_text(plot_dir / (stem + ".dat"), data);
    write_text(plot_dir / (stem + ".gp"),
               fmt::format("{}set output '{}.svg'\nset title {}\nset style data histograms\n"
                           "set style histogram errorbars gap 2 lw 1\nset style fill solid 0.7 border -1\n"
                           "set xtics rotate by -20\nset yrange [0:{}]\n{}\n",
                           kPreamble, stem, gp_string(title), rates ? "1.05" : "*", plot));
    scripts.emplace_back(stem, title);
  }
  for (const auto& kind : suite_curve_kinds(runs)) {
    std::string data;
    for (const auto& strategy : names) {
      std::map<double, std::vector<double>> by_x;
      for (const RunResult* run : runs_of(runs, strategy)) {
        if (const SuiteCurve* curve = suite_curve(*run, kind.name)) {
          for (const auto& [x, acc] : curve_by_x(*curve)) by_x[x].push_back(acc);
        }
      }
      data += fmt::format("# {}\n", strategy);
      for (const auto& [x, values] : by_x) {
        const Stats s = describe(values);
        data += fmt::format("{} {:.6f} {:.6f}\n", x, s.mean, s.std);
      }
      data += "\n\n";
    }
    const std::string what = kind.value_name == "acc" ? "accuracy" : kind.value_name;
    const std::string title = kind.series_name.empty()
                                  ? fmt::format("{} vs {} ({}), mean ± std over seeds", what, kind.x_name, kind.name)
                                  : fmt::format("{} vs {} ({}, mean over each {}), mean ± std over seeds", what,
                                                kind.x_name, kind.name, kind.series_name);
    write_text(plot_dir / (kind.name + ".dat"), data);
    write_text(plot_dir / (kind.name + ".gp"), band_plot_script(kind.name, title, kind.x_name, names, what));
    scripts.emplace_back(kind.name, title);
  }

  // One test image shifted right by 0..K pixels.
  if (!strip.indices.empty() && strip.channels > 0) {
    const int64_t C = strip.channels, H = strip.height, W = strip.width;
    const int64_t image = strip_image_choice(runs, strip);
    const int64_t K = runs.front().strip.max_shift;
    const auto& px = strip.pixels[static_cast<size_t>(image)];
    std::string data;
    for (int64_t d = 0; d <= K; ++d) {
      for (int64_t h = 0; h < H; ++h) {
        for (int64_t w = 0; w < W; ++w) {
          const int64_t src = ((w - d) % W + W) % W;
          const auto at = [&](int64_t c) {
            return static_cast<int>(255 * px[static_cast<size_t>((c * H + h) * W + src)]);
          };
          data += C == 3 ? fmt::format("{} {} {} {} {}\n", w, H - 1 - h, at(0), at(1), at(2))
                         : fmt::format("{} {} {}\n", w, H - 1 - h, at(0));
        }
      }
      data += "\n\n";
    }
    const std::string stem = "strip";
    std::string script = fmt::format(
        "set terminal svg size {},150 background '#ffffff'\nset output '{}.svg'\nunset key\nunset tics\nunset border\n"
        "unset colorbox\nset palette gray\nset size ratio -1\nset multiplot layout 1,{}\n",
        110 * (K + 1), stem, K + 1);
    for (int64_t d = 0; d <= K; ++d) {
      script += fmt::format("set title 'shift {}'\nplot '{}.dat' index {} using 1:2:3{} with {}\n", d, stem, d,
                            C == 3 ? ":4:5" : "", C == 3 ? "rgbimage" : "image");
    }
    script += "unset multiplot\n";
    write_text(plot_dir / (stem + ".dat"), data);
    write_text(plot_dir / (stem + ".gp"), script);
    scripts.emplace_back(stem, "one test image shifted right by 0..K pixels (circularly)");
  }

  // The layer panels of the first test image: the first seed of each variant.
  for (size_t i = 0; i < names.size(); ++i) {
    for (const RunResult* run : runs_of(runs, names[i])) {
      if (run->panels.layers.empty()) continue;
      for (const auto& f :
           write_panel_figures(plot_dir, run->panels, fmt::format("panels_{}", i), strip.class_names, false)) {
        scripts.emplace_back(f.stem, fmt::format("{}: {}", names[i], f.title));
      }
      break;
    }
  }

  // The suites' maps (the ERF maps): the first seed of each variant.
  for (const auto& suite : suites_with_maps(runs)) {
    std::vector<MapRow> rows;
    for (const auto& name : names) {
      for (const RunResult* run : runs_of(runs, name)) {
        const SuiteResult* r = suite_result(*run, suite);
        if (r == nullptr || r->maps.empty()) continue;
        rows.emplace_back(name, &r->maps);
        break;
      }
    }
    const std::string title = maps_title(suite) + ", first seed of each variant, each normalised to its maximum";
    write_map_grid(plot_dir, suite + "_maps", title, rows);
    scripts.emplace_back(suite + "_maps", title);
  }

  if (!gnuplot_available()) {
    set.note = "gnuplot is not installed (apt-get install gnuplot-nox): the plot scripts and data are in plots/";
    return set;
  }
  for (const auto& [stem, title] : scripts) {
    if (!study.draw_plots) {  // an intermediate report: the plots drawn last time, if any
      if (std::filesystem::exists(plot_dir / (stem + ".svg"))) {
        set.plots.push_back({title, std::filesystem::path("plots") / (stem + ".svg")});
      }
    } else if (run_gnuplot(plot_dir, stem)) {
      set.plots.push_back({title, std::filesystem::path("plots") / (stem + ".svg")});
    } else {
      set.note = "gnuplot failed on some plots; see plots/gnuplot.log";
    }
  }
  return set;
}

int64_t strip_image_choice(const std::vector<RunResult>& runs, const StripImages& strip) {
  // The image whose predictions change most often across shifts, summed over all runs.
  int64_t best = 0, best_changes = -1;
  for (size_t i = 0; i < strip.indices.size(); ++i) {
    int64_t changes = 0;
    for (const auto& run : runs) {
      if (i >= run.strip.predicted.size()) continue;
      const auto& p = run.strip.predicted[i];
      for (size_t d = 1; d < p.size(); ++d) changes += p[d] != p[0];
    }
    if (changes > best_changes) {
      best = static_cast<int64_t>(i);
      best_changes = changes;
    }
  }
  return best;
}

}  // namespace poolnet::report

namespace poolnet {

std::vector<std::filesystem::path> write_map_pictures(const std::filesystem::path& folder, const RunResult& run) {
  using namespace report;
  const std::filesystem::path dir = folder.empty() ? std::filesystem::path(".") : folder;
  std::vector<std::filesystem::path> drawn;
  const bool gnuplot = gnuplot_available();
  for (const auto& suite : suites_with_maps({run})) {
    const std::string stem = suite + "_maps";
    write_map_grid(dir, stem, maps_title(suite) + ", normalised to its maximum",
                   {{variant(run), &suite_result(run, suite)->maps}});
    if (gnuplot && run_gnuplot(dir, stem)) drawn.push_back(dir / (stem + ".svg"));
  }
  return drawn;
}

}  // namespace poolnet
