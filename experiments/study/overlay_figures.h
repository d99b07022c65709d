// Figures of `poolnet show`'s overlays and spectra (experiments/eval/show_overlays.h;
// docs/metrics.md, "Layer panels"), written as gnuplot scripts beside their data and drawn to SVG
// like the layer panels (panel_figures.h):
//   cam.svg      the image at each shift under its CAM / attention map (colour over the grey image,
//                more opaque where the map is higher), one colour scale for all shifts, its legend
//                in the last column;
//   erf.svg      the unshifted image under each layer's effective receptive field (normalised to
//                its maximum), the theoretical field as a white square, the centre unit as a dot;
//   spectra.svg  a row per downsampling layer: log10 of its input's and output's centred power
//                spectrum (cycles per pixel), the stride's Nyquist box on the input.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "experiments/eval/show_overlays.h"

namespace poolnet::report {

// Grey images [shift][h * width + w] in [0, 1] (the mean over channels of raw images).
struct GreyImages {
  int64_t height = 0, width = 0;
  std::vector<std::vector<float>> images;
};
// Raw images [shift][C * H * W] (ShiftPanels::input) -> their grey version.
GreyImages grey_images(const std::vector<std::vector<float>>& raw, int64_t channels, int64_t height, int64_t width);

// Each writes <stem>.gp and <stem>.dat into dir and draws <stem>.svg when `draw` and gnuplot is
// available (IoError if gnuplot fails). Returns the stem.
std::string write_cam_figure(const std::filesystem::path& dir, const GreyImages& images, const CamOverlay& cam,
                             const std::vector<std::string>& class_names, bool draw);
std::string write_erf_figure(const std::filesystem::path& dir, const GreyImages& images,
                             const std::vector<ErfLayer>& layers, bool draw);
std::string write_spectra_figure(const std::filesystem::path& dir, const std::vector<LayerSpectra>& layers, bool draw);

}  // namespace poolnet::report
