#include "tests/support/reference_pool.h"

#include <cmath>
#include <limits>

namespace poolnet::reference {

namespace {
struct Geometry {
  int64_t N, C, H, W, OH, OW, KH, KW, SH, SW, PH, PW, DH, DW;
};

Geometry geometry(const Tensor& x, const Pool2d& o) {
  const Size2d s = o.stride == Size2d{0, 0} ? o.kernel : o.stride;
  Geometry g{x.size(0), x.size(1), x.size(2), x.size(3), 0, 0, o.kernel.h, o.kernel.w, s.h, s.w,
             o.padding.h, o.padding.w, o.dilation.h, o.dilation.w};
  g.OH = pooled_length(g.H, g.KH, g.SH, g.PH, g.DH, o.ceil_mode);
  g.OW = pooled_length(g.W, g.KW, g.SW, g.PW, g.DW, o.ceil_mode);
  return g;
}

float& at4(const Tensor& t, int64_t n, int64_t c, int64_t h, int64_t w) {
  return t.data()[((n * t.size(1) + c) * t.size(2) + h) * t.size(3) + w];
}

int64_t adaptive_begin(int64_t i, int64_t in, int64_t out) {
  return static_cast<int64_t>(std::floor(static_cast<double>(i * in) / static_cast<double>(out)));
}
int64_t adaptive_end(int64_t i, int64_t in, int64_t out) {
  return static_cast<int64_t>(std::ceil(static_cast<double>((i + 1) * in) / static_cast<double>(out)));
}
}  // namespace

MaxPoolReference max_pool2d(const Tensor& x, const Pool2d& o) {
  const Geometry g = geometry(x, o);
  MaxPoolReference r{Tensor::zeros({g.N, g.C, g.OH, g.OW}), {}};
  for (int64_t n = 0; n < g.N; ++n) {
    for (int64_t c = 0; c < g.C; ++c) {
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          float best = -std::numeric_limits<float>::infinity();
          int64_t index = -1;
          for (int64_t kh = 0; kh < g.KH; ++kh) {
            for (int64_t kw = 0; kw < g.KW; ++kw) {
              const int64_t h = oh * g.SH - g.PH + kh * g.DH, w = ow * g.SW - g.PW + kw * g.DW;
              if (h < 0 || h >= g.H || w < 0 || w >= g.W) continue;  // padding: never chosen
              const float v = at4(x, n, c, h, w);
              if (index < 0 || v > best || std::isnan(v)) {  // the first tap, a larger value or a NaN
                best = v;
                index = h * g.W + w;
              }
            }
          }
          at4(r.output, n, c, oh, ow) = best;
          r.indices.push_back(index);
        }
      }
    }
  }
  return r;
}

Tensor max_pool2d_backward(const Tensor& x, const Pool2d& o, const Tensor& gy) {
  const MaxPoolReference r = max_pool2d(x, o);
  Tensor gx = Tensor::zeros(x.shape());
  const int64_t plane_in = x.size(2) * x.size(3), plane_out = gy.size(2) * gy.size(3);
  for (int64_t i = 0; i < gy.numel(); ++i) {
    if (r.indices[static_cast<size_t>(i)] >= 0) {
      gx.data()[i / plane_out * plane_in + r.indices[static_cast<size_t>(i)]] += gy.data()[i];
    }
  }
  return gx;
}

namespace {
// Calls f(n, c, oh, ow, h, w, divisor) for every input pixel (h, w) of every window.
template <class F>
void for_avg_taps(const Tensor& x, const Pool2d& o, const F& f) {
  const Geometry g = geometry(x, o);
  for (int64_t n = 0; n < g.N; ++n) {
    for (int64_t c = 0; c < g.C; ++c) {
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          int64_t in_padded = 0, in_input = 0;
          for (int64_t kh = 0; kh < g.KH; ++kh) {
            for (int64_t kw = 0; kw < g.KW; ++kw) {
              const int64_t h = oh * g.SH - g.PH + kh, w = ow * g.SW - g.PW + kw;
              const bool padded = h >= -g.PH && h < g.H + g.PH && w >= -g.PW && w < g.W + g.PW;
              const bool input = h >= 0 && h < g.H && w >= 0 && w < g.W;
              in_padded += padded ? 1 : 0;
              in_input += input ? 1 : 0;
            }
          }
          const int64_t divisor = o.divisor_override != 0 ? o.divisor_override
                                  : o.count_include_pad   ? in_padded
                                                          : in_input;
          for (int64_t kh = 0; kh < g.KH; ++kh) {
            for (int64_t kw = 0; kw < g.KW; ++kw) {
              const int64_t h = oh * g.SH - g.PH + kh, w = ow * g.SW - g.PW + kw;
              if (h >= 0 && h < g.H && w >= 0 && w < g.W) f(n, c, oh, ow, h, w, static_cast<float>(divisor));
            }
          }
        }
      }
    }
  }
}
}  // namespace

Tensor avg_pool2d(const Tensor& x, const Pool2d& o) {
  const Geometry g = geometry(x, o);
  Tensor sums = Tensor::zeros({g.N, g.C, g.OH, g.OW}), y = Tensor::zeros({g.N, g.C, g.OH, g.OW});
  for_avg_taps(x, o, [&](int64_t n, int64_t c, int64_t oh, int64_t ow, int64_t h, int64_t w, float divisor) {
    at4(sums, n, c, oh, ow) += at4(x, n, c, h, w);
    at4(y, n, c, oh, ow) = at4(sums, n, c, oh, ow) / divisor;
  });
  return y;
}

