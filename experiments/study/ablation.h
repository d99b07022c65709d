// The ablation runner: trains the same model with every strategy x grid point x seed into
// STUDY/runs/<run id>/, evaluates each run's shift robustness,
// and writes the study report (experiments/study/report.h) from every complete run.
//
// A run is complete when its folder holds complete.json, written last, after model.safetensors,
// metrics.json, train_log.csv and eval.json. Re-running the same command skips complete runs
// and resumes unfinished ones from their checkpoint (fingerprint.h: the configuration each run
// records; claim.h: how concurrent processes share the folder); a run that fails is recorded in
// failed.json with its error, reported, and never counted in the aggregates (the next
// invocation tries it again). Shard i/N runs only the runs whose index modulo N is i, so N
// machines can share one study folder; --report-only rebuilds the report from what is there.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "experiments/eval/run_result.h"
#include "experiments/eval/shift_eval.h"
#include "experiments/train/train_config.h"

namespace poolnet {

// One point of the study's grid over training options: the options it sets, in the order of
// the grid's axes, and the training configuration they make.
struct GridPoint {
  GridValues values;  // (option, value); empty without a grid
  TrainConfig config;
};

struct StudyConfig {
  TrainConfig base;                     // the configuration outside the grid
  std::vector<std::string> strategies;  // canonical specs
  std::vector<GridPoint> grid;          // empty: the base alone
  std::string baseline;                 // the strategy the report compares the others with (default: the first)
  int64_t seeds = 3;                    // seeds base.seed .. base.seed + seeds - 1
  std::vector<ShiftMode> shift_modes;
  ShiftEvalOptions shift;
  int64_t shard_index = 0, shard_count = 1;
  bool report_only = false;
  bool rerun_mismatched = false;        // retrain runs recorded under another configuration
  int64_t claim_timeout = 86400;        // seconds after which another host's claim is stale
  bool quiet = false;
  bool worker = false;                  // one of the processes of `ablate --jobs`: trains, writes no report
  std::string command;                  // for the report
};

struct PlannedRun {
  std::string id;        // folder name under runs/: strategy, then "-option_value" per grid axis, "-seedN"
  std::string label;     // the variant in reports: the strategy, then " option=value" per grid axis
  std::string strategy;  // canonical spec
  GridValues grid;
  TrainConfig config;
};

// The study's runs in a fixed order: strategy-major, then grid point, then seed.
std::vector<PlannedRun> plan_runs(const StudyConfig& study);
// The runs of shard i of n: every run whose position in the grid is i modulo n.
std::vector<PlannedRun> shard(const std::vector<PlannedRun>& runs, int64_t index, int64_t count);

struct StudyOutcome {
  int64_t planned = 0, complete = 0, failed = 0, trained_now = 0, reevaluated = 0;
  std::vector<std::string> busy;  // "RUN: being trained by HOST:PID", runs another process holds
  std::filesystem::path report;
};

// Trains and evaluates this process's runs, then writes the report (a worker only trains and
// returns the counts of what it did: complete and failed stay 0).
StudyOutcome run_study(const StudyConfig& study, const std::filesystem::path& dir);

// "max_blur_pool:filter=3" -> "max_blur_pool_filter=3": a folder-name-safe strategy.
std::string folder_name(const std::string& strategy);

}  // namespace poolnet
