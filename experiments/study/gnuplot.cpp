#include "experiments/study/gnuplot.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

namespace poolnet::report {

std::string gp_string(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

bool run_gnuplot(const std::filesystem::path& dir, const std::string& stem) {
  // The SVG is drawn into a temporary file and renamed, so that a reader (or another process
  // rewriting the same report) never sees a half-drawn plot.
  const std::string tmp = fmt::format("{}.svg.tmp.{}", stem, ::getpid());
  const std::string cmd = fmt::format(
      "cd {} && {{ sed \"s/^set output '.*'$/set output '{}'/\" {} | gnuplot >> gnuplot.log 2>&1 && mv -f {} {} || "
      "{{ rm -f {}; false; }}; }}",
      gp_string(dir.string()), tmp, gp_string(stem + ".gp"), gp_string(tmp), gp_string(stem + ".svg"), gp_string(tmp));
  return std::system(cmd.c_str()) == 0;
}

}  // namespace poolnet::report
