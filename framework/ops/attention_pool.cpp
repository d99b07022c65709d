#include "framework/ops/attention_pool.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/geometry.h"
#include "framework/parallel.h"
#include "framework/profile.h"

namespace poolnet {

namespace {
constexpr float kShiftEps = 1e-6f;

void require_tokens(const Tensor& t, const char* op, const char* name) {
  if (t.dim() != 3) {
    throw ShapeError(fmt::format("{}: {} must be [N, L, C], got {}", op, name, shape_str(t.shape())));
  }
}
}  // namespace

Tensor to_tokens(const Tensor& x) {
  require_nchw(x.shape(), "to_tokens");
  const int64_t N = x.size(0), C = x.size(1), L = x.size(2) * x.size(3);
  Tensor y = Tensor::empty({N, L, C});
  const float* xd = x.data();
  float* yd = y.data();
  parallel::parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t l = 0; l < L; ++l) yd[(n * L + l) * C + c] = xd[(n * C + c) * L + l];
      }
    }
  });
  if (needs_grad({x})) {
    record(y, "to_tokens", {x}, [x, N, C, L](const Tensor& gy) {
      float* gx = grad_buffer(x);
      const float* g = gy.data();
      parallel::parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
        for (int64_t n = b; n < e; ++n) {
          for (int64_t c = 0; c < C; ++c) {
            for (int64_t l = 0; l < L; ++l) gx[(n * C + c) * L + l] += g[(n * L + l) * C + c];
          }
        }
      });
    });
  }
  return y;
}

Tensor shifted_power(const Tensor& v, float gamma) {
  require_tokens(v, "shifted_power", "v");
  const int64_t N = v.size(0), L = v.size(1), C = v.size(2);
  if (L < 1) throw ShapeError(fmt::format("shifted_power: no tokens (v={})", shape_str(v.shape())));
  Tensor y = Tensor::empty(v.shape());
  Tensor minima = Tensor::empty({N, C});
  const float* vd = v.data();
  parallel::parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      const float* vn = vd + n * L * C;
      float* mn = minima.data() + n * C;
      for (int64_t c = 0; c < C; ++c) mn[c] = vn[c];
      for (int64_t l = 1; l < L; ++l) {
        for (int64_t c = 0; c < C; ++c) {
          const float t = vn[l * C + c];
          mn[c] = (t < mn[c] || std::isnan(t)) ? t : mn[c];
        }
      }
      for (int64_t l = 0; l < L; ++l) {
        const float* vl = vn + l * C;
        float* yl = y.data() + (n * L + l) * C;
        if (gamma == 2.0f) {  // SimPool's CNN default: a product, as PyTorch's pow computes a square
          for (int64_t c = 0; c < C; ++c) yl[c] = (vl[c] - mn[c] + kShiftEps) * (vl[c] - mn[c] + kShiftEps);
        } else {
          for (int64_t c = 0; c < C; ++c) yl[c] = std::pow(vl[c] - mn[c] + kShiftEps, gamma);
        }
      }
    }
  });
  check_finite(y, "shifted_power", "output");
  if (needs_grad({v})) {
    record(y, "shifted_power", {v}, [v, minima, N, L, C, gamma](const Tensor& gy) {
      float* gv = grad_buffer(v);
      parallel::parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
        std::vector<float> total(static_cast<size_t>(C)), ties(static_cast<size_t>(C));
        for (int64_t n = b; n < e; ++n) {
          const float* vn = v.data() + n * L * C;
          const float* mn = minima.data() + n * C;
          const float* g = gy.data() + n * L * C;
          std::fill(total.begin(), total.end(), 0.0f);
          std::fill(ties.begin(), ties.end(), 0.0f);
          for (int64_t l = 0; l < L; ++l) {
            for (int64_t c = 0; c < C; ++c) {
              const int64_t i = l * C + c;
              const float z = vn[i] - mn[c] + kShiftEps;
              const float d = gamma * (gamma == 2.0f ? z : std::pow(z, gamma - 1.0f)) * g[i];
              gv[n * L * C + i] += d;
              total[c] += d;
              ties[c] += vn[i] == mn[c] ? 1.0f : 0.0f;
            }
          }
          for (int64_t l = 0; l < L; ++l) {
            for (int64_t c = 0; c < C; ++c) {
              if (vn[l * C + c] == mn[c]) gv[n * L * C + l * C + c] -= total[c] / ties[c];
            }
          }
        }
      });
    });
  }
  return y;
}

