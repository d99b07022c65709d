// poolnet predict: logits of a saved model for inputs stored in a safetensors file (the model's
// inputs as they are: normalised images [N, C, H, W] under the name "input").
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <memory>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "experiments/train/checkpoint.h"
#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/io/safetensors.h"

namespace poolnet::cli {

void add_predict_command(CLI::App& app) {
  struct Options {
    std::string checkpoint, input, out;
    CommonOptions common;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("predict", "logits of a saved model for inputs in a safetensors file");
  add_config_option(*sub);
  sub->add_option("--checkpoint", o->checkpoint, "a model.safetensors written by poolnet train")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--input", o->input, "safetensors file with a tensor 'input' [N, C, H, W]")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--out", o->out, "safetensors file to write the tensor 'logits' [N, classes] to")->required();
  add_common_options(*sub, o->common);
  sub->callback([o] {
    apply(o->common);
    auto model = load_model(o->checkpoint);
    const SafetensorsFile file = load_safetensors(o->input);
    const auto it = std::find_if(file.tensors.begin(), file.tensors.end(), [](const auto& t) { return t.first == "input"; });
    if (it == file.tensors.end()) throw ConfigError(fmt::format("--input: {} has no tensor named 'input'", o->input));
    NoGradGuard no_grad;
    model->eval();
    const Tensor logits = model->forward(it->second);
    save_safetensors(o->out, {{"logits", logits}}, {{"poolnet.model.name", canonical_name(model->spec())}});
    fmt::print("wrote logits {} to {}\n", shape_str(logits.shape()), o->out);
  });
}

}  // namespace poolnet::cli
