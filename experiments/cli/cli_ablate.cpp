// poolnet ablate: the shift-robustness study over strategies x seeds.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <memory>
#include <spdlog/spdlog.h>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/workers.h"
#include "experiments/study/ablation.h"
#include "experiments/train/interrupt.h"
#include "experiments/train/progress.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"
#include "framework/parallel.h"
#include "layers/downsample.h"

namespace poolnet::cli {

namespace {
std::string default_strategies() { return fmt::format("{}", fmt::join(default_study_strategies(), ",")); }

// "i/N" with 0 <= i < N.
std::pair<int64_t, int64_t> parse_slice(const std::string& option, const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      const int64_t i = std::stoll(text.substr(0, slash)), n = std::stoll(text.substr(slash + 1));
      if (n >= 1 && i >= 0 && i < n) return {i, n};
    }
  } catch (const std::logic_error&) {
  }
  throw ConfigError(fmt::format("{}: expected i/N with 0 <= i < N (e.g. 0/4), got '{}'", option, text));
}

// The runs of this invocation trained by `jobs` worker processes (experiments/cli/workers.h),
// then the report written from the study folder.
StudyOutcome run_in_workers(StudyConfig study, const std::string& out, int64_t jobs, int64_t all_threads) {
  const int64_t threads = std::max<int64_t>(1, all_threads / jobs);
  std::vector<std::vector<std::string>> workers;
  for (int64_t i = 0; i < jobs; ++i) {
    auto args = command_args();
    args.insert(args.end(), {"--jobs", "1", "--threads", std::to_string(threads), "--worker", fmt::format("{}/{}", i, jobs)});
    workers.push_back(std::move(args));
  }
  spdlog::info("training in {} processes of {} thread{} each", jobs, threads, threads == 1 ? "" : "s");
  const std::vector<WorkerExit> failed = run_workers(workers, static_cast<int>(all_threads));
  if (interrupt_requested()) {
    throw Interrupted("interrupted: each worker checkpointed its run; re-run the same ablate command to resume (finished "
                      "runs are kept)");
  }
  study.report_only = true;
  const StudyOutcome outcome = run_study(study, out);
  if (!failed.empty()) {
    throw std::runtime_error(fmt::format("worker process {} of {} exited with status {} (its message is above); "
                                         "{} of {} runs complete, report: {}",
                                         failed.front().index, jobs, failed.front().status, outcome.complete,
                                         outcome.planned, outcome.report.string()));
  }
  return outcome;
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
    int64_t claim_timeout = 86400, jobs = 1;
    std::string worker;
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
  sub->add_flag("--quick", o->quick, "at most 3 epochs on 3000 training and 500 test images, 2 seeds, a 200-image shift grid and 200 suite images: for demos and CI");
  sub->add_option("--shard", o->shard, "run only slice i of N of the grid (i/N), e.g. for a Slurm job array")->capture_default_str();
  sub->add_flag("--report-only", o->report_only, "train nothing; rebuild the report from the complete runs");
  sub->add_flag("--rerun-mismatched", o->rerun_mismatched,
                "train again the runs recorded under another configuration (their old results move to OUT/mismatched/)");
  sub->add_option("--claim-timeout", o->claim_timeout,
                  "seconds after which a claim by a process on another host is taken over")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  sub->add_option("--jobs", o->jobs,
                  "runs trained at once, each in a process of its own with --threads / N threads (0: one per core); "
                  "results do not depend on it")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  sub->add_option("--worker", o->worker)->group("");  // i/N: set by --jobs for the processes it starts
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
      o->shift.suite_samples = std::min<int64_t>(o->shift.suite_samples > 0 ? o->shift.suite_samples : 200, 200);
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
    check_corruption_dir(study.shift, probe.info());
    if (std::find(study.shift.suites.begin(), study.shift.suites.end(), "translation") == study.shift.suites.end()) {
      throw ConfigError(
          fmt::format("--suites: a study needs 'translation' (its report and comparisons are built on "
                      "it), got '{}'",
                      fmt::join(study.shift.suites, ",")));
    }
    std::tie(study.shard_index, study.shard_count) = parse_slice("--shard", o->shard);
    study.report_only = o->report_only;
    study.rerun_mismatched = o->rerun_mismatched;
    study.claim_timeout = o->claim_timeout;
    study.quiet = o->common.quiet;
    study.command = command_line();
    if (!o->worker.empty()) {
      const auto [index, count] = parse_slice("--worker", o->worker);
      study.worker = true;
      accept_thread_counts();
      Progress::use_log_lines();
      spdlog::set_pattern(fmt::format("[%H:%M:%S] [job {}/{}] %v", index + 1, count));
      run_study(study, o->out);
      return;
    }
    const int64_t threads = parallel::num_threads();
    const int64_t runs = static_cast<int64_t>(shard(plan_runs(study), study.shard_index, study.shard_count).size());
    const int64_t jobs = std::min(o->jobs == 0 ? threads : o->jobs, runs);
    const bool in_workers = jobs > 1 && !study.report_only;
    const StudyOutcome outcome = in_workers ? run_in_workers(study, o->out, jobs, threads) : run_study(study, o->out);
    for (const auto& line : outcome.busy) fmt::print("{}\n", line);
    const std::string trained = in_workers ? fmt::format("trained by {} processes", jobs)
                                           : fmt::format("{} trained now", outcome.trained_now);
    fmt::print("{} of {} runs complete ({}, {} failed); report: {}\n", outcome.complete, outcome.planned, trained,
               outcome.failed, outcome.report.string());
    if (outcome.failed > 0) throw std::runtime_error(fmt::format("{} run(s) failed; see the report", outcome.failed));
  });
}

}  // namespace poolnet::cli
