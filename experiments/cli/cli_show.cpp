// poolnet show: pictures of what each layer does when one test image moves (docs/metrics.md,
// "Layer panels"): the image at each shift, and the output of the first spatial layer and of
// every downsampling layer, with the layer's equivariance error at each shift; on request the
// CAM / attention overlay at each shift, the effective receptive fields and the layer spectra
// (experiments/eval/show_overlays.h).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <memory>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "experiments/eval/evaluation.h"
#include "experiments/eval/shift_panels.h"
#include "experiments/eval/show_overlays.h"
#include "experiments/study/overlay_figures.h"
#include "experiments/study/panel_figures.h"
#include "experiments/train/checkpoint.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"

namespace poolnet::cli {

namespace {
std::string class_name(const std::vector<std::string>& names, int32_t c) {
  return c >= 0 && static_cast<size_t>(c) < names.size() ? names[static_cast<size_t>(c)] : std::to_string(c);
}

void print_cam(const CamOverlay& cam, const std::vector<std::string>& names) {
  fmt::print("\n{} of class {} ({}), predicted at 0 px; map {}x{}, stride {}\n",
             cam.kind == "cam" ? "class activation map" : "attention map (mean over heads)", cam.target,
             class_name(names, cam.target), cam.map_height, cam.map_width, cam.stride);
  fmt::print("{:<6} {:<18} {:>10} {:>14} {:>10}\n", "shift", "predicted", "peak cell", "peak pixel", "peak");
  const double S = static_cast<double>(cam.stride);
  for (size_t d = 0; d < cam.maps.size(); ++d) {
    const Size2d p = cam.peak[d];
    const float top = cam.maps[d][static_cast<size_t>(p.h * cam.map_width + p.w)];
    fmt::print("{:<6} {:<18} {:>10} {:>14} {:>10.4f}\n", d, class_name(names, cam.predicted[d]),
               fmt::format("{},{}", p.h, p.w),
               fmt::format("{:g},{:g}", static_cast<double>(p.h) * S + S / 2, static_cast<double>(p.w) * S + S / 2),
               top);
  }
}

void print_erf(const std::vector<ErfLayer>& layers) {
  fmt::print("\neffective receptive field at 0 px (radii in pixels, Chebyshev, around the centre unit)\n");
  fmt::print("{:<16} {:>6} {:>6} {:>12} {:>6} {:>6}\n", "layer", "stride", "field", "field radius", "r50", "r90");
  for (const ErfLayer& l : layers)
    fmt::print("{:<16} {:>6} {:>6} {:>12g} {:>6g} {:>6g}\n", l.name, l.stride, l.field, l.field_radius, l.r50, l.r90);
}

void print_spectra(const std::vector<LayerSpectra>& layers) {
  fmt::print("\nspectra at 0 px: share of the input's spectral energy above the stride's Nyquist frequency\n");
  fmt::print("{:<16} {:>6} {:>8} {:>8} {:>14}\n", "layer", "stride", "input", "output", "aliased share");
  for (const LayerSpectra& l : layers) {
    fmt::print("{:<16} {:>6} {:>8} {:>8} {:>14.4f}\n", l.name, fmt::format("{}x{}", l.stride.h, l.stride.w),
               fmt::format("{}x{}", l.input.height, l.input.width),
               fmt::format("{}x{}", l.output.height, l.output.width), l.aliased_share);
  }
}
}  // namespace

void add_show_command(CLI::App& app) {
  struct Options {
    std::string checkpoint, out = "show", shift_mode = "circular";
    int64_t image = 0, shifts = 4, channels = 4;
    std::vector<std::string> overlays;
    bool spectra = false;
    TrainConfig config;
    CommonOptions common;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "show",
      "pictures of each downsampling layer's output for one test image moved by 0..K pixels, with "
      "the layer's equivariance error; with --overlay cam,erf and --spectra, where the model looks, its effective "
      "receptive fields and its layers' spectra (a saved model, or a new one from --model, --downsample, ...)");
  add_config_option(*sub);
  sub->add_option("--checkpoint", o->checkpoint, "a model.safetensors written by poolnet train (else a new model)")
      ->check(CLI::ExistingFile);
  add_train_options(*sub, o->config);
  sub->add_option("--image", o->image, "index of the test image")->capture_default_str()->check(CLI::NonNegativeNumber);
  sub->add_option("--shifts", o->shifts, "K: the image moves right by 0..K pixels")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{64}));
  sub->add_option("--shift-mode", o->shift_mode, "circular | zeros")
      ->capture_default_str()
      ->check(CLI::IsMember({"circular", "zeros"}));
  sub->add_option("--channels", o->channels, "channels shown per layer (the first ones)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{64}));
  sub->add_option("--overlay", o->overlays,
                  "cam: the class activation (or head attention) map at each shift; erf: the effective receptive "
                  "fields at 0 px with the theoretical ones; a comma list, or none")
      ->delimiter(',')
      ->check(CLI::IsMember({"cam", "erf", "none"}));
  sub->add_flag("--spectra", o->spectra,
                "each downsampling layer's input and output power spectrum at 0 px, with its aliased share");
  sub->add_option("--out", o->out, "folder for the pictures (SVG, with their gnuplot scripts and data)")
      ->capture_default_str();
  add_common_options(*sub, o->common);
  sub->callback([o] {
    apply(o->common);
    TrainConfig config = o->config;
    std::shared_ptr<Model> model;
    if (!o->checkpoint.empty()) {
      TrainConfig saved;
      model = load_model(o->checkpoint, &saved);
      saved.data_dir = config.data_dir.empty() ? saved.data_dir : config.data_dir;
      config = saved;
    }
    const data::Dataset test = open_test_set(config);
    if (!model) model = build_model(config.model_spec(test.image_shape(), test.num_classes()), config.seed);
    if (test.image_shape() != model->spec().input) {
      throw ConfigError(fmt::format("--dataset: {} images are {} but the model expects {}", config.dataset,
                                    shape_str(test.image_shape()), shape_str(model->spec().input)));
    }
    if (o->image >= test.size()) {
      throw ConfigError(fmt::format("--image: {} is past the last of the {} test images", o->image, test.size()));
    }
    if (o->shifts >= std::min(test.height(), test.width())) {
      throw ConfigError(fmt::format("--shifts: {} does not fit {}x{} images", o->shifts, test.height(), test.width()));
    }
    const auto wants = [&](const std::string& name) {
      return std::find(o->overlays.begin(), o->overlays.end(), name) != o->overlays.end();
    };
    if (wants("cam")) {
      const std::string why = cam_unavailable(*model);
      if (!why.empty())
        throw ConfigError(fmt::format("--overlay cam: {} has no map to draw: {}", canonical_name(model->spec()), why));
    }
    const std::vector<int64_t> index{o->image};
    const ShiftPanels panels = shift_panels(trace_fn(*model, test.info()), test.images(index, false), o->shifts,
                                            parse_shift_mode(o->shift_mode), o->channels);
    const auto figures = report::write_panel_figures(o->out, panels, "show", test.info().class_names, /*draw=*/true);
    fmt::print("{} on test image {} of {} (label {}), moved right by 0..{} px ({})\n", canonical_name(model->spec()),
               o->image, config.dataset, test.label(o->image), o->shifts, o->shift_mode);
    fmt::print("{:<16} {:<18} {:>6}  equivariance error by shift\n", "layer", "type", "stride");
    for (const auto& l : panels.layers) {
      std::string errors;
      for (double e : l.error) errors += fmt::format(" {:.4f}", e);
      fmt::print("{:<16} {:<18} {:>6} {}\n", l.layer, l.type, l.stride, errors);
    }
    std::vector<std::string> stems;
    for (const auto& f : figures) stems.push_back(f.stem);
    if (wants("cam") || wants("erf") || o->spectra) {
      std::vector<Tensor> shifted;
      const Tensor raw = test.images(index, false);
      for (int64_t d = 0; d <= o->shifts; ++d)
        shifted.push_back(shift_images(raw, 0, d, parse_shift_mode(o->shift_mode), o->shifts));
      const Tensor inputs = normalise(concat(shifted, 0), test.info());
      const Tensor unmoved = narrow(inputs, 0, 0, 1);
      const report::GreyImages grey = report::grey_images(panels.input, panels.channels, panels.height, panels.width);
      const auto& names = test.info().class_names;
      if (wants("cam")) {
        const CamOverlay cam = cam_overlay(*model, inputs);
        print_cam(cam, names);
        stems.push_back(report::write_cam_figure(o->out, grey, cam, names, /*draw=*/true));
      }
      if (wants("erf")) {
        const std::vector<ErfLayer> layers = erf_overlay_layers(*model, unmoved);
        print_erf(layers);
        stems.push_back(report::write_erf_figure(o->out, grey, layers, /*draw=*/true));
      }
      if (o->spectra) {
        const std::vector<LayerSpectra> layers = layer_spectra(*model, unmoved);
        print_spectra(layers);
        stems.push_back(report::write_spectra_figure(o->out, layers, /*draw=*/true));
      }
    }
    for (const auto& stem : stems) fmt::print("wrote {}\n", (std::filesystem::path(o->out) / (stem + ".svg")).string());
  });
}

}  // namespace poolnet::cli
