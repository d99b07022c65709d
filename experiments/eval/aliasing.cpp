// The aliasing suite (aliasing.h; docs/metrics.md, "Aliasing").
#include "experiments/eval/aliasing.h"

#include <fmt/format.h>

#include <algorithm>
#include <complex>
#include <cstring>

#include "framework/autograd.h"
#include "framework/fft.h"
#include "framework/ops/shape_ops.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
using fft::Complex;

// One plane [H,W]: its energy, with flags[u] / flags[H + v] saying which rows / columns alias.
SpectralEnergy plane_energy(const float* x, int64_t H, int64_t W, const std::vector<char>& flags) {
  const int64_t n = H * W;
  Complex* a = fft::scratch_plane(0, n);
  Complex* spectrum = fft::scratch_plane(1, n);
  for (int64_t i = 0; i < n; ++i) a[i] = Complex(x[i], 0.0f);
  fft::transform2d(a, spectrum, H, W, fft::Direction::kForward);
  SpectralEnergy e;
  for (int64_t u = 0; u < H; ++u) {
    for (int64_t v = 0; v < W; ++v) {
      const std::complex<double> z = spectrum[u * W + v];
      const double energy = std::norm(z);
      e.total += energy;
      if (flags[static_cast<size_t>(u)] || flags[static_cast<size_t>(H + v)]) e.aliased += energy;
    }
  }
  return e;
}

}  // namespace

bool above_nyquist(int64_t k, int64_t n, int64_t s) { return 2 * s * std::min(k, n - k) > n; }

SpectralEnergy spectral_energy(const Tensor& x, Size2d stride) {
  const int64_t H = x.size(2), W = x.size(3), planes = x.size(0) * x.size(1);
  if (H * W == 0 || planes == 0) return {};
  std::vector<char> flags(static_cast<size_t>(H + W));
  for (int64_t u = 0; u < H; ++u) flags[static_cast<size_t>(u)] = above_nyquist(u, H, stride.h);
  for (int64_t v = 0; v < W; ++v) flags[static_cast<size_t>(H + v)] = above_nyquist(v, W, stride.w);
  std::vector<SpectralEnergy> per_plane(static_cast<size_t>(planes));
  const float* px = x.data();
  parallel::parallel_for(0, planes, std::max<int64_t>(1, 4096 / (H * W)), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) per_plane[static_cast<size_t>(q)] = plane_energy(px + q * H * W, H, W, flags);
  });
  SpectralEnergy sum;  // in plane order: the same at any thread count
  for (const auto& p : per_plane) {
    sum.aliased += p.aliased;
    sum.total += p.total;
  }
  return sum;
}

double aliased_share(const SpectralEnergy& e) { return e.total > 0 ? e.aliased / e.total : 0.0; }

std::vector<DownsamplingLayer> downsampling_layers(const Model& model) {
  std::vector<DownsamplingLayer> out;
  Size2d cumulative{1, 1};
  size_t index = 0;
  for (const auto& [prefix, stage] :
       {std::pair{"features", &model.features()}, std::pair{"classifier", &model.classifier()}}) {
    for (const auto& [name, child] : stage->children()) {
      const Size2d before = cumulative;
      for (const Window& w : child->windows()) {
        if (w.global) return out;
        cumulative = {cumulative.h * w.stride.h, cumulative.w * w.stride.w};
      }
      if (cumulative.h > before.h || cumulative.w > before.w)
        out.push_back({fmt::format("{}.{}", prefix, name), index, {cumulative.h / before.h, cumulative.w / before.w}});
      ++index;
    }
  }
  return out;
}

SuiteResult aliasing_suite(const SuiteInput& in) {
  NoGradGuard no_grad;
  Model& model = suite_model(in, "aliasing");
  model.eval();
  const std::vector<DownsamplingLayer> layers = downsampling_layers(model);
  std::vector<SpectralEnergy> energy(layers.size());
  const int64_t N = in.images.size(0), batch = std::max<int64_t>(1, in.options.batch);
  for (int64_t b0 = 0; b0 < N && !layers.empty(); b0 += batch) {
    const Tensor x = suite_normalise(in, narrow(in.images, 0, b0, std::min(N, b0 + batch) - b0));
    const std::vector<LayerOutput> trace = model.trace(x);
    for (size_t l = 0; l < layers.size(); ++l) {
      const size_t i = layers[l].trace_index;
      const SpectralEnergy e = spectral_energy(i == 0 ? x : trace.at(i - 1).value, layers[l].stride);
      energy[l].aliased += e.aliased;
      energy[l].total += e.total;
    }
  }
  SuiteCurve curve{"aliasing", "layer", "index", {}, "aliased_energy"};
  double sum = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const double share = aliased_share(energy[l]);
    sum += share;
    curve.points.push_back({layers[l].name, static_cast<double>(l + 1), share});
  }
  const double mean = layers.empty() ? 0.0 : sum / static_cast<double>(layers.size());
  return {"aliasing", {{"aliasing_mean", mean}}, {curve}};
}

}  // namespace poolnet
