// Evaluation suites: named groups of measurements run on a trained classifier, selected with
// `poolnet eval --suites` and `poolnet ablate --suites` and defined exactly in docs/metrics.md.
//
//   translation  the integer-shift metrics, per-layer equivariance and prediction strip
//                (shift_eval.h; evaluate_model runs it, its results are RunResult::shift)
//   worst_shift  worst_shift_acc: share of images classified correctly under every circular
//                shift of [-K, K]^2
//   scale        scale_acc_mean and scale_curve: accuracy vs scale factor
//                (image_transforms.h: antialiased resize about the centre, background 0)
//   rotation     rotation_acc_mean and rotation_curve: accuracy vs angle, 0..180 degrees
//   corruption   corruption_acc_mean and corruption (per corruption and severity)
//                (corruptions.h: seeded, MNIST-C style); with options.corruption_dir also
//                corruption_files_acc_mean and corruption_files (corruption_files.h: the
//                official MNIST-C / CIFAR-10-C .npy files)
//   subpixel     subpixel_consistency, subpixel_prob_change and subpixel_curve: predictions under
//                Fourier-interpolated shifts by 1/4, 1/2, 3/4 px (subpixel.h)
//   aliasing     aliasing_mean and aliasing: per downsampling layer, the share of its input's
//                spectral energy above its stride's Nyquist frequency (aliasing.h)
//   localization pointing_acc, position_probe (per-layer R^2) and position_r2_last on images
//                pasted at seeded positions on a 2x canvas (localization.h)
//   erf          erf_r50, erf_r90 and per layer the radii holding 50% and 90% of the effective
//                receptive field beside the theoretical one, and the maps (erf.h)
//
// The suites other than translation use the first `suite_samples` test images. Adding a suite
// is one function returning a SuiteResult plus its row in suites() (suites.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "experiments/eval/run_result.h"
#include "experiments/eval/shift_eval.h"
#include "framework/data/dataset.h"
#include "models/model.h"

namespace poolnet {

// What a suite sees: the classifier and the images it evaluates, with their labels. The suites
// that look inside the network (its layers, gradients or head) also get the model and the data
// set's statistics (raw images are normalised with them before the model sees them); the others
// need only `logits`.
struct SuiteInput {
  const LogitsFn& logits;
  const Tensor& images;  // raw [N, C, H, W]
  const std::vector<int32_t>& labels;
  const ShiftEvalOptions& options;
  Model* model = nullptr;
  const data::DatasetInfo* info = nullptr;
};
// The model and statistics of `in`; ConfigError naming `suite` when the caller gave none.
Model& suite_model(const SuiteInput& in, const std::string& suite);
// Raw images normalised with in.info (the model's input).
Tensor suite_normalise(const SuiteInput& in, const Tensor& raw);

struct Suite {
  std::string name;
  std::string summary;                                // one line for --help and docs
  bool in_default;                                    // part of the default list (the default study's time budget)
  std::function<SuiteResult(const SuiteInput&)> run;  // empty for translation
};

// A summary metric of a suite, declared once here: the phrase the study's findings use and the
// direction of its paired comparisons (experiments/study/comparisons.h).
struct SuiteMetric {
  std::string name;  // the summary.csv column: "worst_shift_acc"
  std::string phrase;
  bool higher_is_better;
};
// Every summary metric the suites report.
const std::vector<SuiteMetric>& suite_metrics();
// The metric by name; nullptr for a name no suite declares.
const SuiteMetric* find_suite_metric(const std::string& name);

// Every suite, in the order they run and are reported.
const std::vector<Suite>& suites();
const Suite& find_suite(const std::string& name);  // ConfigError listing the valid names

// A comma list of suite names -> the named suites in registry order, each once. ConfigError
// for an unknown or missing name ("--suites: unknown suite 'x' (valid: ...)").
std::vector<std::string> parse_suites(const std::string& list);
// "translation,worst_shift": the default list.
std::string default_suites();
// The --help text of --suites: every suite and which are the default.
std::string suites_help();

// The suites' measurements, exposed with their parameters for the tests.
inline const std::vector<double> kScaleFactors = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5};
inline const std::vector<double> kRotationAngles = {0, 15, 30, 45, 60, 75, 90, 105, 120, 135, 150, 165, 180};

// Share of images classified correctly under every circular shift (dy, dx) of [-K, K]^2.
double worst_shift_accuracy(const LogitsFn& logits, const Tensor& images, const std::vector<int32_t>& labels,
                            int64_t max_shift, int64_t batch);
// Accuracy on images transformed by transform(batch, index of its first image), batch by batch.
double transformed_accuracy(const LogitsFn& logits, const Tensor& images, const std::vector<int32_t>& labels,
                            int64_t batch, const std::function<Tensor(const Tensor&, int64_t)>& transform);

SuiteResult worst_shift_suite(const SuiteInput& in);
SuiteResult scale_suite(const SuiteInput& in, const std::vector<double>& factors = kScaleFactors);
SuiteResult rotation_suite(const SuiteInput& in, const std::vector<double>& angles = kRotationAngles);
// Severities 1..3 of every corruption (`severities` for the tests: e.g. {0}).
SuiteResult corruption_suite(const SuiteInput& in, const std::vector<int>& severities = {1, 2, 3});

}  // namespace poolnet
