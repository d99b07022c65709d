// Figures of `poolnet show`'s overlays and spectra (overlay_figures.h; docs/metrics.md, "Layer
// panels"). The heat maps are blended over the grey image here, pixel by pixel, and drawn as RGB
// images, so that the SVG needs no transparency.
#include "experiments/study/overlay_figures.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "experiments/study/gnuplot.h"
#include "experiments/study/report_parts.h"
#include "framework/errors.h"

namespace poolnet::report {

namespace {
constexpr double kOpacity = 0.75;  // of the heat colour at the map's maximum (0 at its minimum)

// gnuplot's default palette (rgbformulae 7,5,15 is grey-hostile; 33,13,10 is its rainbow): the
// colour of v in [0, 1], each component in [0, 1].
struct Rgb {
  double r, g, b;
};
Rgb rainbow(double v) {
  v = std::clamp(v, 0.0, 1.0);
  return {std::clamp(std::fabs(2 * v - 0.5), 0.0, 1.0), std::clamp(std::sin(std::numbers::pi * v), 0.0, 1.0),
          std::clamp(std::cos(std::numbers::pi / 2 * v), 0.0, 1.0)};
}

// "x y r g b" lines of grey image g under heat (values in [0, 1]), image rows top down, then a
// blank-line pair.
std::string blended_block(const std::vector<float>& grey, const std::vector<double>& heat, int64_t H, int64_t W) {
  std::string out;
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t w = 0; w < W; ++w) {
      const auto k = static_cast<size_t>(h * W + w);
      const double a = kOpacity * std::clamp(heat[k], 0.0, 1.0), g = grey[k];
      const Rgb c = rainbow(heat[k]);
      const auto mix = [&](double colour) { return static_cast<int>(std::lround(255 * ((1 - a) * g + a * colour))); };
      out += fmt::format("{} {} {} {} {}\n", w, H - 1 - h, mix(c.r), mix(c.g), mix(c.b));
    }
  }
  return out + "\n\n";
}

std::string header(const std::string& stem, int64_t width, int64_t height, int64_t rows, int64_t columns,
                   const std::string& title) {
  return fmt::format(
      "set terminal svg size {},{} font 'Helvetica,10' background '#ffffff'\nset output '{}.svg'\n"
      "set termoption noenhanced\nunset key\nunset tics\nunset border\nunset colorbox\n"
      "set multiplot layout {},{} title {}\n",
      std::max<int64_t>(width, 7 * static_cast<int64_t>(title.size())), height, stem, rows, columns, gp_string(title));
}

std::string finish(const std::filesystem::path& dir, const std::string& stem, const std::string& script,
                   const std::string& data, bool draw) {
  std::filesystem::create_directories(dir);
  write_text(dir / (stem + ".dat"), data);
  write_text(dir / (stem + ".gp"), script + "unset multiplot\n");
  if (draw && gnuplot_available() && !run_gnuplot(dir, stem))
    throw IoError(
        fmt::format("gnuplot failed on {}; see {}", (dir / (stem + ".gp")).string(), (dir / "gnuplot.log").string()));
  return stem;
}

// s as a double-quoted gnuplot string, its line breaks kept.
std::string gp_lines(const std::string& s) {
  std::string out = "\"";
  for (char c : s)
    out += c == '\n' ? std::string("\\n") : c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// The image's axes: one unit per pixel, pixel centres at integers.
std::string image_ranges(int64_t H, int64_t W) {
  return fmt::format("set size ratio -1\nset xrange [-0.5:{}.5]\nset yrange [-0.5:{}.5]\n", W - 1, H - 1);
}
}  // namespace

GreyImages grey_images(const std::vector<std::vector<float>>& raw, int64_t channels, int64_t height, int64_t width) {
  GreyImages out{height, width, {}};
  const int64_t plane = height * width;
  for (const auto& image : raw) {
    if (static_cast<int64_t>(image.size()) != channels * plane)
      throw ShapeError(fmt::format("grey_images: {} values for {}x{}x{}", image.size(), channels, height, width));
    std::vector<float> g(static_cast<size_t>(plane), 0.0f);
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t p = 0; p < plane; ++p) g[static_cast<size_t>(p)] += image[static_cast<size_t>(c * plane + p)];
    }
    for (float& v : g) v = std::clamp(v / static_cast<float>(channels), 0.0f, 1.0f);
    out.images.push_back(std::move(g));
  }
  return out;
}

