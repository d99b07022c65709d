#include "framework/ops/global_pool_heads.h"

#include <fmt/format.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <memory>
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

// Plane i of length L.
Eigen::Map<const Eigen::ArrayXf> plane(const float* data, int64_t i, int64_t L) { return {data + i * L, L}; }

// max(x, eps), NaN kept (x < eps is false for NaN).
auto clamped(const Eigen::Map<const Eigen::ArrayXf>& x) { return (x < kGemEps).select(kGemEps, x); }

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
  // Per plane: z^p (vectorised float exp and log, as PyTorch's pow computes it) and its mean S,
  // both kept for the backward; the sums in double, in position order.
  auto powers = std::make_shared<std::vector<float>>(static_cast<size_t>(planes * L));
  std::vector<float> inner(static_cast<size_t>(planes));
  const float* xd = x.data();
  parallel::parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      Eigen::Map<Eigen::ArrayXf> zp(powers->data() + i * L, L);
      zp = (pv * clamped(plane(xd, i, L)).log()).exp();
      double s = 0.0;
      for (int64_t l = 0; l < L; ++l) s += zp[l];
      inner[i] = static_cast<float>(s / static_cast<double>(L));
      y.data()[i] = static_cast<float>(std::pow(s / static_cast<double>(L), 1.0 / pv));
    }
  });
  check_finite(y, "gem_pool", "output");
  if (needs_grad({x, p})) {
    record(y, "gem_pool", {x, p},
           [x, p, yd = y.detach(), powers, inner = std::move(inner), planes, L, pv](const Tensor& gy) {
             float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
             std::vector<double> gp(static_cast<size_t>(planes), 0.0);
             const float* xd = x.data();
             parallel::parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
               Eigen::ArrayXf z(L), logz(L);
               for (int64_t i = b; i < e; ++i) {
                 const double yi = yd.data()[i], S = inner[i], g = gy.data()[i];
                 const auto xi = plane(xd, i, L);
                 const Eigen::Map<const Eigen::ArrayXf> zp(powers->data() + i * L, L);
                 z = clamped(xi);
                 logz = z.log();
                 if (gx != nullptr) {
                   // dy/dx = y z^(p-1) / (L S) where x >= eps (or NaN), else 0.
                   const auto scale = static_cast<float>(g * yi / (static_cast<double>(L) * S));
                   Eigen::Map<Eigen::ArrayXf> gxi(gx + i * L, L);
                   gxi += (xi < kGemEps).select(0.0f, scale * zp / z);
                 }
                 double zlogz = 0.0;
                 for (int64_t l = 0; l < L; ++l) zlogz += static_cast<double>(zp[l]) * logz[l];
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
  // Per plane: the maximum m, exp(r (x - m)) (vectorised float exp) and its mean S, kept for the
  // backward; the sums in double, in position order.
  auto exps = std::make_shared<std::vector<float>>(static_cast<size_t>(planes * L));
  std::vector<float> maxima(static_cast<size_t>(planes)), inner(static_cast<size_t>(planes));
  const float* xd = x.data();
  parallel::parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* xi = xd + i * L;
      float m = xi[0];
      for (int64_t l = 1; l < L; ++l) m = (xi[l] > m || std::isnan(xi[l])) ? xi[l] : m;
      Eigen::Map<Eigen::ArrayXf> w(exps->data() + i * L, L);
      w = (rv * (plane(xd, i, L) - m)).exp();
      double s = 0.0;
      for (int64_t l = 0; l < L; ++l) s += w[l];
      s /= static_cast<double>(L);
      maxima[i] = m;
      inner[i] = static_cast<float>(s);
      y.data()[i] = static_cast<float>(m + std::log(s) / rv);
    }
  });
  check_finite(y, "lse_pool", "output");
  if (needs_grad({x, r})) {
    record(y, "lse_pool", {x, r},
           [x, r, exps, maxima = std::move(maxima), inner = std::move(inner), planes, L, rv](const Tensor& gy) {
             float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
             std::vector<double> gr(static_cast<size_t>(planes), 0.0);
             const float* xd = x.data();
             parallel::parallel_for(0, planes, kPlaneGrain, [&](int64_t b, int64_t e) {
               for (int64_t i = b; i < e; ++i) {
                 const double m = maxima[i], S = inner[i], g = gy.data()[i];
                 const Eigen::Map<const Eigen::ArrayXf> w(exps->data() + i * L, L);  // times L S: the weights
                 if (gx != nullptr) {
                   Eigen::Map<Eigen::ArrayXf> gxi(gx + i * L, L);
                   gxi += static_cast<float>(g / (static_cast<double>(L) * S)) * w;
                 }
                 double spread = 0.0;  // sum_l w_l (x_l - m), w_l the weights
                 for (int64_t l = 0; l < L; ++l) spread += static_cast<double>(w[l]) * (xd[i * L + l] - m);
                 spread /= static_cast<double>(L) * S;
                 gr[i] = g * (-std::log(S) / (static_cast<double>(rv) * rv) + spread / rv);
               }
             });
             if (r.requires_grad()) add_exponent_grad(r, gr);
           });
  }
  return y;
}

}  // namespace poolnet
