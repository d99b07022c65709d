// poolnet show: pictures of what each layer does when one test image moves (docs/metrics.md,
// "Layer panels"): the image at each shift, and the output of the first spatial layer and of
// every downsampling layer, with the layer's equivariance error at each shift.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "experiments/eval/evaluation.h"
#include "experiments/eval/shift_panels.h"
#include "experiments/study/panel_figures.h"
#include "experiments/train/checkpoint.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"

namespace poolnet::cli {

void add_show_command(CLI::App& app) {
  struct Options {
    std::string checkpoint, out = "show", shift_mode = "circular";
    int64_t image = 0, shifts = 4, channels = 4;
    TrainConfig config;
    CommonOptions common;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "show",
      "pictures of each downsampling layer's output for one test image moved by 0..K pixels, with "
      "the layer's equivariance error (a saved model, or a new one from --model, --downsample, ...)");
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
    for (const auto& f : figures)
      fmt::print("wrote {}\n", (std::filesystem::path(o->out) / (f.stem + ".svg")).string());
  });
}

}  // namespace poolnet::cli
