#include "framework/ops/dpp_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/parallel.h"

namespace poolnet {

Shape dpp_pool2d_out_shape(const Shape& x, const Shape& log_alpha, const Shape& log_lambda, const DppPool& o) {
  require_nchw(x, "dpp_pool2d");
  if (o.window.h < 1 || o.window.w < 1) {
    throw ShapeError(fmt::format("dpp_pool2d: window must be >= 1, got {} (x={})", to_string(o.window), shape_str(x)));
  }
  if (o.window.h > x[2] || o.window.w > x[3]) {
    throw ShapeError(fmt::format("dpp_pool2d: window {} does not fit input {}x{} (x={})", to_string(o.window), x[2],
                                 x[3], shape_str(x)));
  }
  const Shape per_channel{x[1]};
  if (log_alpha != per_channel || log_lambda != per_channel) {
    throw ShapeError(
        fmt::format("dpp_pool2d: expected log_alpha and log_lambda of shape [{}] (one per channel of "
                    "x={}), got log_alpha={}, log_lambda={}",
                    x[1], shape_str(x), shape_str(log_alpha), shape_str(log_lambda)));
  }
  return {x[0], x[1], x[2] / o.window.h, x[3] / o.window.w};
}

namespace {
struct DppGeometry {
  int64_t C, H, W, OH, OW, KH, KW;
  int64_t K() const { return KH * KW; }
};

// One channel's rewards: alpha = exp(min(log_alpha, 10)), half = lambda / 2 = exp(log_lambda) / 2.
struct DppRewards {
  float alpha, half;
};

DppRewards rewards_of(const Tensor& log_alpha, const Tensor& log_lambda, int64_t c) {
  return {std::exp(std::min(log_alpha.data()[c], kDppLogAlphaMax)), std::exp(log_lambda.data()[c]) / 2.0f};
}

// One window's quantities (all K-long arrays are the window's values in row-major order), in a
// buffer on the stack for windows up to 4x4 (no allocation per plane), else on the heap.
struct DppWindow {
  static constexpr int64_t kInline = 16;
  float inline_buffer[6 * kInline];
  std::vector<float> heap;
  // value, v - guide, squared difference + eps^2, ln(s / mean(s)), r^half = exp(half ln r), weight
  float *v, *d, *s, *log_r, *p, *w;
  int64_t K;
  float s_mean = 0, w_sum = 0, y = 0;

  explicit DppWindow(int64_t count) : K(count) {
    float* base = inline_buffer;
    if (K > kInline) {
      heap.resize(static_cast<size_t>(6 * K));
      base = heap.data();
    }
    v = base, d = base + K, s = base + 2 * K, log_r = base + 3 * K, p = base + 4 * K, w = base + 5 * K;
  }
  DppWindow(const DppWindow&) = delete;
  DppWindow& operator=(const DppWindow&) = delete;

  void load(const DppGeometry& g, const float* x, int64_t oh, int64_t ow) {
    for (int64_t i = 0; i < g.KH; ++i) {
      const float* row = x + (oh * g.KH + i) * g.W + ow * g.KW;
      for (int64_t j = 0; j < g.KW; ++j) v[i * g.KW + j] = row[j];
    }
  }

  // The forward pass of the loaded window. A window cache is 2K floats, ln r then p: `cached`, when
  // given, supplies them (the backward pass skips the log and exp); else `store`, when given, receives them.
  void compute(DppRewards rw, const float* cached, float* store) {
    const float inv_k = 1.0f / static_cast<float>(K);
    float v_sum = 0.0f;
    for (int64_t i = 0; i < K; ++i) v_sum += v[i];
    const float guide = v_sum * inv_k;
    float s_sum = 0.0f;
    for (int64_t i = 0; i < K; ++i) {
      d[i] = v[i] - guide;
      s[i] = d[i] * d[i] + kDppEpsilonSquared;
      s_sum += s[i];
    }
    s_mean = s_sum * inv_k;
    float wv_sum = 0.0f;
    w_sum = 0.0f;
    for (int64_t i = 0; i < K; ++i) {
      if (cached) {
        log_r[i] = cached[i];
        p[i] = cached[K + i];
      } else {
        log_r[i] = std::log(s[i] / s_mean);
        p[i] = std::exp(rw.half * log_r[i]);
        if (store != nullptr) store[i] = log_r[i], store[K + i] = p[i];
      }
      w[i] = rw.alpha + p[i];
      w_sum += w[i];
      wv_sum += w[i] * v[i];
    }
    y = wv_sum / w_sum;
  }
};

// One plane: y [OH,OW]; cache [OH*OW, 2K] (ln r and p of each window) unless null.
void dpp_pool2d_forward(const DppGeometry& g, DppRewards rw, const float* x, float* y, float* cache) {
  DppWindow win(g.K());
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      win.load(g, x, oh, ow);
      win.compute(rw, nullptr, cache ? cache + (oh * g.OW + ow) * 2 * g.K() : nullptr);
      y[oh * g.OW + ow] = win.y;
    }
  }
}

