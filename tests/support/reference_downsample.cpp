#include "tests/support/reference_downsample.h"

#include <algorithm>
#include <cmath>

#include "framework/random.h"

namespace poolnet::reference {

int64_t binomial(int64_t n, int64_t k) {
  int64_t f[16] = {1};
  for (int64_t i = 1; i < 16; ++i) f[i] = f[i - 1] * i;
  return f[n] / (f[k] * f[n - k]);
}

int64_t padded_source(int64_t p, int64_t n, const std::string& mode) {
  if (p >= 0 && p < n) return p;
  if (mode == "zeros") return -1;
  if (mode == "circular") {
    while (p < 0) p += n;
    while (p >= n) p -= n;
    return p;
  }
  if (n == 1) return 0;
  while (p < 0 || p >= n) p = p < 0 ? -p : 2 * (n - 1) - p;  // mirror about pixel 0 / n-1
  return p;
}

Tensor blur_pool(const Tensor& x, int64_t filter, Size2d stride, const std::string& mode) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OH = (H + stride.h - 1) / stride.h, OW = (W + stride.w - 1) / stride.w;
  // An axis left at stride 1 while the other is subsampled is not filtered.
  const bool pure_blur = stride.h == 1 && stride.w == 1;
  const int64_t fh = stride.h > 1 || pure_blur ? filter : 1, fw = stride.w > 1 || pure_blur ? filter : 1;
  const double total = std::pow(2.0, fh - 1 + fw - 1);
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double s = 0.0;
          for (int64_t i = 0; i < fh; ++i)
            for (int64_t j = 0; j < fw; ++j) {
              const int64_t h = padded_source(oh * stride.h + i - (fh - 1) / 2, H, mode);
              const int64_t w = padded_source(ow * stride.w + j - (fw - 1) / 2, W, mode);
              if (h < 0 || w < 0) continue;
              s += binomial(fh - 1, i) * binomial(fw - 1, j) / total * x.at({n, c, h, w});
            }
          y.at({n, c, oh, ow}) = static_cast<float>(s);
        }
  return y;
}

namespace {
// Element (oh, ow) of polyphase component p of x[n, c] (circular wrap at the bottom/right).
float component_at(const Tensor& x, int64_t n, int64_t c, int64_t p, Size2d s, int64_t oh, int64_t ow) {
  return x.at({n, c, (oh * s.h + p / s.w) % x.size(2), (ow * s.w + p % s.w) % x.size(3)});
}
}  // namespace

std::vector<int64_t> aps_phases(const Tensor& x, Size2d stride, const std::string& norm) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OH = (H + stride.h - 1) / stride.h, OW = (W + stride.w - 1) / stride.w;
  std::vector<int64_t> phases;
  for (int64_t n = 0; n < N; ++n) {
    std::vector<double> norms;
    for (int64_t p = 0; p < stride.h * stride.w; ++p) {
      double v = 0.0;
      for (int64_t c = 0; c < C; ++c)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            const double a = component_at(x, n, c, p, stride, oh, ow);
            if (norm == "l2") v += a * a;
            if (norm == "l1") v += std::fabs(a);
            if (norm == "linf") v = std::max(v, std::fabs(a));
          }
      norms.push_back(v);
    }
    phases.push_back(std::max_element(norms.begin(), norms.end()) - norms.begin());  // first maximum
  }
  return phases;
}

Tensor aps_select(const Tensor& x, const std::vector<int64_t>& phases, Size2d stride) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OH = (H + stride.h - 1) / stride.h, OW = (W + stride.w - 1) / stride.w;
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) y.at({n, c, oh, ow}) = component_at(x, n, c, phases[n], stride, oh, ow);
  return y;
}

Tensor polyphase_mix(const Tensor& x, const Tensor& weights, Size2d stride) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OH = (H + stride.h - 1) / stride.h, OW = (W + stride.w - 1) / stride.w;
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double v = 0.0;
          for (int64_t p = 0; p < stride.h * stride.w; ++p) {
            const double w = weights.dim() == 2 ? weights.at({n, p}) : weights.at({n, c, p});
            v += w * component_at(x, n, c, p, stride, oh, ow);
          }
          y.at({n, c, oh, ow}) = static_cast<float>(v);
        }
  return y;
}

