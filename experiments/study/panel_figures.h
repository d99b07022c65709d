// Figures of a ShiftPanels (experiments/eval/shift_panels.h), for `poolnet show` and the study
// report: <stem>_input.svg, the image at each shift with the predicted class, and one
// <stem>_<layer>.svg per layer shown, a row per channel and a column per shift, one colour
// scale per layer, the layer's equivariance error over each column. Written as gnuplot scripts
// with their data, then drawn.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "experiments/eval/shift_panels.h"

namespace poolnet::report {

// A figure written: its file stem (the SVG is <stem>.svg) and its title.
struct PanelFigure {
  std::string stem, title;
};

// Writes the figures' scripts and data into dir; draws them when `draw` and gnuplot is
// available. Returns the figures, in order (input first).
std::vector<PanelFigure> write_panel_figures(const std::filesystem::path& dir, const ShiftPanels& panels,
                                             const std::string& stem, const std::vector<std::string>& class_names,
                                             bool draw);

}  // namespace poolnet::report
