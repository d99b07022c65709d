#include "framework/ops/spectral_crop.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "framework/autograd.h"
#include "framework/fft.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
using fft::Complex;
using fft::Direction;

struct CropGeometry {
  int64_t H, W, OH, OW;
};

// The weight of output frequency (j, l), scale included, rounded once to float.
std::vector<float> crop_weights(const SpectralCrop& c) {
  std::vector<float> w(c.rows.source.size() * c.cols.source.size());
  for (size_t j = 0; j < c.rows.source.size(); ++j) {
    for (size_t l = 0; l < c.cols.source.size(); ++l) {
      w[j * c.cols.source.size() + l] = static_cast<float>(c.scale * c.rows.weight[j] * c.cols.weight[l]);
    }
  }
  return w;
}

// Everything a plane's forward and backward read: the geometry, the flat source index of every
// output frequency and its weight.
struct CropPlan {
  CropGeometry g;
  std::vector<int64_t> source;  // [OH*OW]: row * W + col in the input spectrum
  std::vector<float> weight;    // [OH*OW]
  bool magnitude;
};

CropPlan make_plan(const Tensor& x, const SpectralCrop& c) {
  CropPlan p{
      {x.size(2), x.size(3), static_cast<int64_t>(c.rows.source.size()), static_cast<int64_t>(c.cols.source.size())},
      {},
      crop_weights(c),
      c.magnitude};
  p.source.reserve(p.weight.size());
  for (int64_t r : c.rows.source) {
    for (int64_t k : c.cols.source) p.source.push_back(r * p.g.W + k);
  }
  return p;
}

// One plane: y [OH,OW] from x [H,W]; z_keep [OH,OW] (complex) receives z when not null. FFTW only
// ever sees the thread's aligned scratch planes.
void spectral_crop_forward(const CropPlan& p, const float* x, Complex* z_keep, float* y) {
  const int64_t in = p.g.H * p.g.W, out = p.g.OH * p.g.OW;
  Complex* a = fft::scratch_plane(0, in);
  Complex* spectrum = fft::scratch_plane(1, in);
  Complex* selected = fft::scratch_plane(2, out);
  Complex* z = fft::scratch_plane(3, out);
  for (int64_t i = 0; i < in; ++i) a[i] = Complex(x[i], 0.0f);
  fft::transform2d(a, spectrum, p.g.H, p.g.W, Direction::kForward);
  for (int64_t o = 0; o < out; ++o) selected[o] = p.weight[o] * spectrum[p.source[o]];
  fft::transform2d(selected, z, p.g.OH, p.g.OW, Direction::kInverse);
  for (int64_t o = 0; o < out; ++o) y[o] = p.magnitude ? std::abs(z[o]) : z[o].real();
  if (z_keep != nullptr) std::copy(z, z + out, z_keep);
}

// One plane: gx [H,W] += Re(F S^T F^{-1} g), g from gy [OH,OW] (and z for the magnitude).
void spectral_crop_backward(const CropPlan& p, const Complex* z, const float* gy, float* gx) {
  const int64_t in = p.g.H * p.g.W, out = p.g.OH * p.g.OW;
  Complex* g = fft::scratch_plane(0, out);
  Complex* e = fft::scratch_plane(1, out);
  Complex* scattered = fft::scratch_plane(2, in);
  Complex* back = fft::scratch_plane(3, in);
  for (int64_t o = 0; o < out; ++o) {
    if (!p.magnitude) {
      g[o] = Complex(gy[o], 0.0f);
    } else {
      const float r = std::abs(z[o]);
      g[o] = r == 0.0f ? Complex(0.0f, 0.0f) : gy[o] * std::conj(z[o]) / r;
    }
  }
  fft::transform2d(g, e, p.g.OH, p.g.OW, Direction::kInverse);
  std::fill(scattered, scattered + in, Complex(0.0f, 0.0f));
  for (int64_t o = 0; o < out; ++o) scattered[p.source[o]] = p.weight[o] * e[o];
  fft::transform2d(scattered, back, p.g.H, p.g.W, Direction::kForward);
  for (int64_t i = 0; i < in; ++i) gx[i] += back[i].real();
}

int64_t plane_grain(const CropGeometry& g) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.H * g.W)); }
}  // namespace

Tensor spectral_crop2d(const Tensor& x, const SpectralCrop& c) {
  auto plan = std::make_shared<const CropPlan>(make_plan(x, c));
  const CropGeometry& g = plan->g;
  const int64_t planes = x.size(0) * x.size(1), plane_in = g.H * g.W, plane_out = g.OH * g.OW;
  Tensor y = Tensor::empty({x.size(0), x.size(1), g.OH, g.OW});
  // z [N*C, OH*OW], kept for the magnitude's backward (the real part's backward needs only gy)
  auto z = std::make_shared<std::vector<Complex>>(c.magnitude ? static_cast<size_t>(planes * plane_out) : 0);
  const float* px = x.data();
  parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      Complex* zq = c.magnitude ? z->data() + q * plane_out : nullptr;
      spectral_crop_forward(*plan, px + q * plane_in, zq, y.data() + q * plane_out);
    }
  });
  check_finite(y, c.op, "output");
  if (needs_grad({x})) {
    record(y, c.op, {x}, [x, plan, z, planes, plane_in, plane_out](const Tensor& gy) {
      float* gx = grad_buffer(x);
      parallel::parallel_for(0, planes, plane_grain(plan->g), [&](int64_t b, int64_t e) {
        for (int64_t q = b; q < e; ++q) {
          const Complex* zq = plan->magnitude ? z->data() + q * plane_out : nullptr;
          spectral_crop_backward(*plan, zq, gy.data() + q * plane_out, gx + q * plane_in);
        }
      });
    });
  }
  return y;
}

}  // namespace poolnet
