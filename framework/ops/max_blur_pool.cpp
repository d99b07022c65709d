#include "framework/ops/max_blur_pool.h"

#include <cmath>
#include <fmt/format.h>
#include <memory>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/blur_kernels.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
// Size of the dense max along an axis of n pixels.
int64_t dense_length(int64_t n, PadMode mode) { return mode == PadMode::kCircular ? n : n - 1; }
}  // namespace

Shape max_blur_pool2d_out_shape(const Shape& x, const Blur2d& o) {
  if (x.size() != 4) {
    throw ShapeError(fmt::format("max_blur_pool2d: expected input [N, C, H, W], got {}", shape_str(x)));
  }
  const int64_t least = o.padding_mode == PadMode::kCircular ? 1 : 2;
  if (x[2] < least || x[3] < least) {
    throw ShapeError(fmt::format("max_blur_pool2d: the 2x2 max needs H, W >= {} with {} padding, got x={}", least,
                                 to_string(o.padding_mode), shape_str(x)));
  }
  const Shape dense{x[0], x[1], dense_length(x[2], o.padding_mode), dense_length(x[3], o.padding_mode)};
  try {
    return blur_pool2d_out_shape(dense, o);
  } catch (const ShapeError& e) {
    throw ShapeError(fmt::format("max_blur_pool2d: {} (x={})", e.what(), shape_str(x)));
  }
}

namespace {
// One plane: m [Hm,Wm] = dense 2x2 max of x [H,W] (wrapping if Hm == H), code = argmax offset
// (0..3 = (0,0), (0,1), (1,0), (1,1)).
void dense_max_forward(const float* x, int64_t H, int64_t W, int64_t Hm, int64_t Wm, float* m, uint8_t* code) {
  for (int64_t r = 0; r < Hm; ++r) {
    const float* a = x + r * W;
    const float* b = x + ((r + 1) % H) * W;
    float* mr = m + r * Wm;
    uint8_t* cr = code + r * Wm;
    for (int64_t w = 0; w < Wm; ++w) {
      const int64_t w1 = w + 1 < W ? w + 1 : 0;
      const float v[4] = {a[w], a[w1], b[w], b[w1]};
      float best = v[0];
      uint8_t k = 0;
      for (uint8_t i = 1; i < 4; ++i) {
        if (v[i] > best || std::isnan(v[i])) {
          best = v[i];
          k = i;
        }
      }
      mr[w] = best;
      cr[w] = k;
    }
  }
}

// One plane: gx [H,W] += gm [Hm,Wm] routed to each position's argmax.
void dense_max_backward(const float* gm, const uint8_t* code, int64_t H, int64_t W, int64_t Hm, int64_t Wm,
                        float* gx) {
  for (int64_t r = 0; r < Hm; ++r) {
    for (int64_t w = 0; w < Wm; ++w) {
      const uint8_t k = code[r * Wm + w];
      const int64_t h = (r + k / 2) % H, c = (w + k % 2) % W;
      gx[h * W + c] += gm[r * Wm + w];
    }
  }
}

struct MaxBlurGeometry {
  int64_t planes, H, W, Hm, Wm, OH, OW;
  int64_t grain() const { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, H * W)); }
};
}  // namespace

Tensor max_blur_pool2d(const Tensor& x, const Blur2d& options) {
  const Shape out_shape = max_blur_pool2d_out_shape(x.shape(), options);
  const int64_t H = x.size(2), W = x.size(3);
  const MaxBlurGeometry g{x.size(0) * x.size(1), H, W, dense_length(H, options.padding_mode),
                          dense_length(W, options.padding_mode), out_shape[2], out_shape[3]};
  auto plan = std::make_shared<const detail::BlurPlan>(
      detail::make_blur_plan({x.size(0), x.size(1), g.Hm, g.Wm}, out_shape, options));
  auto codes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(g.planes * g.Hm * g.Wm));
  Tensor y = Tensor::empty(out_shape);
  const float* px = x.data();
  float* py = y.data();
  detail::dispatch_filter(options.filter_size, [&](auto f) {
    parallel::parallel_for(0, g.planes, g.grain(), [&](int64_t b, int64_t e) {
      std::vector<float> m(static_cast<size_t>(g.Hm * g.Wm)), t(static_cast<size_t>(plan->Wp)),
          zero(static_cast<size_t>(g.Wm), 0.0f);
      for (int64_t q = b; q < e; ++q) {
        dense_max_forward(px + q * H * W, H, W, g.Hm, g.Wm, m.data(), codes->data() + q * g.Hm * g.Wm);
        detail::blur_plane_forward<f()>(*plan, m.data(), py + q * g.OH * g.OW, t.data(), zero.data());
      }
    });
  });
  check_finite(y, "max_blur_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "max_blur_pool2d", {x}, [x, plan, codes, g, filter = options.filter_size](const Tensor& gy) {
      const float* pg = gy.data();
      float* gx = grad_buffer(x);
      detail::dispatch_filter(filter, [&](auto f) {
        parallel::parallel_for(0, g.planes, g.grain(), [&](int64_t b, int64_t e) {
          std::vector<float> gm(static_cast<size_t>(g.Hm * g.Wm)), t(static_cast<size_t>(plan->Wp));
          for (int64_t q = b; q < e; ++q) {
            std::fill(gm.begin(), gm.end(), 0.0f);
            detail::blur_plane_backward<f()>(*plan, pg + q * g.OH * g.OW, gm.data(), t.data());
            dense_max_backward(gm.data(), codes->data() + q * g.Hm * g.Wm, g.H, g.W, g.Hm, g.Wm, gx + q * g.H * g.W);
          }
        });
      });
    });
  }
  return y;
}

}  // namespace poolnet
