#include "experiments/eval/suites.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>

#include "experiments/eval/aliasing.h"
#include "experiments/eval/corruption_files.h"
#include "experiments/eval/corruptions.h"
#include "experiments/eval/erf.h"
#include "experiments/eval/evaluation.h"
#include "experiments/eval/image_transforms.h"
#include "experiments/eval/subpixel.h"
#include "experiments/eval/localization.h"
#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"

namespace poolnet {

namespace {
// The images at `indices`, copied into one batch.
Tensor gather(const Tensor& images, const std::vector<int64_t>& indices) {
  Shape s = images.shape();
  const int64_t row = images.numel() / std::max<int64_t>(s[0], 1);
  s[0] = static_cast<int64_t>(indices.size());
  Tensor out = Tensor::empty(s);
  for (size_t i = 0; i < indices.size(); ++i) {
    std::memcpy(out.data() + static_cast<int64_t>(i) * row, images.data() + indices[i] * row,
                static_cast<size_t>(row) * sizeof(float));
  }
  return out;
}

std::vector<int32_t> predictions(const LogitsFn& logits, const Tensor& x) {
  const Tensor y = logits(x);
  const int64_t N = y.size(0), C = y.size(1);
  std::vector<int32_t> out(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    const float* row = y.data() + n * C;
    out[static_cast<size_t>(n)] = static_cast<int32_t>(std::max_element(row, row + C) - row);
  }
  return out;
}

double mean_acc(const std::vector<CurvePoint>& points) {
  double sum = 0;
  for (const auto& p : points) sum += p.value;
  return points.empty() ? 0.0 : sum / static_cast<double>(points.size());
}

const std::vector<Suite>& registry() {
  static const std::vector<Suite> table = {
      {"translation", "integer-shift metrics, per-layer equivariance, prediction strip", true, {}},
      {"worst_shift", "worst_shift_acc: correct under every circular shift of [-K, K]^2", true, worst_shift_suite},
      {"scale", "scale_acc_mean, scale_curve.csv: accuracy vs scale factor 0.5..1.5", false,
       [](const SuiteInput& in) { return scale_suite(in); }},
      {"rotation", "rotation_acc_mean, rotation_curve.csv: accuracy vs angle 0..180 degrees", false,
       [](const SuiteInput& in) { return rotation_suite(in); }},
      {"corruption",
       "corruption_acc_mean, corruption.csv: 10 seeded corruptions x 3 severities; with --corruption-dir also "
       "corruption_files_acc_mean, corruption_files.csv: the MNIST-C / CIFAR-10-C .npy files",
       false, [](const SuiteInput& in) { return corruption_suite(in); }},
      {"subpixel", "subpixel_consistency, subpixel_prob_change, subpixel_curve.csv: k/4-px Fourier shifts, k = 1..3",
       false, [](const SuiteInput& in) { return subpixel_suite(in); }},
      {"aliasing", "aliasing_mean, aliasing.csv: input energy above each downsampling layer's Nyquist", false,
       aliasing_suite},
      {"localization", "pointing_acc (CAM/attention on a 2x canvas), position_probe.csv, position_r2_last", false,
       localization_suite},
      {"erf",
       fmt::format("erf_r50, erf_r90, erf_{{r50,r90,field}}.csv, erf_maps.csv: effective vs theoretical receptive "
                   "field by layer (at most {} images)",
                   kErfMaxImages),
       false, erf_suite},
  };
  return table;
}

const std::vector<SuiteMetric>& metric_table() {
  static const std::vector<SuiteMetric> table = {
      {"worst_shift_acc", "worst-shift accuracy", true},
      {"scale_acc_mean", "mean accuracy over scales", true},
      {"rotation_acc_mean", "mean accuracy over rotations", true},
      {"corruption_acc_mean", "mean accuracy under the seeded corruptions", true},
      {"corruption_files_acc_mean", "mean accuracy on the corruption files", true},
      {"subpixel_consistency", "consistency under sub-pixel shifts", true},
      {"subpixel_prob_change", "probability change under sub-pixel shifts", false},
      {"aliasing_mean", "share of the downsampling layers' input energy that aliases", false},
      {"pointing_acc", "pointing accuracy of the class activation or attention map", true},
      {"position_r2_last", "R² of the position probe on the last feature map", true},
      {"erf_r50", "effective receptive field radius holding 50% (larger: wider)", true},
      {"erf_r90", "effective receptive field radius holding 90% (larger: wider)", true},
  };
  return table;
}

std::vector<std::string> suite_names() {
  std::vector<std::string> names;
  for (const auto& s : registry()) names.push_back(s.name);
  return names;
}
}  // namespace

const std::vector<Suite>& suites() { return registry(); }

const std::vector<SuiteMetric>& suite_metrics() { return metric_table(); }

const SuiteMetric* find_suite_metric(const std::string& name) {
  for (const auto& m : metric_table()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Model& suite_model(const SuiteInput& in, const std::string& suite) {
  if (in.model == nullptr || in.info == nullptr)
    throw ConfigError(fmt::format("suite '{}' needs the model, not only its logits", suite));
  return *in.model;
}

Tensor suite_normalise(const SuiteInput& in, const Tensor& raw) {
  if (in.info == nullptr) throw ConfigError("suite_normalise: no data set statistics");
  return normalise(raw, *in.info);
}

const Suite& find_suite(const std::string& name) {
  for (const auto& s : registry()) {
    if (s.name == name) return s;
  }
  throw ConfigError(fmt::format("--suites: unknown suite '{}' (valid: {})", name, fmt::join(suite_names(), ", ")));
}

std::vector<std::string> parse_suites(const std::string& list) {
  std::vector<std::string> named;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    start = comma + 1;
    if (!name.empty()) named.push_back(find_suite(name).name);
  }
  if (named.empty())
    throw ConfigError(fmt::format("--suites: give at least one of {}", fmt::join(suite_names(), ", ")));
  std::vector<std::string> out;
  for (const auto& s : registry()) {
    if (std::find(named.begin(), named.end(), s.name) != named.end()) out.push_back(s.name);
  }
  return out;
}

std::string default_suites() {
  std::vector<std::string> names;
  for (const auto& s : registry()) {
    if (s.in_default) names.push_back(s.name);
  }
  return fmt::format("{}", fmt::join(names, ","));
}

std::string suites_help() {
  std::string out = "comma list of evaluation suites (docs/metrics.md):";
  for (const auto& s : registry())
    out += fmt::format("\n  {:<12} {}{}", s.name, s.summary, s.in_default ? " [default]" : "");
  return out;
}

double transformed_accuracy(const LogitsFn& logits, const Tensor& images, const std::vector<int32_t>& labels,
                            int64_t batch, const std::function<Tensor(const Tensor&, int64_t)>& transform) {
  NoGradGuard no_grad;
  const int64_t N = images.size(0);
  int64_t correct = 0;
  for (int64_t b0 = 0; b0 < N; b0 += batch) {
    const int64_t b1 = std::min(N, b0 + batch);
    std::vector<int64_t> rows;
    for (int64_t n = b0; n < b1; ++n) rows.push_back(n);
    const auto pred = predictions(logits, transform(gather(images, rows), b0));
    for (int64_t n = b0; n < b1; ++n) correct += pred[static_cast<size_t>(n - b0)] == labels[static_cast<size_t>(n)];
  }
  return N == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(N);
}

double worst_shift_accuracy(const LogitsFn& logits, const Tensor& images, const std::vector<int32_t>& labels,
                            int64_t max_shift, int64_t batch) {
  NoGradGuard no_grad;
  const int64_t N = images.size(0), K = max_shift;
  // The images still right under every shift so far: only those are evaluated at the next one.
  std::vector<int64_t> alive(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) alive[static_cast<size_t>(n)] = n;
  for (int64_t dy = -K; dy <= K; ++dy) {
    for (int64_t dx = -K; dx <= K; ++dx) {
      std::vector<int64_t> next;
      for (size_t b0 = 0; b0 < alive.size(); b0 += static_cast<size_t>(batch)) {
        const std::vector<int64_t> rows(
            alive.begin() + static_cast<int64_t>(b0),
            alive.begin() + static_cast<int64_t>(std::min(alive.size(), b0 + static_cast<size_t>(batch))));
        const auto pred = predictions(logits, roll(gather(images, rows), {dy, dx}));
        for (size_t i = 0; i < rows.size(); ++i) {
          if (pred[i] == labels[static_cast<size_t>(rows[i])]) next.push_back(rows[i]);
        }
      }
      alive = std::move(next);
    }
  }
  return N == 0 ? 0.0 : static_cast<double>(alive.size()) / static_cast<double>(N);
}

SuiteResult worst_shift_suite(const SuiteInput& in) {
  const double acc = worst_shift_accuracy(in.logits, in.images, in.labels, in.options.max_shift, in.options.batch);
  return {"worst_shift", {{"worst_shift_acc", acc}}, {}, {}};
}

SuiteResult scale_suite(const SuiteInput& in, const std::vector<double>& factors) {
  SuiteCurve curve{"scale_curve", "", "scale", {}};
  for (double f : factors) {
    const double acc = transformed_accuracy(in.logits, in.images, in.labels, in.options.batch,
                                            [f](const Tensor& x, int64_t) { return resize_about_centre(x, f); });
    curve.points.push_back({"", f, acc});
  }
  return {"scale", {{"scale_acc_mean", mean_acc(curve.points)}}, {curve}, {}};
}

SuiteResult rotation_suite(const SuiteInput& in, const std::vector<double>& angles) {
  SuiteCurve curve{"rotation_curve", "", "angle", {}};
  for (double a : angles) {
    const double acc = transformed_accuracy(in.logits, in.images, in.labels, in.options.batch,
                                            [a](const Tensor& x, int64_t) { return rotate_about_centre(x, a); });
    curve.points.push_back({"", a, acc});
  }
  return {"rotation", {{"rotation_acc_mean", mean_acc(curve.points)}}, {curve}, {}};
}

SuiteResult corruption_suite(const SuiteInput& in, const std::vector<int>& severities) {
  SuiteCurve curve{"corruption", "corruption", "severity", {}};
  const uint64_t seed = in.options.seed;
  for (size_t kind = 0; kind < corruption_names().size(); ++kind) {
    for (int severity : severities) {
      const auto k = static_cast<int>(kind);
      const double acc = transformed_accuracy(
          in.logits, in.images, in.labels, in.options.batch,
          [k, severity, seed](const Tensor& x, int64_t first) { return corrupt(x, k, severity, seed, first); });
      curve.points.push_back({corruption_names()[kind], static_cast<double>(severity), acc});
    }
  }
  SuiteResult result{"corruption", {{"corruption_acc_mean", mean_acc(curve.points)}}, {curve}};
  if (!in.options.corruption_dir.empty()) {
    // The data set's shape and classes from the model's statistics, or from the images alone.
    const data::DatasetInfo info =
        in.info != nullptr
            ? *in.info
            : data::DatasetInfo{.channels = in.images.size(1), .height = in.images.size(2), .width = in.images.size(3)};
    const SuiteResult files = corruption_files_result(in.logits, info, in.options);
    result.metrics.insert(result.metrics.end(), files.metrics.begin(), files.metrics.end());
    result.curves.insert(result.curves.end(), files.curves.begin(), files.curves.end());
  }
  return result;
}

}  // namespace poolnet
