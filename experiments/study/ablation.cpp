#include "experiments/study/ablation.h"

#include <chrono>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <optional>
#include <unistd.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sstream>

#include "experiments/eval/evaluation.h"
#include "experiments/study/claim.h"
#include "experiments/study/fingerprint.h"
#include "experiments/train/checkpoint.h"
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

// Logs why a suite's measurement is absent from the run's results.
void log_suite_notes(const std::string& id, const RunResult& result) {
  for (const auto& r : result.suite_results) {
    for (const auto& note : r.notes) spdlog::warn("{}: {}", id, note);
  }
}

// Trains and evaluates one run; its files appear in run_dir, complete.json last.
RunResult execute(const PlannedRun& run, const StudyConfig& study, const fs::path& run_dir) {
  fs::remove(run_dir / "failed.json");
  const TrainResult trained =
      train_run(run.config, run_dir, TrainOptions{.resume = true, .quiet = study.quiet, .label = run.id});
  RunResult result = evaluate_model(*trained.model, trained.test, study.shift_modes, study.shift);
  log_suite_notes(run.id, result);
  result.strategy = run.strategy;
  result.grid = run.grid;
  result.seed = run.config.seed;
  result.model = canonical_name(trained.model->spec());
  result.dataset = run.config.dataset;
  result.epochs = run.config.epochs;
  result.train_seconds = trained.seconds;
  result.final_train_loss = trained.history.last().train_loss;
  write_file_atomically((run_dir / "eval.json").string(), to_json(result));
  write_suite_files(run_dir, result);
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
    if (c == ':' || c == ',' || c == '/' || c == ' ') c = '_';
  }
  return out;
}

std::vector<PlannedRun> plan_runs(const StudyConfig& study) {
  const std::vector<GridPoint> points = study.grid.empty() ? std::vector<GridPoint>{{{}, study.base}} : study.grid;
  std::vector<PlannedRun> runs;
  for (const auto& strategy : study.strategies) {
    for (const auto& point : points) {
      for (int64_t s = 0; s < study.seeds; ++s) {
        PlannedRun run;
        run.strategy = strategy;
        run.grid = point.values;
        run.config = point.config;
        run.config.downsample = strategy;
        run.config.seed = study.base.seed + static_cast<uint64_t>(s);
        run.id = folder_name(strategy);
        run.label = strategy;
        for (const auto& [key, value] : point.values) {
          run.id += fmt::format("-{}_{}", key, folder_name(value));
          run.label += fmt::format(" {}={}", key, value);
        }
        run.id += fmt::format("-seed{}", run.config.seed);
        runs.push_back(run);
      }
    }
  }
  return runs;
}

std::vector<PlannedRun> shard(const std::vector<PlannedRun>& runs, int64_t index, int64_t count) {
  std::vector<PlannedRun> out;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (static_cast<int64_t>(i) % count == index) out.push_back(runs[i]);
  }
  return out;
}

