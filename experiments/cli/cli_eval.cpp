// poolnet eval: the shift metrics of a saved model.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "experiments/eval/evaluation.h"
#include "experiments/study/report.h"
#include "experiments/train/checkpoint.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"
#include "framework/io/atomic_file.h"

namespace poolnet::cli {

void add_eval_command(CLI::App& app) {
  struct Options {
    std::string checkpoint, dataset, data_dir, json;
    int64_t test_samples = 0;
    ShiftOptions shift;
    CommonOptions common;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "eval", "shift-robustness metrics and the other evaluation suites of a saved model on its test set");
  add_config_option(*sub);
  sub->add_option("--checkpoint", o->checkpoint, "a model.safetensors written by poolnet train")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--dataset", o->dataset, "data set (default: the one the model was trained on)");
  sub->add_option("--data-dir", o->data_dir, "folder holding the data set");
  sub->add_option("--test-samples", o->test_samples, "use only the first N test images (0: all)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--json", o->json, "where to write the metrics (default: eval.json beside the checkpoint)");
  add_shift_options(*sub, o->shift);
  add_common_options(*sub, o->common);
  sub->callback([o] {
    apply(o->common);
    TrainConfig config;
    auto model = load_model(o->checkpoint, &config);
    if (!o->dataset.empty()) config.dataset = o->dataset;
    if (!o->data_dir.empty()) config.data_dir = o->data_dir;
    config.test_samples = o->test_samples;
    const data::Dataset test = open_test_set(config);
    if (test.image_shape() != model->spec().input) {
      throw ConfigError(fmt::format("--dataset: {} images are {} but the model expects {}", config.dataset,
                                    shape_str(test.image_shape()), shape_str(model->spec().input)));
    }
    const auto options = shift_eval_options(o->shift, test.height(), test.width(), config.seed);
    check_corruption_dir(options, test.info());
    RunResult result = evaluate_model(*model, test, parse_shift_modes(o->shift.shift_modes), options);
    result.model = canonical_name(model->spec());
    result.strategy = to_string(model->spec().downsample);
    result.seed = config.seed;
    result.dataset = config.dataset;
    result.epochs = config.epochs;
    const std::string json_path =
        o->json.empty() ? (std::filesystem::path(o->checkpoint).parent_path() / "eval.json").string() : o->json;
    write_file_atomically(json_path, to_json(result));
    const std::filesystem::path dir = std::filesystem::path(json_path).parent_path();
    write_suite_files(dir, result);
    std::string pictures;
    for (const auto& svg : write_map_pictures(dir, result)) pictures += fmt::format("wrote {}\n", svg.string());
    fmt::print("{} on {} ({} test images, K = {})\n{}wrote {}\n{}", result.model, config.dataset, test.size(),
               options.max_shift, metrics_table(result), json_path, pictures);
  });
}

}  // namespace poolnet::cli