std::string write_cam_figure(const std::filesystem::path& dir, const GreyImages& images, const CamOverlay& cam,
                             const std::vector<std::string>& class_names, bool draw) {
  const std::string stem = "cam";
  const auto shifts = static_cast<int64_t>(cam.upsampled.size());
  const int64_t H = cam.height, W = cam.width;
  const auto name = [&](int32_t c) {
    return c >= 0 && static_cast<size_t>(c) < class_names.size() ? class_names[static_cast<size_t>(c)]
                                                                 : std::to_string(c);
  };
  float lo = INFINITY, hi = -INFINITY;  // one scale for every shift
  for (const auto& m : cam.upsampled) {
    lo = std::min(lo, *std::min_element(m.begin(), m.end()));
    hi = std::max(hi, *std::max_element(m.begin(), m.end()));
  }
  if (!(hi > lo)) hi = lo + 1;
  std::string data;
  for (int64_t d = 0; d < shifts; ++d) {
    std::vector<double> heat;
    for (float v : cam.upsampled[static_cast<size_t>(d)]) heat.push_back((v - lo) / (hi - lo));
    data += blended_block(images.images.at(static_cast<size_t>(d)), heat, H, W);
  }
  const std::string what = cam.kind == "cam" ? fmt::format("class activation map of {}", name(cam.target))
                                             : std::string("attention map (mean over heads)");
  const std::string title = fmt::format("{} ({}x{}, bilinear to {}x{}) at each shift; predicted class", what,
                                        cam.map_height, cam.map_width, H, W);
  std::string script = header(stem, 150 * (shifts + 1), 220, 1, shifts + 1, title) + image_ranges(H, W);
  for (int64_t d = 0; d < shifts; ++d) {
    script += fmt::format("set title {}\nplot '{}.dat' index {} using 1:2:3:4:5 with rgbimage\n",
                          gp_string(fmt::format("{} px: {}", d, name(cam.predicted[static_cast<size_t>(d)]))), stem, d);
  }
  // The legend: the colour scale as a column of the map's values.
  script += fmt::format(
      "set title 'map value'\nset size noratio\nset lmargin at screen ({} + 0.2)/{}.0\n"
      "set rmargin at screen ({} + 0.35)/{}.0\nset bmargin at screen 0.12\nset tmargin at screen 0.7\n"
      "set palette rgb 33,13,10\nset cbrange [{:.6g}:{:.6g}]\nset yrange [{:.6g}:{:.6g}]\nset xrange [0:1]\n"
      "set y2range [{:.6g}:{:.6g}]\nset y2tics {:.6g},{:.6g},{:.6g} nomirror format '%.3g' font ',9'\nset border 8\n"
      "plot '+' using (0.5):({:.6g} + $0 * {:.6g}):({:.6g} + $0 * {:.6g}) with lines lw 20 lc palette\n",
      shifts, shifts + 1, shifts, shifts + 1, lo, hi, lo, hi, lo, hi, lo, (hi - lo) / 2, hi, lo, (hi - lo) / 99, lo,
      (hi - lo) / 99);
  return finish(dir, stem, script, data, draw);
}

