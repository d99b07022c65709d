#include "framework/ops/pad.h"

#include <fmt/format.h>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
using IndexMap = std::vector<int64_t>;  // output position -> source position, or -1 for fill

// y[p, oh, ow] = x[p, rows[oh], cols[ow]] (or fill) for every plane p of [N, C, H, W].
Tensor remap(const Tensor& x, const IndexMap& rows, const IndexMap& cols, float fill, const char* op) {
  const int64_t planes = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const auto OH = static_cast<int64_t>(rows.size()), OW = static_cast<int64_t>(cols.size());
  Tensor y = Tensor::empty({x.size(0), x.size(1), OH, OW});
  const float* px = x.data();
  float* py = y.data();
  parallel::parallel_for(0, planes, 8, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* src = px + p * H * W;
      float* dst = py + p * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t h = rows[oh], w = cols[ow];
          dst[oh * OW + ow] = (h < 0 || w < 0) ? fill : src[h * W + w];
        }
      }
    }
  });
  check_finite(y, op, "output");
  if (needs_grad({x})) {
    record(y, op, {x}, [x, rows, cols, planes, H, W, OH, OW](const Tensor& gy) {
      const float* g = gy.data();
      float* gx = grad_buffer(x);
      parallel::parallel_for(0, planes, 8, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          for (int64_t oh = 0; oh < OH; ++oh) {
            for (int64_t ow = 0; ow < OW; ++ow) {
              const int64_t h = rows[oh], w = cols[ow];
              if (h >= 0 && w >= 0) gx[p * H * W + h * W + w] += g[p * OH * OW + oh * OW + ow];
            }
          }
        }
      });
    });
  }
  return y;
}

IndexMap padded_axis(int64_t n, int64_t before, int64_t after, PadMode mode) {
  IndexMap map(static_cast<size_t>(std::max<int64_t>(n + before + after, 0)));
  for (size_t o = 0; o < map.size(); ++o) map[o] = pad_source_index(static_cast<int64_t>(o) - before, n, mode);
  return map;
}

IndexMap shifted_axis(int64_t n, int64_t shift, bool wrap) {
  IndexMap map(static_cast<size_t>(n));
  for (int64_t o = 0; o < n; ++o) {
    const int64_t s = o - shift;
    map[static_cast<size_t>(o)] = wrap ? ((s % n) + n) % n : (s >= 0 && s < n ? s : -1);
  }
  return map;
}
}  // namespace

Tensor pad(const Tensor& x, Padding2d amount, PadMode mode, float value) {
  require_nchw(x, "pad");
  const int64_t H = x.size(2), W = x.size(3);
  const auto fits = [&](int64_t a, int64_t size) {
    if (mode == PadMode::kZeros) return a >= -size;
    if (mode == PadMode::kReflect) return a >= 0 && a < size;
    return a >= 0 && a <= size;
  };
  if (!fits(amount.top, H) || !fits(amount.bottom, H) || !fits(amount.left, W) || !fits(amount.right, W) ||
      H + amount.top + amount.bottom < 0 || W + amount.left + amount.right < 0) {
    throw ShapeError(fmt::format("pad: {} padding (top={}, bottom={}, left={}, right={}) does not fit input {}{}",
                                 to_string(mode), amount.top, amount.bottom, amount.left, amount.right,
                                 shape_str(x.shape()),
                                 mode == PadMode::kReflect    ? " (reflect needs 0 <= pad < size)"
                                 : mode == PadMode::kCircular ? " (circular needs 0 <= pad <= size)"
                                                              : ""));
  }
  return remap(x, padded_axis(H, amount.top, amount.bottom, mode), padded_axis(W, amount.left, amount.right, mode),
               value, "pad");
}

Tensor roll(const Tensor& x, Size2d shift) {
  require_nchw(x, "roll");
  if (x.size(2) == 0 || x.size(3) == 0) return x;
  return remap(x, shifted_axis(x.size(2), shift.h, true), shifted_axis(x.size(3), shift.w, true), 0.0f, "roll");
}

Tensor translate(const Tensor& x, Size2d shift, float fill) {
  require_nchw(x, "translate");
  return remap(x, shifted_axis(x.size(2), shift.h, false), shifted_axis(x.size(3), shift.w, false), fill,
               "translate");
}

}  // namespace poolnet
