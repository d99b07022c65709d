#include "framework/ops/global_pool_heads.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/geometry.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
constexpr int64_t kPlaneGrain = 64;

void check_shapes(const Tensor& x, const Tensor& exponent, const char* op, const char* name) {
  require_nchw(x.shape(), op);
  if (x.size(2) * x.size(3) < 1) throw ShapeError(fmt::format("{}: empty map (x={})", op, shape_str(x.shape())));
  if (exponent.numel() != 1 || exponent.dim() > 1) {
    throw ShapeError(fmt::format("{}: {} must hold one element ([1] or []), got {} (x={})", op, name,
                                 shape_str(exponent.shape()), shape_str(x.shape())));
  }
}

float clamped(float v) { return v >= kGemEps || std::isnan(v) ? v : kGemEps; }

// The exponent's gradient: per-plane terms summed in plane order.
void add_exponent_grad(const Tensor& exponent, const std::vector<double>& per_plane) {
  double total = 0.0;
  for (double t : per_plane) total += t;
  grad_buffer(exponent)[0] += static_cast<float>(total);
}
}  // namespace

Tensor gem_pool(const Tensor& x, const Tensor& p) {
  check_shapes(x, p, "gem_pool", "p");
  const int64_t planes = x.size(0) * x.size(1), L = x.size(2) * x.size(3);
  const float pv = p.data()[0];
  Tensor y = Tensor::empty({x.size(0), x.size(1)});
  std::vector<float> inner(static_cast<size_t>(planes));  // S per plane, for the backward
  const float* xd = x.data();
  parallel::parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double s = 0.0;
      for (int64_t l = 0; l < L; ++l) s += std::pow(static_cast<double>(clamped(xd[i * L + l])), pv);
      inner[i] = static_cast<float>(s / static_cast<double>(L));
      y.data()[i] = static_cast<float>(std::pow(s / static_cast<double>(L), 1.0 / pv));
    }
  });
  check_finite(y, "gem_pool", "output");
  if (needs_grad({x, p})) {
    record(y, "gem_pool", {x, p}, [x, p, yd = y.detach(), inner = std::move(inner), planes, L, pv](const Tensor& gy) {
      float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
      std::vector<double> gp(static_cast<size_t>(planes), 0.0);
      const float* xd = x.data();
      parallel::parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const double yi = yd.data()[i], S = inner[i], g = gy.data()[i];
          double zlogz = 0.0;
          for (int64_t l = 0; l < L; ++l) {
            const double v = xd[i * L + l], z = clamped(static_cast<float>(v));
            if (gx != nullptr && (v >= kGemEps || std::isnan(v))) {
              gx[i * L + l] += static_cast<float>(g * yi * std::pow(z, pv - 1.0) / (static_cast<double>(L) * S));
            }
            zlogz += std::pow(z, pv) * std::log(z);
          }
          gp[i] = g * yi * (-std::log(S) / (pv * pv) + zlogz / (static_cast<double>(L) * S * pv));
        }
      });
      if (p.requires_grad()) add_exponent_grad(p, gp);
    });
  }
  return y;
}

Tensor lse_pool(const Tensor& x, const Tensor& r) {
  check_shapes(x, r, "lse_pool", "r");
  const int64_t planes = x.size(0) * x.size(1), L = x.size(2) * x.size(3);
  const float rv = r.data()[0];
  Tensor y = Tensor::empty({x.size(0), x.size(1)});
  std::vector<float> maxima(static_cast<size_t>(planes)), inner(static_cast<size_t>(planes));
  const float* xd = x.data();
  parallel::parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* xi = xd + i * L;
      float m = xi[0];
      for (int64_t l = 1; l < L; ++l) m = (xi[l] > m || std::isnan(xi[l])) ? xi[l] : m;
      double s = 0.0;
      for (int64_t l = 0; l < L; ++l) s += std::exp(static_cast<double>(rv) * (xi[l] - m));
      s /= static_cast<double>(L);
      maxima[i] = m;
      inner[i] = static_cast<float>(s);
      y.data()[i] = static_cast<float>(m + std::log(s) / rv);
    }
  });
  check_finite(y, "lse_pool", "output");
  if (needs_grad({x, r})) {
    record(y, "lse_pool", {x, r},
           [x, r, maxima = std::move(maxima), inner = std::move(inner), planes, L, rv](const Tensor& gy) {
             float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
             std::vector<double> gr(static_cast<size_t>(planes), 0.0);
             const float* xd = x.data();
             parallel::parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
               for (int64_t i = b; i < e; ++i) {
                 const double m = maxima[i], S = inner[i], g = gy.data()[i];
                 double spread = 0.0;  // sum_l w_l (x_l - m)
                 for (int64_t l = 0; l < L; ++l) {
                   const double d = xd[i * L + l] - m, w = std::exp(rv * d) / (static_cast<double>(L) * S);
                   if (gx != nullptr) gx[i * L + l] += static_cast<float>(g * w);
                   spread += w * d;
                 }
                 gr[i] = g * (-std::log(S) / (static_cast<double>(rv) * rv) + spread / rv);
               }
             });
             if (r.requires_grad()) add_exponent_grad(r, gr);
           });
  }
  return y;
}

}  // namespace poolnet
