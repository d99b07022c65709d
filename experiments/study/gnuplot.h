// Drawing with gnuplot: the report's plots and `poolnet show`'s panels are gnuplot scripts
// written next to their data and drawn to SVG.
#pragma once

#include <filesystem>
#include <string>

namespace poolnet::report {

// s as a single-quoted gnuplot string.
std::string gp_string(const std::string& s);
// Whether `gnuplot` is on the PATH.
bool gnuplot_available();
// Runs dir/<stem>.gp in dir, drawing <stem>.svg (through a temporary file, renamed when
// complete; gnuplot's messages go to dir/gnuplot.log). False if gnuplot failed.
bool run_gnuplot(const std::filesystem::path& dir, const std::string& stem);

}  // namespace poolnet::report
