// The `localization` evaluation suite (localization.h; docs/metrics.md, "localization"): the
// canvas, the maps, the pointing rule and the suite itself (the probe: position_probe.cpp).
#include "experiments/eval/localization.h"

#include <fmt/format.h>

#include <cstring>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/adaptive_pool.h"
#include "framework/random.h"
#include "layers/attention_heads.h"
#include "layers/linear.h"
#include "models/model_spec.h"

namespace poolnet {

Placement draw_placement(uint64_t seed, int64_t index, Size2d image, Size2d canvas) {
  if (canvas.h < image.h || canvas.w < image.w)
    throw ShapeError(
        fmt::format("draw_placement: canvas {}x{} smaller than image {}x{}", canvas.h, canvas.w, image.h, image.w));
  const RandomStream rng(seed, stream_id(kLocalizationStream, static_cast<uint64_t>(index)));
  return {.dy = rng.below(0, canvas.h - image.h + 1), .dx = rng.below(1, canvas.w - image.w + 1)};
}

std::vector<Placement> draw_placements(uint64_t seed, int64_t first, int64_t count, Size2d image, Size2d canvas) {
  std::vector<Placement> out;
  for (int64_t n = first; n < first + count; ++n) out.push_back(draw_placement(seed, n, image, canvas));
  return out;
}

Tensor paste_on_canvas(const Tensor& images, const std::vector<Placement>& placements, Size2d canvas) {
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  if (static_cast<int64_t>(placements.size()) != N)
    throw ShapeError(
        fmt::format("paste_on_canvas: {} placements for images {}", placements.size(), shape_str(images.shape())));
  Tensor out = Tensor::zeros({N, C, canvas.h, canvas.w});
  for (int64_t n = 0; n < N; ++n) {
    const Placement p = placements[static_cast<size_t>(n)];
    if (p.dy < 0 || p.dx < 0 || p.dy + H > canvas.h || p.dx + W > canvas.w)
      throw ShapeError(fmt::format("paste_on_canvas: image {}x{} at ({}, {}) leaves the canvas {}x{}", H, W, p.dy, p.dx,
                                   canvas.h, canvas.w));
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t y = 0; y < H; ++y) {
        const float* src = images.data() + ((n * C + c) * H + y) * W;
        float* dst = out.data() + ((n * C + c) * canvas.h + p.dy + y) * canvas.w + p.dx;
        std::memcpy(dst, src, static_cast<size_t>(W) * sizeof(float));
      }
    }
  }
  return out;
}

std::vector<bool> pointing_hits(const Tensor& maps, const std::vector<Placement>& placements, Size2d image,
                                int64_t stride) {
  if (maps.dim() != 3 || maps.size(0) != static_cast<int64_t>(placements.size()))
    throw ShapeError(fmt::format("pointing_hits: maps {} for {} placements (expected [N, h, w])",
                                 shape_str(maps.shape()), placements.size()));
  const int64_t N = maps.size(0), h = maps.size(1), w = maps.size(2), S = stride;
  std::vector<bool> hits;
  for (int64_t n = 0; n < N; ++n) {
    const float* m = maps.data() + n * h * w;
    int64_t best = 0;
    for (int64_t k = 1; k < h * w; ++k) {
      if (m[k] > m[best]) best = k;
    }
    const int64_t i = best / w, j = best % w;
    const Placement p = placements[static_cast<size_t>(n)];
    // The cell's centre (i S + S/2, j S + S/2) in the box [dy, dy + H) x [dx, dx + W), in halves.
    const bool in_rows = 2 * p.dy <= (2 * i + 1) * S && (2 * i + 1) * S < 2 * (p.dy + image.h);
    const bool in_cols = 2 * p.dx <= (2 * j + 1) * S && (2 * j + 1) * S < 2 * (p.dx + image.w);
    hits.push_back(in_rows && in_cols);
  }
  return hits;
}