Tensor avg_pool2d_backward(const Tensor& x, const Pool2d& o, const Tensor& gy) {
  Tensor gx = Tensor::zeros(x.shape());
  for_avg_taps(x, o, [&](int64_t n, int64_t c, int64_t oh, int64_t ow, int64_t h, int64_t w, float divisor) {
    at4(gx, n, c, h, w) += at4(gy, n, c, oh, ow) / divisor;
  });
  return gx;
}

Tensor lp_pool2d(const Tensor& x, float p, const Pool2d& o) {
  const Geometry g = geometry(x, o);
  Tensor y = Tensor::zeros({g.N, g.C, g.OH, g.OW});
  for (int64_t n = 0; n < g.N; ++n) {
    for (int64_t c = 0; c < g.C; ++c) {
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          double s = 0.0;
          int64_t count = 0;
          for (int64_t kh = 0; kh < g.KH; ++kh) {
            for (int64_t kw = 0; kw < g.KW; ++kw) {
              const int64_t h = oh * g.SH + kh, w = ow * g.SW + kw;
              if (h >= g.H || w >= g.W) continue;
              s += std::pow(static_cast<double>(at4(x, n, c, h, w)), static_cast<double>(p));
              ++count;
            }
          }
          at4(y, n, c, oh, ow) = static_cast<float>(std::pow(s * static_cast<double>(g.KH * g.KW) / count, 1.0 / p));
        }
      }
    }
  }
  return y;
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2d out) {
  Tensor y = Tensor::zeros({x.size(0), x.size(1), out.h, out.w});
  const int64_t H = x.size(2), W = x.size(3);
  for (int64_t n = 0; n < x.size(0); ++n) {
    for (int64_t c = 0; c < x.size(1); ++c) {
      for (int64_t oh = 0; oh < out.h; ++oh) {
        for (int64_t ow = 0; ow < out.w; ++ow) {
          double s = 0.0;
          int64_t count = 0;
          for (int64_t h = adaptive_begin(oh, H, out.h); h < adaptive_end(oh, H, out.h); ++h) {
            for (int64_t w = adaptive_begin(ow, W, out.w); w < adaptive_end(ow, W, out.w); ++w) {
              s += at4(x, n, c, h, w);
              ++count;
            }
          }
          at4(y, n, c, oh, ow) = static_cast<float>(s / count);
        }
      }
    }
  }
  return y;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& x, Size2d out, const Tensor& gy) {
  Tensor gx = Tensor::zeros(x.shape());
  const int64_t H = x.size(2), W = x.size(3);
  for (int64_t n = 0; n < x.size(0); ++n) {
    for (int64_t c = 0; c < x.size(1); ++c) {
      for (int64_t oh = 0; oh < out.h; ++oh) {
        for (int64_t ow = 0; ow < out.w; ++ow) {
          const int64_t h0 = adaptive_begin(oh, H, out.h), h1 = adaptive_end(oh, H, out.h);
          const int64_t w0 = adaptive_begin(ow, W, out.w), w1 = adaptive_end(ow, W, out.w);
          for (int64_t h = h0; h < h1; ++h) {
            for (int64_t w = w0; w < w1; ++w) {
              at4(gx, n, c, h, w) += at4(gy, n, c, oh, ow) / static_cast<float>((h1 - h0) * (w1 - w0));
            }
          }
        }
      }
    }
  }
  return gx;
}

MaxPoolReference adaptive_max_pool2d(const Tensor& x, Size2d out) {
  MaxPoolReference r{Tensor::zeros({x.size(0), x.size(1), out.h, out.w}), {}};
  const int64_t H = x.size(2), W = x.size(3);
  for (int64_t n = 0; n < x.size(0); ++n) {
    for (int64_t c = 0; c < x.size(1); ++c) {
      for (int64_t oh = 0; oh < out.h; ++oh) {
        for (int64_t ow = 0; ow < out.w; ++ow) {
          float best = 0.0f;
          int64_t index = -1;
          for (int64_t h = adaptive_begin(oh, H, out.h); h < adaptive_end(oh, H, out.h); ++h) {
            for (int64_t w = adaptive_begin(ow, W, out.w); w < adaptive_end(ow, W, out.w); ++w) {
              const float v = at4(x, n, c, h, w);
              if (index < 0 || v > best || std::isnan(v)) {
                best = v;
                index = h * W + w;
              }
            }
          }
          at4(r.output, n, c, oh, ow) = best;
          r.indices.push_back(index);
        }
      }
    }
  }
  return r;
}

Tensor max_unpool2d(const Tensor& x, const std::vector<int64_t>& indices, Size2d out) {
  Tensor y = Tensor::zeros({x.size(0), x.size(1), out.h, out.w});
  const int64_t plane_in = x.size(2) * x.size(3), plane_out = out.h * out.w;
  for (int64_t i = 0; i < x.numel(); ++i) {
    y.data()[i / plane_in * plane_out + indices[static_cast<size_t>(i)]] = x.data()[i];
  }
  return y;
}

}  // namespace poolnet::reference
