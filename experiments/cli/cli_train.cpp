// poolnet train: one training run into --out.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <memory>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "experiments/train/interrupt.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"
#include "framework/text.h"

namespace poolnet::cli {

void add_train_command(CLI::App& app) {
  struct Options {
    TrainConfig config;
    CommonOptions common;
    std::string out;
   
    bool resume = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("train", "train one model; writes model.safetensors, metrics.json, train_log.csv");
  add_config_option(*sub);
  add_train_options(*sub, o->config);
  add_common_options(*sub, o->common);
  sub->add_option("--out", o->out, "output folder")->required();
  sub->add_flag("--resume", o->resume, "continue from --out/checkpoint.safetensors if it exists");
  sub->callback([o] {
    apply(o->common);
    install_interrupt_handlers();
    const TrainResult r = train_run(o->config, o->out, TrainOptions{.resume = o->resume, .quiet = o->common.quiet, .label = {}});
    const auto& last = r.history.last();
    fmt::print("{}: test accuracy {:.4f} after {} ({:.1f} s of training); wrote {}/model.safetensors\n",
               canonical_name(r.model->spec()), last.test_acc, count_of(last.epoch, "epoch"), r.seconds, o->out);
  });
}

}  // namespace poolnet::cli
