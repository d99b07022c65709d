// The `localization` suite's run (localization.h; docs/metrics.md, "localization"): batch by
// batch, the images pasted on their canvases go through `features` layer by layer; every spatial
// layer's map, average-pooled to 4x4, feeds the position probe, and the last one (the head's
// input) gives the CAM or, through the head, the attention map that must point into the image.
#include <fmt/format.h>

#include <cstring>

#include "experiments/eval/localization.h"
#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/shape_ops.h"
#include "framework/ops/adaptive_pool.h"
#include "layers/attention_heads.h"
#include "models/model_spec.h"

namespace poolnet {

namespace {
// One spatial layer of `features`: its pooled maps, one row of C * 4 * 4 values per image.
struct ProbeLayer {
  int64_t index = 0;  // k of "features.k"
  int64_t width = 0;
  std::vector<float> rows;
};

// The localisation maps [B, h, w] of one batch from the last feature map.
Tensor batch_maps(Model& model, const MapRule& rule, const Tensor& last, const std::vector<int32_t>& labels) {
  if (rule.kind == MapRule::Kind::kCam) return class_activation_maps(last, rule.weights, labels);
  Module& head = model.classifier()[0];
  head.forward(last);
  return mean_over_heads(dynamic_cast<AttentionHead&>(head).attention());
}
}  // namespace

SuiteResult localization_suite(const SuiteInput& in) {
  Model& model = suite_model(in, "localization");
  model.eval();
  NoGradGuard no_grad;
  SuiteResult result{"localization", {}, {}, {}};
  const std::string head = parse_head(model.spec().head).name;
  if (head == "flatten") {
    result.notes.push_back(fmt::format(
        "localization: skipped: {} has the flatten head, whose fully connected layers fix the input size and "
        "give no map; the suite needs a global head (gap, gmp, gap_gmp, gem, lse, simpool, attn_pool)",
        canonical_name(model.spec())));
    return result;
  }
  MapRule rule = map_rule(model);
  if (rule.kind == MapRule::Kind::kNone) result.notes.push_back("localization: no pointing_acc: " + rule.reason);

  const int64_t N = in.images.size(0);
  const Size2d image{in.images.size(2), in.images.size(3)};
  const Size2d canvas{kCanvasFactor * image.h, kCanvasFactor * image.w};
  const std::vector<Placement> placements = draw_placements(in.options.seed, 0, N, image, canvas);
  std::vector<ProbeLayer> layers;
  int64_t hits = 0;
  for (int64_t b0 = 0; b0 < N; b0 += in.options.batch) {
    const int64_t B = std::min(in.options.batch, N - b0);
    const std::vector<Placement> batch_placements(placements.begin() + b0, placements.begin() + b0 + B);
    Tensor h = suite_normalise(in, paste_on_canvas(narrow(in.images, 0, b0, B), batch_placements, canvas));
    std::vector<Window> windows;
    size_t spatial = 0;
    for (size_t k = 0; k < model.features().size(); ++k) {
      Module& layer = model.features()[k];
      h = layer.forward(h);
      for (const Window& w : layer.windows()) windows.push_back(w);
      if (h.dim() != 4) continue;
      const Tensor pooled = adaptive_avg_pool2d(h, {kProbeGrid, kProbeGrid});
      if (spatial == layers.size()) layers.push_back({static_cast<int64_t>(k), pooled.numel() / B, {}});
      std::vector<float>& rows = layers[spatial++].rows;
      rows.insert(rows.end(), pooled.data(), pooled.data() + pooled.numel());
    }
    if (rule.kind == MapRule::Kind::kNone) continue;
    const std::vector<int32_t> labels(in.labels.begin() + b0, in.labels.begin() + b0 + B);
    try {
      const Tensor maps = batch_maps(model, rule, h, labels);
      for (bool hit : pointing_hits(maps, batch_placements, image, cumulative_stride(windows))) hits += hit;
    } catch (const ShapeError& e) {
      rule = MapRule{};
      rule.reason = fmt::format("the {} head does not take the {}x{} canvas's map {} ({})", head, canvas.h, canvas.w,
                                shape_str(h.shape()), e.what());
      result.notes.push_back("localization: no pointing_acc: " + rule.reason);
    }
  }
  if (rule.kind != MapRule::Kind::kNone)
    result.metrics.emplace_back("pointing_acc", static_cast<double>(hits) / static_cast<double>(N));

  SuiteCurve curve{"position_probe", "", "layer", {}, "r2"};
  for (const ProbeLayer& layer : layers) {
    const double r2 = probe_r2(Tensor::from_vector({N, layer.width}, layer.rows), placements);
    curve.points.push_back({"", static_cast<double>(layer.index), r2});
  }
  if (!curve.points.empty()) result.metrics.emplace_back("position_r2_last", curve.points.back().value);
  result.curves.push_back(std::move(curve));
  return result;
}

}  // namespace poolnet