AttentionPoolResult attention_pool(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads) {
  require_tokens(k, "attention_pool", "k");
  const int64_t N = k.size(0), L = k.size(1), C = k.size(2);
  if (q.shape() != Shape{N, C} || v.shape() != k.shape() || L < 1 || heads < 1 || C % heads != 0) {
    throw ShapeError(
        fmt::format("attention_pool: needs q [N,C], k and v [N,L,C] with L >= 1 and C divisible by "
                    "heads, got q={}, k={}, v={}, heads={}",
                    shape_str(q.shape()), shape_str(k.shape()), shape_str(v.shape()), heads));
  }
  const int64_t D = C / heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  Tensor out = Tensor::zeros({N, C}), weights = Tensor::empty({N, heads, L});
  count_macs(2 * N * L * C);
  parallel::parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      const float* qn = q.data() + n * C;
      const float* kn = k.data() + n * L * C;
      const float* vn = v.data() + n * L * C;
      float* on = out.data() + n * C;
      for (int64_t h = 0; h < heads; ++h) {
        float* a = weights.data() + (n * heads + h) * L;
        float top = -INFINITY;
        for (int64_t l = 0; l < L; ++l) {
          float s = 0.0f;
          for (int64_t d = 0; d < D; ++d) s += qn[h * D + d] * kn[l * C + h * D + d];
          a[l] = s * scale;
          top = (a[l] > top || std::isnan(a[l])) ? a[l] : top;
        }
        float total = 0.0f;
        for (int64_t l = 0; l < L; ++l) total += (a[l] = std::exp(a[l] - top));
        for (int64_t l = 0; l < L; ++l) {
          a[l] /= total;
          for (int64_t d = 0; d < D; ++d) on[h * D + d] += a[l] * vn[l * C + h * D + d];
        }
      }
    }
  });
  check_finite(out, "attention_pool", "output");
  if (needs_grad({q, k, v})) {
    record(out, "attention_pool", {q, k, v}, [q, k, v, weights, N, L, C, D, heads, scale](const Tensor& gout) {
      float* gq = q.requires_grad() ? grad_buffer(q) : nullptr;
      float* gk = k.requires_grad() ? grad_buffer(k) : nullptr;
      float* gv = v.requires_grad() ? grad_buffer(v) : nullptr;
      parallel::parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
        std::vector<float> gs(static_cast<size_t>(L));
        for (int64_t n = b; n < e; ++n) {
          const float* qn = q.data() + n * C;
          const float* kn = k.data() + n * L * C;
          const float* vn = v.data() + n * L * C;
          const float* go = gout.data() + n * C;
          for (int64_t h = 0; h < heads; ++h) {
            const float* a = weights.data() + (n * heads + h) * L;
            float mean_ga = 0.0f;  // sum_l a_l ga_l, ga_l = go . v_l
            for (int64_t l = 0; l < L; ++l) {
              float ga = 0.0f;
              for (int64_t d = 0; d < D; ++d) {
                ga += go[h * D + d] * vn[l * C + h * D + d];
                if (gv != nullptr) gv[(n * L + l) * C + h * D + d] += a[l] * go[h * D + d];
              }
              gs[l] = ga;
              mean_ga += a[l] * ga;
            }
            for (int64_t l = 0; l < L; ++l) {
              const float g = a[l] * (gs[l] - mean_ga) * scale;  // the gradient of the scaled score
              for (int64_t d = 0; d < D; ++d) {
                if (gq != nullptr) gq[n * C + h * D + d] += g * kn[l * C + h * D + d];
                if (gk != nullptr) gk[(n * L + l) * C + h * D + d] += g * qn[h * D + d];
              }
            }
          }
        }
      });
    });
  }
  return {out, weights};
}

}  // namespace poolnet
