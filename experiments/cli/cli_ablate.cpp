// poolnet ablate: the shift-robustness study over strategies x seeds.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <memory>
#include <spdlog/spdlog.h>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "experiments/study/ablation.h"
#include "experiments/train/interrupt.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"
#include "layers/downsample.h"

namespace poolnet::cli {

namespace {
std::string default_strategies() { return fmt::format("{}", fmt::join(default_study_strategies(), ",")); }

std::pair<int64_t, int64_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      const int64_t i = std::stoll(text.substr(0, slash)), n = std::stoll(text.substr(slash + 1));
      if (n >= 1 && i >= 0 && i < n) return {i, n};
    }
  } catch (const std::logic_error&) {
  }
  throw ConfigError(fmt::format("--shard: expected i/N with 0 <= i < N (e.g. 0/4), got '{}'", text));
}

}  // namespace

void add_ablate_command(CLI::App& app) {
  struct Options {
    TrainConfig config;
    CommonOptions common;
    ShiftOptions shift;
    std::string strategies, out, shard = "0/1", baseline;
    std::vector<std::string> grid;
    int64_t seeds = 3;
    bool quick = false, report_only = false, fallback_to_shapes = false, rerun_mismatched = false;
    int64_t claim_timeout = 86400;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("ablate", "train strategies x seeds and report their shift robustness");
  add_config_option(*sub);
  sub->add_option("--strategies", o->strategies, fmt::format("comma list of strategies (default: {})", default_strategies()));
  sub->add_option("--seeds", o->seeds, "seeds per strategy: --seed, --seed + 1, ...")->capture_default_str()->check(CLI::Range(1, 1000000));
  add_train_options(*sub, o->config);
  sub->add_option("--grid", o->grid,
                  "KEY=V1,V2,...: also vary a training option (repeatable; a [grid] table in --config); runs = "
                  "strategies x the grid's points x seeds")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sub->add_option("--baseline", o->baseline, "the strategy the report compares the others with (default: the first)");
  add_shift_options(*sub, o->shift);
  add_common_options(*sub, o->common);
  sub->add_option("--out", o->out, "study folder")->required();
  sub->add_flag("--quick", o->quick, "at most 3 epochs on 3000 training and 500 test images, 2 seeds, a 200-image shift grid: for demos and CI");
  sub->add_option("--shard", o->shard, "run only slice i of N of the grid (i/N), e.g. for a Slurm job array")->capture_default_str();
  sub->add_flag("--report-only", o->report_only, "train nothing; rebuild the report from the complete runs");
  sub->add_flag("--rerun-mismatched", o->rerun_mismatched,
                "train again the runs recorded under another configuration (their old results move to OUT/mismatched/)");
  sub->add_option("--claim-timeout", o->claim_timeout,
                  "seconds after which a claim by a process on another host is taken over")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  sub->add_flag("--fallback-to-shapes", o->fallback_to_shapes, "use the built-in shapes data when --dataset is not installed");
  sub->callback([o] {
    apply(o->common);
    install_interrupt_handlers();
    StudyConfig study;
    study.base = o->config;
    if (o->quick) {
      study.base.epochs = std::min<int64_t>(study.base.epochs, 3);
      study.base.train_samples = study.base.train_samples > 0 ? study.base.train_samples : 3000;
      study.base.test_samples = study.base.test_samples > 0 ? study.base.test_samples : 500;
      o->shift.grid_samples = std::min<int64_t>(o->shift.grid_samples > 0 ? o->shift.grid_samples : 200, 200);
      o->seeds = std::min<int64_t>(o->seeds, 2);
    }
    if (o->fallback_to_shapes && study.base.dataset != "shapes") {
      try {
        open_test_set(study.base);
      } catch (const DataError& e) {
        spdlog::warn("{}\nfalling back to the built-in 'shapes' data set", e.what());
        study.base.dataset = "shapes";
        study.base.data_dir.clear();
      }
    }
    for (const auto& s : split_strategy_list(o->strategies.empty() ? default_strategies() : o->strategies)) {
      try {
        study.strategies.push_back(to_string(parse_downsample(s)));
      } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("--strategies: {}", e.what()));
      }
    }
    // --head and --padding-mode given as lists are grid axes too.
    std::vector<std::string> axes;
    for (const auto& [key, value] : {std::pair{"head", &study.base.head}, std::pair{"padding-mode", &study.base.padding_mode}}) {
      if (value->find(',') == std::string::npos) continue;
      axes.push_back(fmt::format("{}={}", key, *value));
      *value = split_strategy_list(*value).front();
    }
    axes.insert(axes.end(), o->grid.begin(), o->grid.end());
    validate(study.base);
    study.grid = grid_points(study.base, axes);
    if (!o->baseline.empty()) {
      try {
        study.baseline = to_string(parse_downsample(o->baseline));
      } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("--baseline: {}", e.what()));
      }
      if (std::find(study.strategies.begin(), study.strategies.end(), study.baseline) == study.strategies.end()) {
        throw ConfigError(fmt::format("--baseline: '{}' is not one of the study's strategies ({})", study.baseline,
                                      fmt::join(study.strategies, ", ")));
      }
    }
    study.seeds = o->seeds;
    study.shift_modes = parse_shift_modes(o->shift.shift_modes);
    const data::Dataset probe = open_test_set(study.base);
    study.shift = shift_eval_options(o->shift, probe.height(), probe.width(), study.base.seed);
    std::tie(study.shard_index, study.shard_count) = parse_shard(o->shard);
    study.report_only = o->report_only;
    study.rerun_mismatched = o->rerun_mismatched;
    study.claim_timeout = o->claim_timeout;
    study.quiet = o->common.quiet;
    study.command = command_line();
    const StudyOutcome outcome = run_study(study, o->out);
    for (const auto& line : outcome.busy) fmt::print("{}\n", line);
    fmt::print("{} of {} runs complete ({} trained now, {} failed); report: {}\n", outcome.complete, outcome.planned,
               outcome.trained_now, outcome.failed, outcome.report.string());
    if (outcome.failed > 0) throw std::runtime_error(fmt::format("{} run(s) failed; see the report", outcome.failed));
  });
}

}  // namespace poolnet::cli