namespace {
// study.json at the folder's root records the format version; a folder with runs but no
// study.json predates it (version 1).
void check_format_version(const fs::path& dir) {
  const fs::path path = dir / "study.json";
  // A new folder gets study.json before any run folder exists, so a folder with runs and no
  // study.json (checked after the write, for processes starting at once) is of version 1.
  if (!fs::exists(path) && (!fs::exists(dir / "runs") || fs::is_empty(dir / "runs"))) {
    fs::create_directories(dir / "runs");
    write_file_atomically(path.string(), json({{"format_version", kStudyFormatVersion}}).dump(2) + "\n");
  }
  int64_t version = 1;
  if (fs::exists(path)) {
    try {
      version = json::parse(read_text(path)).at("format_version").get<int64_t>();
    } catch (const json::exception& e) {
      throw ConfigError(fmt::format("ablate: {}: unreadable ({}); use --out with a new folder", path.string(), e.what()));
    }
  }
  if (version != kStudyFormatVersion) {
    throw ConfigError(fmt::format(
        "ablate: {} is a study folder of format version {}; this poolnet reads and writes format version {}: "
        "use --out with a new folder (or the poolnet that made it)",
        dir.string(), version, kStudyFormatVersion));
  }
}

std::optional<Fingerprint> recorded_fingerprint(const fs::path& run_dir) {
  const fs::path path = run_dir / "fingerprint.json";
  if (!fs::exists(path)) return std::nullopt;
  return fingerprint_from_json(read_text(path), path.string());
}

// The differences that need training again (keys other than eval.*).
std::vector<FingerprintDifference> training_differences(const std::vector<FingerprintDifference>& all) {
  std::vector<FingerprintDifference> out;
  for (const auto& d : all) {
    if (!is_evaluation_only(d.key)) out.push_back(d);
  }
  return out;
}

// One message naming every run recorded under another configuration, each differing key with
// both values, and the ways out.
std::string mismatch_message(const fs::path& dir, const std::vector<std::pair<std::string, std::vector<FingerprintDifference>>>& runs,
                             bool report_only) {
  std::vector<std::string> ids, keys;
  std::map<std::string, std::string> values;
  for (const auto& [id, diffs] : runs) {
    ids.push_back(id);
    for (const auto& d : diffs) {
      if (values.emplace(d.key, fmt::format("{} {} in the folder, {} now", d.key, d.recorded, d.current)).second) {
        keys.push_back(d.key);
      }
    }
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> parts;
  for (const auto& k : keys) parts.push_back(values[k]);
  const std::string shown = ids.size() > 4 ? fmt::format("{}, ... ({} runs)", fmt::join(ids.begin(), ids.begin() + 4, ", "), ids.size())
                                           : fmt::format("{}", fmt::join(ids, ", "));
  if (report_only) {
    return fmt::format(
        "ablate: {} holds runs made under another configuration ({}): {}; use --out with a new folder, or re-run "
        "without --report-only (evaluation-only changes are evaluated again; add --rerun-mismatched to train runs "
        "with other training options again, their old results moved to {})",
        dir.string(), shown, fmt::join(parts, "; "), (dir / "mismatched").string());
  }
  return fmt::format(
      "ablate: {} holds runs made under another configuration ({}): {}; use --out with a new folder, or "
      "--rerun-mismatched to train those runs again (their old results are moved to {})",
      dir.string(), shown, fmt::join(parts, "; "), (dir / "mismatched").string());
}

// What one scan of the folder found: the complete runs of the current configuration and the
// failed ones, with a signature to notice another process's changes.
struct Scan {
  std::vector<RunResult> results;
  std::vector<FailedRun> failed;
  std::string signature;
};

Scan scan(const fs::path& dir, const std::vector<PlannedRun>& all, const std::vector<Fingerprint>& fingerprints) {
  Scan s;
  for (size_t i = 0; i < all.size(); ++i) {
    const PlannedRun& run = all[i];
    const fs::path run_dir = dir / "runs" / run.id;
    std::optional<Fingerprint> recorded;
    try {
      recorded = recorded_fingerprint(run_dir);
    } catch (const DataError&) {
    }
    // Never report a run of another configuration, even while it waits to be trained again.
    if (!recorded || *recorded != fingerprints[i]) continue;
    if (is_complete(run_dir)) {
      s.results.push_back(run_result_from_json(read_text(run_dir / "eval.json"), (run_dir / "eval.json").string()));
      s.signature += "c" + run.id + "\n";
    } else if (fs::exists(run_dir / "failed.json")) {
      std::string error = "unknown error";
      try {
        error = json::parse(read_text(run_dir / "failed.json")).at("error").get<std::string>();
      } catch (const std::exception&) {
      }
      s.failed.push_back({run.label, run.config.seed, error});
      s.signature += "f" + run.id + "\n";
    }
  }
  return s;
}

// Rewrites the report from what the folder holds now. Every file is replaced atomically; if
// another process finished a run while this one was writing, it writes again, so the last
// writer's report covers every finished run.
Scan write_study_report(const StudyConfig& study, const fs::path& dir, const std::vector<PlannedRun>& all,
                        const std::vector<Fingerprint>& fingerprints, fs::path& report, bool draw_plots) {
  StudyDescription description;
  description.draw_plots = draw_plots;
  description.command = study.command;
  description.strategies = study.strategies;
  description.baseline = study.baseline.empty() ? study.strategies.front() : study.baseline;
  for (const auto& point : study.grid) description.grid_points.push_back(point.values);
  if (description.grid_points.empty()) description.grid_points.emplace_back();
  description.planned_runs = static_cast<int64_t>(all.size());
  Scan before = scan(dir, all, fingerprints);
  for (int round = 0; round < 5; ++round) {
    report = write_report(dir, description, before.results, before.failed, read_strip_images(dir));
    Scan after = scan(dir, all, fingerprints);
    if (after.signature == before.signature) break;
    before = std::move(after);
  }
  return before;
}

// Evaluates a complete run again from its saved model (after an evaluation-only change).
void reevaluate(const PlannedRun& run, const StudyConfig& study, const fs::path& run_dir) {
  TrainConfig config;
  auto model = load_model(run_dir / "model.safetensors", &config);
  RunResult old = run_result_from_json(read_text(run_dir / "eval.json"), (run_dir / "eval.json").string());
  RunResult result = evaluate_model(*model, open_test_set(run.config), study.shift_modes, study.shift);
  log_suite_notes(run.id, result);
  result.strategy = old.strategy;
  result.grid = old.grid;
  result.seed = old.seed;
  result.model = old.model;
  result.dataset = old.dataset;
  result.epochs = old.epochs;
  result.train_seconds = old.train_seconds;
  result.final_train_loss = old.final_train_loss;
  write_file_atomically((run_dir / "eval.json").string(), to_json(result));
  write_suite_files(run_dir, result);
}

std::string timestamp() {
  return fmt::format("{}", std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count());
}

// Moves a run's old results to STUDY/mismatched/<id>-<time>/ and leaves an empty run folder
// holding this process's claim.
void move_aside(const fs::path& dir, const fs::path& run_dir, const std::string& id, int64_t claim_timeout) {
  fs::create_directories(dir / "mismatched");
  const fs::path aside = dir / "mismatched" / fmt::format("{}-{}-{}", id, timestamp(), ::getpid());
  fs::rename(run_dir, aside);
  fs::remove(aside / "claim");
  fs::create_directories(run_dir);
  if (!try_claim(run_dir / "claim", claim_timeout).claimed) {
    throw IoError(fmt::format("{}: claimed by another process while its old results were moved aside", run_dir.string()));
  }
  spdlog::info("{}: old results moved to {}", id, aside.string());
}

// Runs recorded under another configuration: a ConfigError naming them, unless they are to be
// trained again (evaluation-only differences are evaluated again, except by --report-only).
void check_mismatches(const StudyConfig& study, const fs::path& dir, const std::vector<PlannedRun>& all,
                      const std::vector<Fingerprint>& fingerprints) {
  std::vector<std::pair<std::string, std::vector<FingerprintDifference>>> mismatched;
  for (size_t i = 0; i < all.size(); ++i) {
    const auto recorded = recorded_fingerprint(dir / "runs" / all[i].id);
    if (!recorded) continue;
    auto diffs = diff_fingerprints(*recorded, fingerprints[i]);
    if (!study.report_only) diffs = training_differences(diffs);
    if (!diffs.empty()) mismatched.emplace_back(all[i].id, diffs);
  }
  if (!mismatched.empty() && (study.report_only || !study.rerun_mismatched)) {
    throw ConfigError(mismatch_message(dir, mismatched, study.report_only));
  }
}

enum class Step { kSkipped, kBusy, kTrained, kReevaluated, kFailed };

// One run of this process's shard: skipped when complete under `current`, else claimed and
// trained (or evaluated again); the claim is released whatever happens. `busy` names the
// holder when another process has it. `tag` is the "[i/n]" of the log lines.
Step work_on_run(const PlannedRun& run, const Fingerprint& current, const StudyConfig& study, const fs::path& dir,
                 const std::string& tag, std::string& busy) {
  const fs::path run_dir = dir / "runs" / run.id;
  const auto done = [&] {
    const auto recorded = recorded_fingerprint(run_dir);
    return is_complete(run_dir) && recorded && *recorded == current;
  };
  if (done()) {
    spdlog::info("{} {}: complete, skipped", tag, run.id);
    return Step::kSkipped;
  }
  fs::create_directories(run_dir);
  const fs::path claim_path = run_dir / "claim";
  const ClaimResult claim = try_claim(claim_path, study.claim_timeout);
  if (!claim.claimed) {
    busy = claim.holder ? fmt::format("{}:{}", claim.holder->host, claim.holder->pid) : "another process";
    // The workers of one `ablate --jobs` hold each other's runs all the time: not news.
    spdlog::log(study.worker ? spdlog::level::debug : spdlog::level::info, "{} {}: being trained by {}, skipped", tag,
                run.id, busy);
    return Step::kBusy;
  }
  if (claim.took_over) spdlog::info("{}: took over a stale claim", run.id);
  Step step = Step::kTrained;
  try {
    const auto recorded = recorded_fingerprint(run_dir);
    const auto diffs = recorded ? diff_fingerprints(*recorded, current) : std::vector<FingerprintDifference>{};
    if (done()) {  // finished by another process between the check and the claim
      step = Step::kSkipped;
    } else if (!training_differences(diffs).empty()) {
      if (!study.rerun_mismatched) throw ConfigError(mismatch_message(dir, {{run.id, diffs}}, false));
      move_aside(dir, run_dir, run.id, study.claim_timeout);
    } else if (!diffs.empty() && is_complete(run_dir)) {
      spdlog::info("{} {}: evaluation options changed, evaluating the saved model again", tag, run.id);
      reevaluate(run, study, run_dir);
      step = Step::kReevaluated;
    }
    if (step != Step::kSkipped) write_file_atomically((run_dir / "fingerprint.json").string(), to_json(current));
    if (step == Step::kTrained) {
      spdlog::info("{} {}: training", tag, run.id);
      try {
        execute(run, study, run_dir);
      } catch (const ConfigError&) {
        throw;  // the study's options are wrong: every run would fail the same way
      } catch (const Interrupted& e) {
        throw Interrupted(fmt::format("{}: {} (or re-run the same ablate command: finished runs are kept)", run.id,
                                      e.what()));
      } catch (const std::exception& e) {
        spdlog::error("{}: failed: {}", run.id, e.what());
        write_file_atomically((run_dir / "failed.json").string(),
                              json({{"id", run.id}, {"error", e.what()}}).dump(2) + "\n");
        step = Step::kFailed;
      }
    }
  } catch (...) {
    release_claim(claim_path);
    throw;
  }
  release_claim(claim_path);
  return step;
}
}  // namespace

StudyOutcome run_study(const StudyConfig& study, const fs::path& dir) {
  const std::vector<PlannedRun> all = plan_runs(study);
  fs::create_directories(dir);
  check_format_version(dir);
  StudyOutcome outcome;
  outcome.planned = static_cast<int64_t>(all.size());
  const DataIdentity data = data_identity(study.base, dir / "data_sha256.json");
  std::map<std::string, Fingerprint> by_id;
  std::vector<Fingerprint> fingerprints;
  for (const auto& run : all) {
    fingerprints.push_back(run_fingerprint(run.config, data, study.shift_modes, study.shift));
    by_id[run.id] = fingerprints.back();
  }
  check_mismatches(study, dir, all, fingerprints);

  if (!study.report_only) {
    write_strip_images(dir, study.base);
    const auto mine = shard(all, study.shard_index, study.shard_count);
    for (size_t i = 0; i < mine.size(); ++i) {
      std::string busy;
      const Step step = work_on_run(mine[i], by_id.at(mine[i].id), study, dir,
                                    fmt::format("[{}/{}]", i + 1, mine.size()), busy);
      if (step == Step::kBusy) outcome.busy.push_back(fmt::format("{}: being trained by {}", mine[i].id, busy));
      if (step == Step::kSkipped || step == Step::kBusy) continue;
      if (step == Step::kTrained) ++outcome.trained_now;
      if (step == Step::kReevaluated) ++outcome.reevaluated;
      // Whoever finishes a run rewrites the report (plots are drawn at the end).
      if (!study.worker) write_study_report(study, dir, all, fingerprints, outcome.report, false);
    }
    if (study.worker) return outcome;
  }
  // The report covers every complete run of the grid made under this configuration.
  const Scan final_scan = write_study_report(study, dir, all, fingerprints, outcome.report, true);
  outcome.complete = static_cast<int64_t>(final_scan.results.size());
  outcome.failed = static_cast<int64_t>(final_scan.failed.size());
  return outcome;
}

}  // namespace poolnet
