#include "experiments/study/panel_figures.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "experiments/study/gnuplot.h"
#include "experiments/study/report_parts.h"
#include "framework/errors.h"

namespace poolnet::report {

namespace {
constexpr int kCell = 110;  // pixels per panel cell

std::string file_safe(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

// One block of "x y value" lines (image rows top down), a blank-line pair after it.
std::string image_block(const float* v, int64_t height, int64_t width) {
  std::string out;
  for (int64_t h = 0; h < height; ++h) {
    for (int64_t w = 0; w < width; ++w) out += fmt::format("{} {} {:.6g}\n", w, height - 1 - h, v[h * width + w]);
  }
  return out + "\n\n";
}

std::string grid_header(const std::string& stem, int64_t rows, int64_t columns, const std::string& title) {
  return fmt::format(
      "set terminal svg size {},{} font 'Helvetica,10' background '#ffffff'\nset output '{}.svg'\n"
      "set termoption noenhanced\nunset key\nunset tics\nunset border\nset size ratio -1\n"
      "set multiplot layout {},{} title {}\n",
      std::max<int64_t>(kCell * columns, 7 * static_cast<int64_t>(title.size())), kCell * rows + 40, stem, rows,
      columns, gp_string(title));
}
}  // namespace

std::vector<PanelFigure> write_panel_figures(const std::filesystem::path& dir, const ShiftPanels& p,
                                             const std::string& stem, const std::vector<std::string>& class_names,
                                             bool draw) {
  std::filesystem::create_directories(dir);
  std::vector<PanelFigure> figures;
  const auto shifts = static_cast<int64_t>(p.input.size());
  const auto class_name = [&](int32_t c) {
    return c >= 0 && static_cast<size_t>(c) < class_names.size() ? class_names[static_cast<size_t>(c)]
                                                                 : std::to_string(c);
  };

  {  // The input at each shift, with the prediction.
    const std::string s = stem + "_input";
    const int64_t H = p.height, W = p.width, C = p.channels, plane = H * W;
    std::string data;
    for (const auto& image : p.input) {
      for (int64_t h = 0; h < H; ++h) {
        for (int64_t w = 0; w < W; ++w) {
          const auto at = [&](int64_t c) {
            return static_cast<int>(255 * image[static_cast<size_t>(c * plane + h * W + w)]);
          };
          data += C == 3 ? fmt::format("{} {} {} {} {}\n", w, H - 1 - h, at(0), at(1), at(2))
                         : fmt::format("{} {} {}\n", w, H - 1 - h, at(0));
        }
      }
      data += "\n\n";
    }
    const std::string title =
        fmt::format("the image moved right by 0..{} px ({}), predicted class", shifts - 1, to_string(p.mode));
    std::string script = grid_header(s, 1, shifts, title) + "unset colorbox\nset palette gray\n";
    for (int64_t d = 0; d < shifts; ++d) {
      script += fmt::format("set title {}\nplot '{}.dat' index {} using 1:2:3{} with {}\n",
                            gp_string(fmt::format("{} px: {}", d, class_name(p.predicted[static_cast<size_t>(d)]))), s,
                            d, C == 3 ? ":4:5" : "", C == 3 ? "rgbimage" : "image");
    }
    write_text(dir / (s + ".dat"), data);
    write_text(dir / (s + ".gp"), script + "unset multiplot\n");
    figures.push_back({s, title});
  }

  for (const LayerPanel& l : p.layers) {
    const std::string s = fmt::format("{}_{}", stem, file_safe(l.layer));
    const int64_t plane = l.height * l.width;
    float lo = 0, hi = 0;  // one colour scale for the layer
    for (const auto& m : l.maps) {
      if (m.empty()) continue;
      lo = std::min(lo, *std::min_element(m.begin(), m.end()));
      hi = std::max(hi, *std::max_element(m.begin(), m.end()));
    }
    if (hi <= lo) hi = lo + 1;
    std::string data;
    for (int64_t c = 0; c < l.channels; ++c) {
      for (int64_t d = 0; d < shifts; ++d)
        data += image_block(l.maps[static_cast<size_t>(d)].data() + c * plane, l.height, l.width);
    }
    const std::string title = fmt::format("{} {}, stride {}: equivariance error by shift", l.layer, l.type, l.stride);
    std::string script = grid_header(s, l.channels, shifts, title) +
                         fmt::format("unset colorbox\nset palette rgb 33,13,10\nset cbrange [{:.6g}:{:.6g}]\n", lo, hi);
    for (int64_t c = 0; c < l.channels; ++c) {
      for (int64_t d = 0; d < shifts; ++d) {
        // A blank title below the first row keeps every row's cells the same size.
        const std::string cell =
            c == 0 ? fmt::format("{} px: {:.3f}", d, l.error[static_cast<size_t>(d)]) : std::string(" ");
        script += fmt::format("set title {}\nplot '{}.dat' index {} using 1:2:3 with image\n", gp_string(cell), s,
                              c * shifts + d);
      }
    }
    write_text(dir / (s + ".dat"), data);
    write_text(dir / (s + ".gp"), script + "unset multiplot\n");
    figures.push_back({s, title});
  }

  if (draw && gnuplot_available()) {
    for (const auto& f : figures) {
      if (!run_gnuplot(dir, f.stem))
        throw IoError(fmt::format("gnuplot failed on {}; see {}", (dir / (f.stem + ".gp")).string(),
                                  (dir / "gnuplot.log").string()));
    }
  }
  return figures;
}

}  // namespace poolnet::report
