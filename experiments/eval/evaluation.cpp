#include "experiments/eval/evaluation.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "experiments/eval/suites.h"
#include "framework/autograd.h"
#include "framework/io/atomic_file.h"
#include "framework/ops/ops.h"

namespace poolnet {

Tensor normalise(const Tensor& raw, const data::DatasetInfo& info) {
  const auto C = static_cast<int64_t>(info.mean.size());
  const Tensor mean = Tensor::from_vector({1, C, 1, 1}, info.mean);
  const Tensor stddev = Tensor::from_vector({1, C, 1, 1}, info.stddev);
  return div(sub(raw, mean), stddev);
}

Tensor raw_images(const data::Dataset& data) {
  std::vector<int64_t> all(static_cast<size_t>(data.size()));
  for (int64_t i = 0; i < data.size(); ++i) all[static_cast<size_t>(i)] = i;
  return data.images(all, false);
}

LogitsFn logits_fn(Model& model, const data::DatasetInfo& info) {
  return [&model, info](const Tensor& raw) {
    NoGradGuard no_grad;
    model.eval();
    return model.forward(normalise(raw, info));
  };
}

TraceFn trace_fn(Model& model, const data::DatasetInfo& info) {
  // Each layer's module type: its description up to the arguments ("MaxPool2d").
  std::map<std::string, std::string> types;
  for (const auto& [prefix, stage] :
       {std::pair{"features", &model.features()}, std::pair{"classifier", &model.classifier()}}) {
    for (const auto& [name, child] : stage->children()) {
      const std::string text = child->describe();
      types[fmt::format("{}.{}", prefix, name)] = text.substr(0, text.find('('));
    }
  }
  return [&model, info, types](const Tensor& raw) {
    NoGradGuard no_grad;
    model.eval();
    // The spatial feature maps, then the logits (invariance error).
    std::vector<FeatureMap> maps;
    const auto layers = model.trace(normalise(raw, info));
    for (const auto& l : layers) {
      if (l.value.dim() == 4) maps.push_back({l.name, types.at(l.name), l.value, l.stride});
    }
    maps.push_back({"logits", "", layers.back().value, 0});
    return maps;
  };
}

namespace {
// The translation suite: shift metrics per mode, equivariance and the strip, on every image.
void evaluate_translation(RunResult& result, Model& model, const data::Dataset& test, const Tensor& images,
                          const std::vector<int32_t>& labels, const std::vector<ShiftMode>& modes,
                          const ShiftEvalOptions& options) {
  const LogitsFn logits = logits_fn(model, test.info());
  for (ShiftMode mode : modes) result.shift.push_back(evaluate_shift(logits, images, labels, mode, options));
  result.equivariance = evaluate_equivariance(trace_fn(model, test.info()), images, options);

  // The strip: the first test images shifted right by 0..K pixels, circularly.
  PredictionStrip& strip = result.strip;
  strip.max_shift = options.max_shift;
  const int64_t n = std::min<int64_t>(kStripImages, test.size());
  std::vector<int64_t> first(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    first[static_cast<size_t>(i)] = i;
    strip.image_indices.push_back(i);
    strip.labels.push_back(test.label(i));
  }
  const Tensor x = test.images(first, false);
  // The layer panels of the first test image (experiments/eval/shift_panels.h).
  result.panels = shift_panels(trace_fn(model, test.info()), test.images(std::vector<int64_t>{0}, false),
                               options.max_shift, ShiftMode::kCircular, kPanelChannels);
  strip.predicted.assign(static_cast<size_t>(n), {});
  for (int64_t d = 0; d <= options.max_shift; ++d) {
    const Tensor y = logits(shift_images(x, 0, d, ShiftMode::kCircular, options.max_shift));
    const int64_t C = y.size(1);
    for (int64_t i = 0; i < n; ++i) {
      const float* row = y.data() + i * C;
      strip.predicted[static_cast<size_t>(i)].push_back(static_cast<int32_t>(std::max_element(row, row + C) - row));
    }
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

RunResult evaluate_model(Model& model, const data::Dataset& test, const std::vector<ShiftMode>& modes,
                         const ShiftEvalOptions& options) {
  RunResult result;
  const Tensor images = raw_images(test);
  const std::vector<int32_t> labels(test.labels().begin(), test.labels().end());
  const LogitsFn logits = logits_fn(model, test.info());
  result.suites = options.suites;
  if (std::find(options.suites.begin(), options.suites.end(), "translation") != options.suites.end()) {
    const auto start = std::chrono::steady_clock::now();
    evaluate_translation(result, model, test, images, labels, modes, options);
    result.suite_seconds.emplace_back("translation", seconds_since(start));
  }
  if (options.suites.size() == result.suite_seconds.size()) return result;

  // The other suites on the first suite_samples images.
  const int64_t n = options.suite_samples > 0 ? std::min(options.suite_samples, test.size()) : test.size();
  std::vector<int64_t> first(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) first[static_cast<size_t>(i)] = i;
  const Tensor suite_images = test.images(first, false);
  const std::vector<int32_t> suite_labels(labels.begin(), labels.begin() + n);
  for (const auto& name : options.suites) {
    const Suite& suite = find_suite(name);
    if (!suite.run) continue;
    const auto start = std::chrono::steady_clock::now();
    result.suite_results.push_back(
        suite.run(SuiteInput{logits, suite_images, suite_labels, options, &model, &test.info()}));
    result.suite_seconds.emplace_back(name, seconds_since(start));
  }
  return result;
}

void write_suite_files(const std::filesystem::path& dir, const RunResult& result) {
  for (const auto& r : result.suite_results) {
    for (const auto& c : r.curves) write_file_atomically((dir / (c.name + ".csv")).string(), curve_csv(c));
    if (!r.maps.empty()) write_file_atomically((dir / (r.suite + "_maps.csv")).string(), maps_csv(r.maps));
  }
}

std::string metrics_table(const RunResult& r) {
  std::string out;
  if (!r.shift.empty())
    out += fmt::format("{:<10} {:>9} {:>11} {:>9} {:>10} {:>14} {:>13}\n", "shifts", "clean_acc", "consistency",
                       "flip_rate", "|dp| top1", "acc_shift_mean", "acc_shift_min");
  for (const auto& m : r.shift) {
    out += fmt::format("{:<10} {:>9.4f} {:>11.4f} {:>9.4f} {:>10.4f} {:>14.4f} {:>13.4f}\n", to_string(m.mode),
                       m.clean_acc, m.consistency, m.flip_rate, m.prob_change, m.acc_shift_mean, m.acc_shift_min);
  }
  for (const auto& suite : r.suite_results) {
    for (const auto& [name, value] : suite.metrics) out += fmt::format("{:<22} {:.4f}\n", name, value);
    for (const auto& note : suite.notes) out += fmt::format("note: {}\n", note);
  }
  if (!r.suite_seconds.empty()) {
    out += "seconds per suite:";
    for (const auto& [name, seconds] : r.suite_seconds) out += fmt::format(" {} {:.1f}", name, seconds);
    out += "\n";
  }
  if (!r.equivariance.empty()) {
    out += "equivariance error (circular shifts, mean over t):\n";
    std::vector<std::string> order;
    for (const auto& e : r.equivariance) {
      if (std::find(order.begin(), order.end(), e.layer) == order.end()) order.push_back(e.layer);
    }
    for (const auto& layer : order) {
      double sum = 0;
      int64_t n = 0, stride = 0;
      for (const auto& e : r.equivariance) {
        if (e.layer == layer) {
          sum += e.error;
          ++n;
          stride = e.stride;
        }
      }
      out += fmt::format("  {:<16} stride {:>2}  {:.5f}\n", layer, stride, sum / static_cast<double>(n));
    }
  }
  return out;
}

}  // namespace poolnet