std::string write_erf_figure(const std::filesystem::path& dir, const GreyImages& images,
                             const std::vector<ErfLayer>& layers, bool draw) {
  const std::string stem = "erf";
  const int64_t H = images.height, W = images.width;
  const auto L = static_cast<int64_t>(layers.size());
  std::string data;
  for (const ErfLayer& l : layers) {
    const double top = l.map.values.empty() ? 0.0 : *std::max_element(l.map.values.begin(), l.map.values.end());
    std::vector<double> heat;
    for (double v : l.map.values) heat.push_back(top > 0 ? v / top : 0.0);
    data += blended_block(images.images.at(0), heat, H, W);
  }
  const std::string title =
      "effective receptive field of the centre unit at 0 px (normalised to its maximum); white: theoretical field";
  std::string script = header(stem, 200 * std::max<int64_t>(L, 1), 250, 1, std::max<int64_t>(L, 1), title) +
                       image_ranges(H, W) + "set samples 2\n";
  for (int64_t k = 0; k < L; ++k) {
    const ErfLayer& l = layers[static_cast<size_t>(k)];
    // The field in image coordinates (rows flipped), clipped to the image.
    const double x0 = std::max(-0.5, l.centre_w - l.field_radius - 0.5);
    const double x1 = std::min(W - 0.5, l.centre_w + l.field_radius + 0.5);
    const double y0 = std::max(-0.5, (H - 1 - l.centre_h) - l.field_radius - 0.5);
    const double y1 = std::min(H - 0.5, (H - 1 - l.centre_h) + l.field_radius + 0.5);
    script += fmt::format(
        "set object 1 rect from {:.6g},{:.6g} to {:.6g},{:.6g} front fillstyle empty border rgb 'white' lw 1.5\n"
        "set title {}\nplot '{}.dat' index {} using 1:2:3:4:5 with rgbimage, "
        "'+' using ({:.6g}):({:.6g}) with points pt 7 ps 0.5 lc rgb 'white'\nunset object 1\n",
        x0, y0, x1, y1,
        gp_lines(fmt::format("{} (stride {})\nr50 {:g}, r90 {:g}, field {}", l.name, l.stride, l.r50, l.r90, l.field)),
        stem, k, l.centre_w, H - 1 - l.centre_h);
  }
  return finish(dir, stem, script, data, draw);
}

std::string write_spectra_figure(const std::filesystem::path& dir, const std::vector<LayerSpectra>& layers, bool draw) {
  const std::string stem = "spectra";
  const auto L = static_cast<int64_t>(layers.size());
  constexpr double kDecades = 6;  // the colour scale spans the row's top kDecades decades
  std::string data, cells;
  int64_t index = 0;
  for (const LayerSpectra& l : layers) {
    double top = 0;
    for (const PowerSpectrum* s : {&l.input, &l.output}) {
      for (double v : s->power) top = std::max(top, v);
    }
    const double log_top = top > 0 ? std::log10(top) : 0.0;
    for (const PowerSpectrum* s : {&l.input, &l.output}) {
      for (int64_t p = 0; p < s->height; ++p) {
        for (int64_t q = 0; q < s->width; ++q) {
          const double v = s->power[static_cast<size_t>(p * s->width + q)];
          data += fmt::format("{:.6g} {:.6g} {:.4f}\n", static_cast<double>(q - s->width / 2) / s->width,
                              static_cast<double>(p - s->height / 2) / s->height,
                              v > 0 ? std::max(std::log10(v), log_top - kDecades) : log_top - kDecades);
        }
      }
      data += "\n\n";
    }
    const double ny_h = 0.5 / static_cast<double>(l.stride.h), ny_w = 0.5 / static_cast<double>(l.stride.w);
    cells += fmt::format(
        "set cbrange [{:.4f}:{:.4f}]\n"
        "set object 1 rect from {:.6g},{:.6g} to {:.6g},{:.6g} front fillstyle empty border rgb 'white' lw 1.5\n"
        "set title {}\nplot '{}.dat' index {} using 1:2:3 with image\nunset object 1\n"
        "set title {}\nplot '{}.dat' index {} using 1:2:3 with image\n",
        log_top - kDecades, log_top, -ny_w, -ny_h, ny_w, ny_h,
        gp_string(fmt::format("{} input {}x{}: aliased share {:.3f}", l.name, l.input.height, l.input.width,
                              l.aliased_share)),
        stem, index, gp_string(fmt::format("{} output {}x{}", l.name, l.output.height, l.output.width)), stem,
        index + 1);
    index += 2;
  }
  const std::string title =
      "log10 power spectrum (mean over channels), cycles/pixel; white box: the stride's Nyquist band";
  std::string script = header(stem, 2 * 300, 260 * std::max<int64_t>(L, 1) + 40, std::max<int64_t>(L, 1), 2, title) +
                       "set size ratio -1\nset xrange [-0.5:0.5]\nset yrange [-0.5:0.5]\nset border\n"
                       "set tics out nomirror font ',8'\nset xtics 0.25\nset ytics 0.25\nset colorbox\n"
                       "set cbtics font ',8'\nset palette rgb 33,13,10\n";
  return finish(dir, stem, script + cells, data, draw);
}

}  // namespace poolnet::report
