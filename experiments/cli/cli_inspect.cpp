// poolnet inspect: the layer table of a model (shapes, parameters, MACs, receptive fields).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "experiments/train/train_config.h"
#include "framework/errors.h"
#include "models/summary.h"
#include "models/torch_export.h"

namespace poolnet::cli {

namespace {
Shape parse_input(const std::string& text) {
  Shape s;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    try {
      size_t used = 0;
      const std::string piece = text.substr(start, comma - start);
      s.push_back(std::stoll(piece, &used));
      if (used != piece.size()) throw std::invalid_argument(piece);
    } catch (const std::logic_error&) {
      throw ConfigError(fmt::format("--input: expected C,H,W (e.g. 1,28,28), got '{}'", text));
    }
    start = comma + 1;
  }
  if (s.size() != 3) throw ConfigError(fmt::format("--input: expected C,H,W (e.g. 1,28,28), got '{}'", text));
  return s;
}
}  // namespace

void add_inspect_command(CLI::App& app) {
  struct Options {
    TrainConfig config;
    std::string input = "1,28,28", format = "table";
    int64_t classes = 10;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("inspect", "per-layer shapes, parameters, MACs, receptive field and stride");
  add_config_option(*sub);
  sub->add_option("--model", o->config.model, "lenet | vgg | allconv | resnet")->capture_default_str();
  sub->add_option("--downsample", o->config.downsample, "downsampling strategy spec")->capture_default_str();
  sub->add_option("--head", o->config.head, head_help())->capture_default_str();
  sub->add_option("--padding-mode", o->config.padding_mode, "zeros | circular")->capture_default_str();
  sub->add_option("--width", o->config.width, "channel width multiplier")->capture_default_str();
  sub->add_flag("--batch-norm", o->config.batch_norm, "batch norm after every convolution");
  sub->add_option("--depth", o->config.depth, "resnet depth (6n+2)")->capture_default_str();
  sub->add_flag("--input-downsample", o->config.input_downsample,
                "one more layer of the downsampling strategy on the input (lenet, vgg, allconv)");
  sub->add_option("--input", o->input, "input shape C,H,W")->capture_default_str();
  sub->add_option("--classes", o->classes, "number of classes")->capture_default_str();
  sub->add_flag("--json", o->json, "print JSON instead of a table");
  sub->add_option("--format", o->format, "table | json | torch (PyTorch source defining build())")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "torch"}));
  sub->callback([o] {
    const ModelSpec spec = o->config.model_spec(parse_input(o->input), o->classes);
    auto model = build_model(spec, 0);
    if (o->format == "torch") {
      if (o->json) throw ConfigError("inspect: --json and --format torch exclude each other");
      fmt::print("{}", torch_source(*model));
      return;
    }
    const ModelSummary summary = summarize(*model);
    fmt::print("{}", o->json || o->format == "json" ? summary_json(summary) : summary_table(summary));
  });
}

}  // namespace poolnet::cli
