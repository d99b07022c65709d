// The `erf` suite: effective receptive fields by input gradients (experiments/eval/erf.h,
// docs/metrics.md).
#include "experiments/eval/erf.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/shape_ops.h"
#include "models/summary.h"

namespace poolnet {

namespace {
// The output of the model's top-level layer at `position` (features, then classifier).
Tensor forward_through(Model& model, int64_t position, const Tensor& x) {
  Tensor h = x;
  int64_t at = 0;
  for (Sequential* stage : {&model.features(), &model.classifier()}) {
    for (const auto& [name, child] : stage->children()) {
      h = child->forward(h);
      if (at++ == position) return h;
    }
  }
  throw ShapeError(fmt::format("erf: the model has no layer at position {}", position));
}

// The model's parameters stop recording gradients until this is destroyed.
class FrozenParameters {
 public:
  explicit FrozenParameters(const Model& model) : parameters_(model.parameters()) {
    for (Tensor& p : parameters_) {
      was_.push_back(p.requires_grad());
      p.set_requires_grad(false);
    }
  }
  ~FrozenParameters() {
    for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].set_requires_grad(was_[i]);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<Tensor> parameters_;
  std::vector<bool> was_;
};

bool same_field(const LayerSummary& a, const LayerSummary& b) {
  return a.field_h.size == b.field_h.size && a.field_w.size == b.field_w.size && a.field_h.jump == b.field_h.jump &&
         a.field_w.jump == b.field_w.jump && a.field_h.centre == b.field_h.centre &&
         a.field_w.centre == b.field_w.centre;
}

bool spatial(const LayerSummary& l) { return l.output.size() == 3 && l.field_h.jump > 0 && l.field_w.jump > 0; }

SuiteMap normalised(const std::string& name, const ErfMap& map) {
  const double top = map.values.empty() ? 0.0 : *std::max_element(map.values.begin(), map.values.end());
  SuiteMap out{name, map.height, map.width, {}};
  out.values.reserve(map.values.size());
  for (double v : map.values) out.values.push_back(top > 0 ? static_cast<float>(v / top) : 0.0f);
  return out;
}
}  // namespace

ErfMap erf_map(const SpatialForwardFn& forward, const Tensor& inputs, int64_t batch) {
  if (!grad_enabled()) throw AutogradError("erf: input gradients need gradient recording (inside a NoGradGuard)");
  if (inputs.dim() != 4)
    throw ShapeError(fmt::format("erf: expected images [N,C,H,W], got {}", shape_str(inputs.shape())));
  const int64_t N = inputs.size(0), C = inputs.size(1), H = inputs.size(2), W = inputs.size(3);
  ErfMap map{H, W, std::vector<double>(static_cast<size_t>(H * W), 0.0)};
  for (int64_t b0 = 0; b0 < N; b0 += std::max<int64_t>(batch, 1)) {
    const int64_t b1 = std::min(N, b0 + std::max<int64_t>(batch, 1));
    Tensor x = narrow(inputs, 0, b0, b1 - b0);
    x.set_requires_grad(true);
    const Tensor y = forward(x);
    if (y.dim() != 4) throw ShapeError(fmt::format("erf: expected a spatial output, got {}", shape_str(y.shape())));
    if (!y.requires_grad()) continue;  // the output does not depend on the input: no gradient
    // The seed: 1 at the centre unit of every channel of every image (sum over channels).
    const int64_t OC = y.size(1), OH = y.size(2), OW = y.size(3);
    Tensor seed = Tensor::zeros(y.shape());
    for (int64_t n = 0; n < b1 - b0; ++n) {
      for (int64_t c = 0; c < OC; ++c) seed.data()[((n * OC + c) * OH + OH / 2) * OW + OW / 2] = 1.0f;
    }
    y.backward(seed);
    const Tensor g = x.grad();
    if (!g.defined()) continue;
    // Images and channels in order, so each pixel's sum has a fixed order.
    for (int64_t n = 0; n < b1 - b0; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        const float* plane = g.data() + (n * C + c) * H * W;
        for (int64_t p = 0; p < H * W; ++p) map.values[static_cast<size_t>(p)] += std::fabs(plane[p]);
      }
    }
  }
  if (N > 0) {
    for (double& v : map.values) v /= static_cast<double>(N);
  }
  return map;
}