Tensor polyphase_unpool(const Tensor& y, const std::vector<int64_t>& phases, Size2d stride, int64_t H, int64_t W) {
  const int64_t N = y.size(0), C = y.size(1), OH = y.size(2), OW = y.size(3);
  Tensor x = Tensor::zeros({N, C, H, W});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t i = phases[n] / stride.w, j = phases[n] % stride.w;
          x.at({n, c, (oh * stride.h + i) % H, (ow * stride.w + j) % W}) += y.at({n, c, oh, ow});
        }
  return x;
}

namespace {
// Calls f(values of the window) for every output element, storing the result.
template <class F>
Tensor windows(const Tensor& x, int64_t kernel, int64_t stride, const F& f) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OH = (H - kernel) / stride + 1, OW = (W - kernel) / stride + 1;
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          std::vector<double> v;
          for (int64_t i = 0; i < kernel; ++i)
            for (int64_t j = 0; j < kernel; ++j) v.push_back(x.at({n, c, oh * stride + i, ow * stride + j}));
          y.at({n, c, oh, ow}) = static_cast<float>(f(v, n, c, oh, ow, OH, OW));
        }
  return y;
}
}  // namespace

Tensor soft_pool(const Tensor& x, int64_t kernel, int64_t stride) {
  return windows(x, kernel, stride, [](const std::vector<double>& v, auto...) {
    double num = 0.0, den = 0.0;
    for (double a : v) {
      num += std::exp(a) * a;
      den += std::exp(a);
    }
    return num / den;
  });
}

Tensor mixed_pool(const Tensor& x, int64_t kernel, int64_t stride, double alpha) {
  return windows(x, kernel, stride, [&](const std::vector<double>& v, auto...) {
    double mx = v[0], mean = 0.0;
    for (double a : v) {
      mx = std::max(mx, a);
      mean += a / static_cast<double>(v.size());
    }
    return alpha * mx + (1.0 - alpha) * mean;
  });
}

Tensor stochastic_pool_eval(const Tensor& x, int64_t kernel, int64_t stride) {
  return windows(x, kernel, stride, [](const std::vector<double>& v, auto...) {
    double s = 0.0, q = 0.0;
    for (double a : v) {
      s += std::max(a, 0.0);
      q += std::max(a, 0.0) * std::max(a, 0.0);
    }
    return s > 0.0 ? q / s : 0.0;
  });
}

Tensor stochastic_pool_train(const Tensor& x, int64_t kernel, int64_t stride, uint64_t seed, uint64_t step) {
  return windows(
      x, kernel, stride,
      [&](const std::vector<double>& v, int64_t n, int64_t c, int64_t oh, int64_t ow, int64_t OH, int64_t OW) {
        double s = 0.0;
        for (double a : v) s += std::max(a, 0.0);
        if (s <= 0.0) return v[0];
        const RandomStream rng(seed, stream_id(step, static_cast<uint64_t>(n)));
        const double u = rng.uniform(static_cast<uint64_t>((c * OH + oh) * OW + ow));
        double running = 0.0;
        for (double a : v) {
          running += std::max(a, 0.0);
          if (a > 0.0 && running > u * s) return a;
        }
        return v.back();
      });
}

Tensor lip_pool(const Tensor& x, const Tensor& logits, int64_t kernel, int64_t stride, int64_t padding) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OH = (H + 2 * padding - kernel) / stride + 1, OW = (W + 2 * padding - kernel) / stride + 1;
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double num = 0.0, den = 0.0;
          for (int64_t i = 0; i < kernel; ++i)
            for (int64_t j = 0; j < kernel; ++j) {
              const int64_t h = oh * stride - padding + i, w = ow * stride - padding + j;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;  // padding: weight 0
              const double e = std::exp(static_cast<double>(logits.at({n, c, h, w})));
              num += e * x.at({n, c, h, w});
              den += e;
            }
          y.at({n, c, oh, ow}) = static_cast<float>(num / den);
        }
  return y;
}

}  // namespace poolnet::reference
