// report.md and the self-contained report.html.
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "experiments/study/report_parts.h"
#include "framework/text.h"

namespace poolnet::report {

namespace {
std::string pm(const Stats& s, int digits = 3) {
  return s.n > 1 ? fmt::format("{:.{}f} ± {:.{}f}", s.mean, digits, s.std, digits) : fmt::format("{:.{}f}", s.mean, digits);
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// The significant comparison of a table cell, if any (clean accuracy: every shift mode's row).
const Comparison* significant_for(const std::vector<Comparison>& comparisons, const Variant& v, const std::string& mode,
                                  const std::string& metric) {
  for (const auto& c : comparisons) {
    if (c.significant && c.strategy == v.strategy && c.grid == v.grid && c.metric == metric &&
        (c.shift_mode == mode || c.shift_mode.empty())) {
      return &c;
    }
  }
  return nullptr;
}

// One results table per grid point and shift mode: a row per strategy, mean ± std of each metric
// over seeds; ▲ / ▼ mark a significant difference from the baseline (better / worse).
using Table = std::pair<std::vector<std::string>, std::vector<std::vector<std::string>>>;
struct TitledTable {
  std::string title;
  Table table;
};

std::vector<TitledTable> results_tables(const StudyDescription& study, const std::vector<RunResult>& runs,
                                        const std::vector<Comparison>& comparisons) {
  std::vector<std::string> header{"strategy"};
  for (const auto& c : metric_columns()) header.push_back(c.title);
  header.push_back("seeds");
  std::vector<TitledTable> out;
  for (const auto& mode : shift_modes(runs)) {
    for (const auto& point : study.grid_points) {
      TitledTable t{point.empty() ? fmt::format("Results under {} shifts", mode)
                                  : fmt::format("Results under {} shifts at {}", mode, grid_text(point)),
                    {header, {}}};
      for (const auto& v : variants(study)) {
        if (v.grid != point) continue;
        const int64_t n = metric_stats(runs, v.label, mode, metric_columns()[0]).n;
        if (n == 0) continue;
        std::vector<std::string> row{v.strategy == study.baseline ? v.strategy + " (baseline)" : v.strategy};
        for (const auto& c : metric_columns()) {
          std::string cell = pm(metric_stats(runs, v.label, mode, c));
          if (const Comparison* cmp = significant_for(comparisons, v, mode, c.key)) {
            cell += (cmp->difference.diff > 0) == cmp->higher_is_better ? " ▲" : " ▼";
          }
          row.push_back(cell);
        }
        row.push_back(std::to_string(n));
        t.table.second.push_back(row);
      }
      if (!t.table.second.empty()) out.push_back(std::move(t));
    }
  }
  return out;
}

std::string marker_note(const StudyDescription& study) {
  return fmt::format("Mean ± std over seeds. ▲ / ▼: significantly better / worse than the baseline `{}` at the same "
                     "grid point (paired over seeds, Holm-adjusted p < 0.05; see comparisons.csv).",
                     study.baseline);
}

// Per-layer equivariance table: header (layers) and one row per strategy.
Table equivariance_table(const StudyDescription& study, const std::vector<RunResult>& runs) {
  std::vector<std::string> header{"strategy"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : variants(study)) {
    const auto summary = equivariance_summary(runs, v.label);
    if (summary.empty()) continue;
    std::vector<std::string> row{v.label};
    for (size_t i = 0; i < summary.size(); ++i) {
      if (header.size() <= i + 1) header.push_back(layer_label(summary[i].layer, summary[i].type, summary[i].stride));
      row.push_back(pm(summary[i].stats, 4));
    }
    rows.push_back(row);
  }
  return {header, rows};
}

std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "| " + fmt::format("{}", fmt::join(header, " | ")) + " |\n|";
  for (size_t i = 0; i < header.size(); ++i) out += i == 0 ? "---|" : "---:|";
  out += "\n";
  for (const auto& row : rows) out += "| " + fmt::format("{}", fmt::join(row, " | ")) + " |\n";
  return out;
}

std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><thead><tr>";
  for (const auto& h : header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) out += (i == 0 ? "<td class=name>" : "<td>") + html_escape(row[i]) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

std::string setup_line(const StudyDescription& study, const std::vector<RunResult>& runs) {
  if (runs.empty()) return fmt::format("No run has finished yet (0 of {} planned).", study.planned_runs);
  const RunResult& r = runs.front();
  return fmt::format("Model family `{}` on `{}`, {} per run; {} of {} planned runs complete.",
                     r.model.substr(0, r.model.find('[')), r.dataset, count_of(r.epochs, "epoch"), runs.size(),
                     study.planned_runs);
}

std::string read_svg(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string svg = ss.str();
  const auto start = svg.find("<svg");
  return start == std::string::npos ? "" : svg.substr(start);
}

std::string class_name(const StripImages& strip, int32_t c) {
  return c >= 0 && static_cast<size_t>(c) < strip.class_names.size() ? strip.class_names[static_cast<size_t>(c)]
                                                                      : std::to_string(c);
}

std::string strip_table(const StudyDescription& study, const std::vector<RunResult>& runs, const StripImages& strip) {
  if (strip.indices.empty() || runs.empty()) return "";
  const int64_t image = strip_image_choice(runs, strip);
  const int64_t K = runs.front().strip.max_shift;
  std::string out = fmt::format("<p>Test image #{} (true class: <b>{}</b>); each cell is the class predicted for the image "
                                "shifted right by that many pixels. Red: differs from the prediction at shift 0.</p>\n",
                                strip.indices[static_cast<size_t>(image)],
                                html_escape(class_name(strip, runs.front().strip.labels[static_cast<size_t>(image)])));
  out += "<table class=strip><thead><tr><th>strategy (seed)</th>";
  for (int64_t d = 0; d <= K; ++d) out += fmt::format("<th>{}</th>", d);
  out += "</tr></thead><tbody>\n";
  for (const auto& v : variants(study)) {
    for (const RunResult* run : runs_of(runs, v.label)) {
      const auto& p = run->strip.predicted[static_cast<size_t>(image)];
      out += fmt::format("<tr><td class=name>{} ({})</td>", html_escape(v.label), run->seed);
      for (size_t d = 0; d < p.size(); ++d) {
        out += fmt::format("<td{}>{}</td>", p[d] != p[0] ? " class=flip" : "", html_escape(class_name(strip, p[d])));
      }
      out += "</tr>\n";
    }
  }
  return out + "</tbody></table>\n";
}

// The Findings section's lines: the comparisons' findings, or why there are none.
std::vector<std::string> findings_lines(const StudyDescription& study, const std::vector<Comparison>& comparisons) {
  if (!comparisons.empty()) return findings(comparisons);
  if (study.strategies.size() < 2) return {"One strategy: nothing to compare."};
  return {fmt::format("No comparison yet: no seed has finished runs of both `{}` and another strategy.", study.baseline)};
}

// `text` -> <code>text</code> in already escaped HTML.
std::string code_spans(const std::string& html) {
  std::string out;
  bool open = false;
  for (char c : html) {
    if (c == '`') {
      out += open ? "</code>" : "<code>";
      open = !open;
    } else {
      out += c;
    }
  }
  return open ? out + "</code>" : out;
}

constexpr const char* kStyle =
    "body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;"
    "text-align:right;white-space:nowrap}td.name,th:first-child{text-align:left;font-family:monospace}thead{background:#f3f3f3}"
    "td.flip{color:#b00;font-weight:bold}figure{margin:1.5em 0}figcaption{color:#555;font-size:13px}"
    "code{background:#f3f3f3;padding:1px 4px}.note{color:#a60}";
}  // namespace

void write_markdown(const std::filesystem::path& path, const StudyDescription& study, const std::vector<RunResult>& runs,
                    const ReportContent& content) {
  std::string md = fmt::format("# {}\n\n{}\n\n", study.title, setup_line(study, runs));
  if (!study.command.empty()) md += fmt::format("Command: `{}`\n\n", study.command);
  md += "## Findings\n\n";
  for (const auto& line : findings_lines(study, content.comparisons)) md += fmt::format("- {}\n", line);
  md += fmt::format("\n{}\n\n", marker_note(study));
  for (const auto& t : results_tables(study, runs, content.comparisons)) {
    md += fmt::format("## {}\n\n", t.title) + markdown_table(t.table.first, t.table.second) + "\n";
  }
  const auto [eq_header, eq_rows] = equivariance_table(study, runs);
  if (!eq_rows.empty()) {
    md += "## Equivariance error by layer (circular shifts, mean over shifts t = 1..2S)\n\n";
    md += markdown_table(eq_header, eq_rows) + "\n";
  }
  for (const auto& t : suite_tables(study, runs)) {
    md += fmt::format("## {}\n\n", t.title) + markdown_table(t.header, t.rows) + "\n";
  }
  const PlotSet& plots = content.plots;
  if (!plots.plots.empty() || !plots.note.empty()) md += "## Plots\n\n";
  for (const auto& p : plots.plots) md += fmt::format("![{}]({})\n\n", p.title, p.svg.string());
  if (!plots.note.empty()) md += fmt::format("Note: {}\n\n", plots.note);
  if (!content.failed.empty()) {
    md += "## Failed runs (not counted above)\n\n";
    for (const auto& f : content.failed) md += fmt::format("- `{}` seed {}: {}\n", f.strategy, f.seed, f.error);
  }
  write_text(path, md);
}

void write_html(const std::filesystem::path& path, const StudyDescription& study, const std::vector<RunResult>& runs,
                const ReportContent& content, const StripImages& strip) {
  const std::filesystem::path dir = path.parent_path();
  std::string html = fmt::format("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{0}</title>"
                                 "<style>{1}</style></head><body>\n<h1>{0}</h1>\n<p>{2}</p>\n",
                                 html_escape(study.title), kStyle, html_escape(setup_line(study, runs)));
  if (!study.command.empty()) html += fmt::format("<p>Command: <code>{}</code></p>\n", html_escape(study.command));
  html += "<h2>Findings</h2>\n<ul>\n";
  for (const auto& line : findings_lines(study, content.comparisons)) html += "<li>" + code_spans(html_escape(line)) + "</li>\n";
  html += "</ul>\n<p>" + code_spans(html_escape(marker_note(study))) + "</p>\n";
  for (const auto& t : results_tables(study, runs, content.comparisons)) {
    html += fmt::format("<h2>{}</h2>\n", html_escape(t.title)) + html_table(t.table.first, t.table.second);
  }
  const auto [eq_header, eq_rows] = equivariance_table(study, runs);
  if (!eq_rows.empty()) {
    html += "<h2>Equivariance error by layer (circular shifts, mean over shifts t = 1..2S)</h2>\n";
    html += html_table(eq_header, eq_rows);
  }
  for (const auto& t : suite_tables(study, runs)) {
    html += fmt::format("<h2>{}</h2>\n", html_escape(t.title)) + html_table(t.header, t.rows);
  }
  const PlotSet& plots = content.plots;
  html += "<h2>Plots</h2>\n";
  for (const auto& p : plots.plots) {
    if (p.svg.stem() == "strip") continue;
    html += fmt::format("<figure>{}<figcaption>{}</figcaption></figure>\n", read_svg(dir / p.svg), html_escape(p.title));
  }
  if (!plots.note.empty()) html += fmt::format("<p class=note>Note: {}</p>\n", html_escape(plots.note));
  html += "<h2>Where predictions flip</h2>\n";
  for (const auto& p : plots.plots) {
    if (p.svg.stem() == "strip") html += fmt::format("<figure>{}</figure>\n", read_svg(dir / p.svg));
  }
  html += strip_table(study, runs, strip);
  if (!content.failed.empty()) {
    html += "<h2>Failed runs (not counted above)</h2>\n<ul>\n";
    for (const auto& f : content.failed) {
      html += fmt::format("<li><code>{}</code> seed {}: {}</li>\n", html_escape(f.strategy), f.seed, html_escape(f.error));
    }
    html += "</ul>\n";
  }
  html += "</body></html>\n";
  write_text(path, html);
}

}  // namespace poolnet::report