double erf_radius(const ErfMap& map, double centre_h, double centre_w, double fraction) {
  // Pixels by Chebyshev distance from the centre, nearest first (row-major among equals).
  std::vector<std::pair<double, double>> by_distance;  // (distance, mass)
  double total = 0;
  for (int64_t h = 0; h < map.height; ++h) {
    for (int64_t w = 0; w < map.width; ++w) {
      const double d =
          std::max(std::fabs(static_cast<double>(h) - centre_h), std::fabs(static_cast<double>(w) - centre_w));
      const double m = map.values[static_cast<size_t>(h * map.width + w)];
      by_distance.emplace_back(d, m);
      total += m;
    }
  }
  if (!(total > 0)) return 0.0;
  std::stable_sort(by_distance.begin(), by_distance.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // The cumulative mass is compared only after every pixel of a distance is in.
  double held = 0;
  for (size_t i = 0; i < by_distance.size(); ++i) {
    held += by_distance[i].second;
    const bool last_of_distance = i + 1 == by_distance.size() || by_distance[i + 1].first != by_distance[i].first;
    if (last_of_distance && held >= fraction * total) return by_distance[i].first;
  }
  return by_distance.back().first;
}

std::vector<ErfLayer> effective_receptive_fields(Model& model, const Tensor& inputs, int64_t batch) {
  const Shape& input = model.spec().input;
  if (inputs.dim() != 4 || Shape(inputs.shape().begin() + 1, inputs.shape().end()) != input) {
    throw ShapeError(
        fmt::format("erf: images {} do not fit the model's input {}", shape_str(inputs.shape()), shape_str(input)));
  }
  const ModelSummary summary = summarize(model);
  model.eval();
  const FrozenParameters frozen(model);
  std::vector<ErfLayer> out;
  const auto& layers = summary.layers;
  for (size_t p = 0; p < layers.size(); ++p) {
    const LayerSummary& l = layers[p];
    if (!spatial(l)) continue;
    // The last of a run of spatial layers sharing one field.
    if (p + 1 < layers.size() && spatial(layers[p + 1]) && same_field(l, layers[p + 1])) continue;
    ErfLayer e;
    e.name = l.name;
    e.position = static_cast<int64_t>(p);
    e.stride = std::max(l.field_h.jump, l.field_w.jump);
    e.field = std::max(l.field_h.size, l.field_w.size);
    e.field_radius = static_cast<double>(e.field - 1) / 2.0;
    e.centre_h = l.field_h.centre + static_cast<double>((l.output[1] / 2) * l.field_h.jump);
    e.centre_w = l.field_w.centre + static_cast<double>((l.output[2] / 2) * l.field_w.jump);
    e.map = erf_map([&model, p](const Tensor& x) { return forward_through(model, static_cast<int64_t>(p), x); }, inputs,
                    batch);
    e.r50 = erf_radius(e.map, e.centre_h, e.centre_w, 0.5);
    e.r90 = erf_radius(e.map, e.centre_h, e.centre_w, 0.9);
    out.push_back(std::move(e));
  }
  return out;
}

SuiteResult erf_suite(const SuiteInput& in) {
  Model& model = suite_model(in, "erf");
  const int64_t n = std::min<int64_t>(kErfMaxImages, in.images.size(0));
  const std::vector<ErfLayer> layers =
      effective_receptive_fields(model, suite_normalise(in, narrow(in.images, 0, 0, n)), in.options.batch);
  if (layers.empty()) throw ConfigError(fmt::format("erf: {} has no spatial layer", model.describe()));
  SuiteResult result{"erf", {{"erf_r50", layers.back().r50}, {"erf_r90", layers.back().r90}}, {}};
  SuiteCurve r50{"erf_r50", "", "layer", {}, "radius_px"};
  SuiteCurve r90{"erf_r90", "", "layer", {}, "radius_px"};
  SuiteCurve field{"erf_field", "", "layer", {}, "radius_px"};
  for (const ErfLayer& l : layers) {
    const auto x = static_cast<double>(l.position);
    r50.points.push_back({"", x, l.r50});
    r90.points.push_back({"", x, l.r90});
    field.points.push_back({"", x, l.field_radius});
    result.maps.push_back(normalised(l.name, l.map));
  }
  result.curves = {r50, r90, field};
  return result;
}

}  // namespace poolnet
