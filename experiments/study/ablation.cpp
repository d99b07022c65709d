#include "experiments/study/ablation.h"

#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sstream>

#include "experiments/eval/evaluation.h"
#include "experiments/study/report.h"
#include "experiments/train/interrupt.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"
#include "framework/io/atomic_file.h"

namespace poolnet {

namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot read", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_complete(const fs::path& run_dir) { return fs::exists(run_dir / "complete.json"); }

// The strip's test images (raw pixels) for the report, written once per study.
void write_strip_images(const fs::path& dir, const TrainConfig& config) {
  const fs::path path = dir / "strip_images.json";
  if (fs::exists(path)) return;
  TrainConfig c = config;
  c.test_samples = kStripImages;
  const data::Dataset test = open_test_set(c);
  json pixels = json::array();
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < test.size(); ++i) {
    indices.push_back(i);
    const Tensor x = test.images(std::vector<int64_t>{i}, false);
    pixels.push_back(x.to_vector());
  }
  const json doc = {{"channels", test.channels()}, {"height", test.height()}, {"width", test.width()},
                    {"indices", indices},          {"pixels", pixels},        {"class_names", test.info().class_names}};
  write_file_atomically(path.string(), doc.dump());
}

StripImages read_strip_images(const fs::path& dir) {
  StripImages s;
  const fs::path path = dir / "strip_images.json";
  if (!fs::exists(path)) return s;
  try {
    const json j = json::parse(read_text(path));
    s.channels = j.at("channels").get<int64_t>();
    s.height = j.at("height").get<int64_t>();
    s.width = j.at("width").get<int64_t>();
    s.indices = j.at("indices").get<std::vector<int64_t>>();
    s.pixels = j.at("pixels").get<std::vector<std::vector<float>>>();
    s.class_names = j.at("class_names").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    spdlog::warn("{}: unreadable ({}); the report shows no image strip", path.string(), e.what());
    return {};
  }
  return s;
}

// Trains and evaluates one run; its files appear in run_dir, complete.json last.
RunResult execute(const PlannedRun& run, const StudyConfig& study, const fs::path& run_dir) {
  fs::remove(run_dir / "failed.json");
  const TrainResult trained =
      train_run(run.config, run_dir, TrainOptions{.resume = true, .quiet = study.quiet, .label = run.id});
  RunResult result = evaluate_model(*trained.model, trained.test, study.shift_modes, study.shift);
  result.strategy = run.label;
  result.seed = run.config.seed;
  result.model = canonical_name(trained.model->spec());
  result.dataset = run.config.dataset;
  result.epochs = run.config.epochs;
  result.train_seconds = trained.seconds;
  result.final_train_loss = trained.history.last().train_loss;
  write_file_atomically((run_dir / "eval.json").string(), to_json(result));
  const json marker = {{"id", run.id},
                       {"files", {"model.safetensors", "metrics.json", "train_log.csv", "eval.json"}},
                       {"test_acc", trained.history.last().test_acc}};
  write_file_atomically((run_dir / "complete.json").string(), marker.dump(2) + "\n");
  return result;
}
}  // namespace

std::string folder_name(const std::string& strategy) {
  std::string out = strategy;
  for (char& c : out) {
    if (c == ':' || c == ',') c = '_';
  }
  return out;
}

std::vector<PlannedRun> plan_runs(const StudyConfig& study) {
  std::vector<PlannedRun> runs;
  for (const auto& strategy : study.strategies) {
    for (const auto& head : study.heads) {
      for (const auto& padding : study.padding_modes) {
        for (int64_t s = 0; s < study.seeds; ++s) {
          PlannedRun run;
          run.config = study.base;
          run.config.downsample = strategy;
          run.config.head = head;
          run.config.padding_mode = padding;
          run.config.seed = study.base.seed + static_cast<uint64_t>(s);
          run.id = folder_name(strategy);
          run.label = strategy;
          if (study.heads.size() > 1) {
            run.id += "-head_" + head;
            run.label += " head=" + head;
          }
          if (study.padding_modes.size() > 1) {
            run.id += "-pad_" + padding;
            run.label += " pad=" + padding;
          }
          run.id += fmt::format("-seed{}", run.config.seed);
          runs.push_back(run);
        }
      }
    }
  }
  return runs;
}

std::vector<std::string> variant_labels(const std::vector<PlannedRun>& runs) {
  std::vector<std::string> labels;
  for (const auto& run : runs) {
    if (std::find(labels.begin(), labels.end(), run.label) == labels.end()) labels.push_back(run.label);
  }
  return labels;
}

std::vector<PlannedRun> shard(const std::vector<PlannedRun>& runs, int64_t index, int64_t count) {
  std::vector<PlannedRun> out;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (static_cast<int64_t>(i) % count == index) out.push_back(runs[i]);
  }
  return out;
}

StudyOutcome run_study(const StudyConfig& study, const fs::path& dir) {
  const std::vector<PlannedRun> all = plan_runs(study);
  fs::create_directories(dir / "runs");
  StudyOutcome outcome;
  outcome.planned = static_cast<int64_t>(all.size());
  if (!study.report_only) {
    write_strip_images(dir, study.base);
    const auto mine = shard(all, study.shard_index, study.shard_count);
    for (size_t i = 0; i < mine.size(); ++i) {
      const PlannedRun& run = mine[i];
      const fs::path run_dir = dir / "runs" / run.id;
      if (is_complete(run_dir)) {
        spdlog::info("[{}/{}] {}: complete, skipped", i + 1, mine.size(), run.id);
        continue;
      }
      spdlog::info("[{}/{}] {}: training", i + 1, mine.size(), run.id);
      try {
        execute(run, study, run_dir);
        ++outcome.trained_now;
      } catch (const ConfigError&) {
        throw;  // the study's options are wrong: every run would fail the same way
      } catch (const Interrupted& e) {
        throw Interrupted(fmt::format("{}: {} (or re-run the same ablate command: finished runs are kept)", run.id,
                                      e.what()));
      } catch (const std::exception& e) {
        spdlog::error("{}: failed: {}", run.id, e.what());
        fs::create_directories(run_dir);
        write_file_atomically((run_dir / "failed.json").string(), json({{"id", run.id}, {"error", e.what()}}).dump(2) + "\n");
      }
    }
  }
  // The report covers every complete run of the grid, whichever shard trained it.
  std::vector<RunResult> results;
  std::vector<FailedRun> failed;
  for (const PlannedRun& run : all) {
    const fs::path run_dir = dir / "runs" / run.id;
    if (is_complete(run_dir)) {
      results.push_back(run_result_from_json(read_text(run_dir / "eval.json"), (run_dir / "eval.json").string()));
    } else if (fs::exists(run_dir / "failed.json")) {
      std::string error = "unknown error";
      try {
        error = json::parse(read_text(run_dir / "failed.json")).at("error").get<std::string>();
      } catch (const std::exception&) {
      }
      failed.push_back({run.label, run.config.seed, error});
    }
  }
  outcome.complete = static_cast<int64_t>(results.size());
  outcome.failed = static_cast<int64_t>(failed.size());
  StudyDescription description;
  description.command = study.command;
  description.strategies = variant_labels(all);
  description.planned_runs = outcome.planned;
  outcome.report = write_report(dir, description, results, failed, read_strip_images(dir));
  return outcome;
}

}  // namespace poolnet