// One plane: gx [H,W] += the input gradient (if gx), and the plane's parts of the parameter
// gradients before their chain factors: sum gw_i (-> log_alpha) and sum gw_i p_i ln r_i (-> log_lambda).
void dpp_pool2d_backward(const DppGeometry& g, DppRewards rw, const float* x, const float* cache, const float* gy,
                         float* gx, double& alpha_part, double& lambda_part) {
  const int64_t K = g.K();
  const float inv_k = 1.0f / static_cast<float>(K);
  DppWindow win(K), grads(K);  // grads.v: the direct input gradient, grads.s: gr_i, then gd_i
  float *gv = grads.v, *gs = grads.s;
  double a_sum = 0.0, l_sum = 0.0;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      win.load(g, x, oh, ow);
      win.compute(rw, cache + (oh * g.OW + ow) * 2 * K, nullptr);
      const float go = gy[oh * g.OW + ow] / win.w_sum;
      float gr_r_sum = 0.0f;
      for (int64_t i = 0; i < K; ++i) {
        const float gw = go * (win.v[i] - win.y);
        a_sum += gw;
        l_sum += gw * win.p[i] * win.log_r[i];
        gv[i] = go * win.w[i];
        const float gr_r = gw * rw.half * win.p[i];  // gr_i r_i
        gs[i] = gr_r / win.s[i];                     // gr_i / mean(s), for now
        gr_r_sum += gr_r;
      }
      const float shift = gr_r_sum * inv_k / win.s_mean;  // mean_j(gr_j r_j) / mean(s)
      float gd_sum = 0.0f;
      for (int64_t i = 0; i < K; ++i) {
        gs[i] = 2.0f * win.d[i] * (gs[i] - shift);  // gd_i = 2 d_i gs_i
        gd_sum += gs[i];
      }
      if (gx == nullptr) continue;
      const float gd_mean = gd_sum * inv_k;
      for (int64_t i = 0; i < g.KH; ++i) {
        float* row = gx + (oh * g.KH + i) * g.W + ow * g.KW;
        for (int64_t j = 0; j < g.KW; ++j) row[j] += gv[i * g.KW + j] + (gs[i * g.KW + j] - gd_mean);
      }
    }
  }
  alpha_part = a_sum;
  lambda_part = l_sum;
}

int64_t plane_grain(const DppGeometry& g) { return std::max<int64_t>(1, 2048 / std::max<int64_t>(1, g.H * g.W)); }
}  // namespace

Tensor dpp_pool2d(const Tensor& x, const Tensor& log_alpha, const Tensor& log_lambda, const DppPool& options) {
  const Shape out_shape = dpp_pool2d_out_shape(x.shape(), log_alpha.shape(), log_lambda.shape(), options);
  const DppGeometry g{x.size(1), x.size(2), x.size(3), out_shape[2], out_shape[3], options.window.h, options.window.w};
  const int64_t planes = x.size(0) * g.C, plane_in = g.H * g.W, plane_out = g.OH * g.OW;
  Tensor y = Tensor::empty(out_shape);
  const bool grad = needs_grad({x, log_alpha, log_lambda});
  const int64_t plane_cache = plane_out * 2 * g.K();                       // ln r and p of each window
  Tensor cache = grad ? Tensor::empty({planes * plane_cache}) : Tensor{};  // for the backward pass
  const float* px = x.data();
  float* py = y.data();
  parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      dpp_pool2d_forward(g, rewards_of(log_alpha, log_lambda, q % g.C), px + q * plane_in, py + q * plane_out,
                         grad ? cache.data() + q * plane_cache : nullptr);
    }
  });
  check_finite(y, "dpp_pool2d", "output");
  if (grad) {
    record(y, "dpp_pool2d", {x, log_alpha, log_lambda},
           [x, log_alpha, log_lambda, cache, g, planes, plane_in, plane_out, plane_cache](const Tensor& gy) {
             float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
             std::vector<double> alpha_parts(planes), lambda_parts(planes);
             parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
               for (int64_t q = b; q < e; ++q) {
                 dpp_pool2d_backward(g, rewards_of(log_alpha, log_lambda, q % g.C), x.data() + q * plane_in,
                                     cache.data() + q * plane_cache, gy.data() + q * plane_out,
                                     gx ? gx + q * plane_in : nullptr, alpha_parts[q], lambda_parts[q]);
               }
             });
             const int64_t N = planes / g.C;
             float* ga = log_alpha.requires_grad() ? grad_buffer(log_alpha) : nullptr;
             float* gl = log_lambda.requires_grad() ? grad_buffer(log_lambda) : nullptr;
             for (int64_t c = 0; c < g.C; ++c) {
               double a_sum = 0.0, l_sum = 0.0;
               for (int64_t n = 0; n < N; ++n) {
                 a_sum += alpha_parts[n * g.C + c];
                 l_sum += lambda_parts[n * g.C + c];
               }
               const DppRewards rw = rewards_of(log_alpha, log_lambda, c);
               const bool capped = log_alpha.data()[c] > kDppLogAlphaMax;
               if (ga != nullptr && !capped) ga[c] += static_cast<float>(a_sum * rw.alpha);
               if (gl != nullptr) gl[c] += static_cast<float>(l_sum * rw.half);
             }
           });
  }
  return y;
}

}  // namespace poolnet