double pointing_accuracy(const Tensor& maps, const std::vector<Placement>& placements, Size2d image, int64_t stride) {
  const std::vector<bool> hits = pointing_hits(maps, placements, image, stride);
  int64_t n = 0;
  for (bool hit : hits) n += hit;
  return hits.empty() ? 0.0 : static_cast<double>(n) / static_cast<double>(hits.size());
}

namespace {
MapRule no_map(std::string reason) {
  MapRule r;
  r.reason = std::move(reason);
  return r;
}

MapRule cam(Tensor weights) {
  MapRule r;
  r.kind = MapRule::Kind::kCam;
  r.weights = std::move(weights);
  return r;
}
}  // namespace

MapRule map_rule(const Model& model) {
  const std::string head = parse_head(model.spec().head).name;
  const Sequential& classifier = model.classifier();
  if (head == "flatten") return no_map("the flatten head has no spatial map");
  if (head == "simpool" || head == "attn_pool") {
    MapRule r;
    r.kind = MapRule::Kind::kAttention;
    return r;
  }
  if (classifier.size() == 1) {
    const int64_t K = model.spec().classes;
    Tensor eye = Tensor::zeros({K, K});
    for (int64_t k = 0; k < K; ++k) eye.data()[k * K + k] = 1.0f;
    return cam(eye);
  }
  const auto* linear = dynamic_cast<const Linear*>(&classifier[1]);
  if (classifier.size() != 2 || linear == nullptr) {
    return no_map(
        fmt::format("the {} head is followed by {} layers, not by one linear layer: no class "
                    "activation map",
                    head, classifier.size() - 1));
  }
  const Tensor& w = linear->weight();
  if (head != "gap_gmp") return cam(w);
  // [avg ; max] features: both halves weight the same channel.
  const int64_t K = w.size(0), C = w.size(1) / 2;
  Tensor folded = Tensor::empty({K, C});
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < C; ++c) folded.data()[k * C + c] = w.data()[k * 2 * C + c] + w.data()[k * 2 * C + C + c];
  }
  return cam(folded);
}

Tensor class_activation_maps(const Tensor& features, const Tensor& weights, const std::vector<int32_t>& labels) {
  const int64_t N = features.size(0), C = features.size(1), P = features.size(2) * features.size(3);
  const int64_t K = weights.size(0);
  if (weights.size(1) != C || static_cast<int64_t>(labels.size()) != N)
    throw ShapeError(fmt::format("class_activation_maps: features {}, weights {}, {} labels",
                                 shape_str(features.shape()), shape_str(weights.shape()), labels.size()));
  Tensor out = Tensor::empty({N, features.size(2), features.size(3)});
  std::vector<double> sum(static_cast<size_t>(P));
  for (int64_t n = 0; n < N; ++n) {
    const int64_t k = labels[static_cast<size_t>(n)];
    if (k < 0 || k >= K) throw ShapeError(fmt::format("class_activation_maps: label {} of {} classes", k, K));
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int64_t c = 0; c < C; ++c) {
      const double wc = weights.data()[k * C + c];
      const float* f = features.data() + (n * C + c) * P;
      for (int64_t p = 0; p < P; ++p) sum[static_cast<size_t>(p)] += wc * f[p];
    }
    for (int64_t p = 0; p < P; ++p) out.data()[n * P + p] = static_cast<float>(sum[static_cast<size_t>(p)]);
  }
  return out;
}

Tensor mean_over_heads(const Tensor& attention) {
  const int64_t N = attention.size(0), heads = attention.size(1), P = attention.size(2) * attention.size(3);
  Tensor out = Tensor::empty({N, attention.size(2), attention.size(3)});
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t p = 0; p < P; ++p) {
      double sum = 0;
      for (int64_t a = 0; a < heads; ++a) sum += attention.data()[(n * heads + a) * P + p];
      out.data()[n * P + p] = static_cast<float>(sum / static_cast<double>(heads));
    }
  }
  return out;
}

}  // namespace poolnet
