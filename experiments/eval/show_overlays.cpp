// The overlays and spectra of `poolnet show` (show_overlays.h; docs/metrics.md, "Layer panels"):
// thin layers over the localization, erf and aliasing suites' definitions.
#include "experiments/eval/show_overlays.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <complex>

#include "experiments/eval/aliasing.h"
#include "experiments/eval/localization.h"
#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/fft.h"
#include "layers/attention_heads.h"

namespace poolnet {

namespace {
// Index of the first maximum of v[0 .. n).
int64_t first_max(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; ++k) {
    if (v[k] > v[best]) best = k;
  }
  return best;
}

// Source position and weight of the second neighbour for output index Y of a bilinear resize n -> N.
struct Tap {
  int64_t lo = 0, hi = 0;
  double t = 0;
};
Tap bilinear_tap(int64_t Y, int64_t n, int64_t N) {
  const double src = std::clamp((static_cast<double>(Y) + 0.5) * static_cast<double>(n) / static_cast<double>(N) - 0.5,
                                0.0, static_cast<double>(n - 1));
  const auto lo = static_cast<int64_t>(std::floor(src));
  return {lo, std::min(lo + 1, n - 1), src - static_cast<double>(lo)};
}
}  // namespace

std::string cam_unavailable(const Model& model) {
  const MapRule rule = map_rule(model);
  return rule.kind == MapRule::Kind::kNone ? rule.reason : std::string();
}

std::vector<float> upsample_bilinear(const float* map, int64_t h, int64_t w, int64_t H, int64_t W) {
  std::vector<float> out(static_cast<size_t>(H * W));
  for (int64_t y = 0; y < H; ++y) {
    const Tap r = bilinear_tap(y, h, H);
    for (int64_t x = 0; x < W; ++x) {
      const Tap c = bilinear_tap(x, w, W);
      const double top = (1 - c.t) * map[r.lo * w + c.lo] + c.t * map[r.lo * w + c.hi];
      const double bottom = (1 - c.t) * map[r.hi * w + c.lo] + c.t * map[r.hi * w + c.hi];
      out[static_cast<size_t>(y * W + x)] = static_cast<float>((1 - r.t) * top + r.t * bottom);
    }
  }
  return out;
}

CamOverlay cam_overlay(Model& model, const Tensor& inputs) {
  const MapRule rule = map_rule(model);
  if (rule.kind == MapRule::Kind::kNone)
    throw ConfigError(fmt::format("cam overlay: {}: {}", canonical_name(model.spec()), rule.reason));
  if (inputs.dim() != 4 || inputs.size(0) < 1)
    throw ShapeError(fmt::format("cam overlay: expected images [S, C, H, W], got {}", shape_str(inputs.shape())));
  NoGradGuard no_grad;
  model.eval();
  Tensor last = inputs;
  std::vector<Window> windows;
  for (size_t k = 0; k < model.features().size(); ++k) {
    last = model.features()[k].forward(last);
    for (const Window& w : model.features()[k].windows()) windows.push_back(w);
  }
  if (last.dim() != 4)
    throw ShapeError(fmt::format("cam overlay: the last feature map is {}, not [S, C, h, w]", shape_str(last.shape())));
  const Tensor logits = model.classifier().forward(last);  // the attention heads keep this forward's weights
  const int64_t S = inputs.size(0), K = logits.size(1);
  CamOverlay o;
  for (int64_t d = 0; d < S; ++d) o.predicted.push_back(static_cast<int32_t>(first_max(logits.data() + d * K, K)));
  o.target = o.predicted[0];
  Tensor maps;
  if (rule.kind == MapRule::Kind::kCam) {
    o.kind = "cam";
    maps = class_activation_maps(last, rule.weights, std::vector<int32_t>(static_cast<size_t>(S), o.target));
  } else {
    o.kind = "attention";
    maps = mean_over_heads(dynamic_cast<const AttentionHead&>(model.classifier()[0]).attention());
  }
  o.stride = cumulative_stride(windows);
  o.map_height = maps.size(1);
  o.map_width = maps.size(2);
  o.height = inputs.size(2);
  o.width = inputs.size(3);
  const int64_t P = o.map_height * o.map_width;
  for (int64_t d = 0; d < S; ++d) {
    const float* m = maps.data() + d * P;
    o.maps.emplace_back(m, m + P);
    o.upsampled.push_back(upsample_bilinear(m, o.map_height, o.map_width, o.height, o.width));
    const int64_t best = first_max(m, P);
    o.peak.push_back({best / o.map_width, best % o.map_width});
  }
  return o;
}

std::vector<ErfLayer> erf_overlay_layers(Model& model, const Tensor& input) {
  std::vector<ErfLayer> all = effective_receptive_fields(model, input, 1);
  std::vector<ErfLayer> out;
  int64_t stride = 1;
  for (size_t k = 0; k < all.size(); ++k) {
    if (all[k].stride > stride || k + 1 == all.size()) {
      stride = all[k].stride;
      out.push_back(std::move(all[k]));
    }
  }
  return out;
}

PowerSpectrum centred_power_spectrum(const Tensor& x) {
  if (x.dim() != 4 || x.size(0) != 1)
    throw ShapeError(fmt::format("power spectrum: expected one map [1, C, H, W], got {}", shape_str(x.shape())));
  const int64_t C = x.size(1), H = x.size(2), W = x.size(3), n = H * W;
  PowerSpectrum s{H, W, std::vector<double>(static_cast<size_t>(n), 0.0)};
  fft::Complex* a = fft::scratch_plane(0, n);
  fft::Complex* spectrum = fft::scratch_plane(1, n);
  for (int64_t c = 0; c < C; ++c) {
    const float* plane = x.data() + c * n;
    for (int64_t i = 0; i < n; ++i) a[i] = fft::Complex(plane[i], 0.0f);
    fft::transform2d(a, spectrum, H, W, fft::Direction::kForward);
    for (int64_t u = 0; u < H; ++u) {
      for (int64_t v = 0; v < W; ++v) {
        const int64_t p = (u + H / 2) % H, q = (v + W / 2) % W;  // fftshift
        s.power[static_cast<size_t>(p * W + q)] += std::norm(std::complex<double>(spectrum[u * W + v]));
      }
    }
  }
  for (double& v : s.power) v /= static_cast<double>(std::max<int64_t>(C, 1));
  return s;
}

std::vector<LayerSpectra> layer_spectra(Model& model, const Tensor& input) {
  if (input.dim() != 4 || input.size(0) != 1)
    throw ShapeError(fmt::format("layer spectra: expected one image [1, C, H, W], got {}", shape_str(input.shape())));
  NoGradGuard no_grad;
  model.eval();
  const std::vector<LayerOutput> trace = model.trace(input);
  std::vector<LayerSpectra> out;
  for (const DownsamplingLayer& l : downsampling_layers(model)) {
    const Tensor& in = l.trace_index == 0 ? input : trace.at(l.trace_index - 1).value;
    const Tensor& result = trace.at(l.trace_index).value;
    out.push_back({l.name, l.stride, centred_power_spectrum(in), centred_power_spectrum(result),
                   aliased_share(spectral_energy(in, l.stride))});
  }
  return out;
}

}  // namespace poolnet
