#include "framework/ops/s3_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <utility>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/argmax_backward.h"
#include "framework/ops/avg_pool.h"
#include "framework/ops/max_pool.h"
#include "framework/parallel.h"
#include "framework/random.h"

namespace poolnet {

namespace {
constexpr const char* kOp = "s3_pool2d";

Size2d effective_grid(const S3Pool& o) { return o.grid == Size2d{0, 0} ? o.stride : o.grid; }

// The max pool (kernel 2, stride 1, no padding) and, in evaluation, the average pool of m.
constexpr Pool2d kMax{.kernel = {2, 2}, .stride = {1, 1}};
Pool2d eval_average(Size2d s) {
  return {.kernel = s, .stride = s, .padding = {s.h / 2, s.w / 2}, .count_include_pad = false};
}

// One axis: the kept rows of a pooled length n - 1 (see the header), drawn from `rng`.
std::vector<int64_t> draw_axis(const RandomStream& rng, int64_t n, int64_t g, int64_t s) {
  const int64_t grids = n / g, k = g / s, pooled = n - 1;
  std::vector<int64_t> kept, order;
  kept.reserve(static_cast<size_t>(s3_pool_kept_length(n, g, s)));
  for (int64_t i = 0; i < grids; ++i) {
    const int64_t start = g * i, size = i < grids - 1 ? g : pooled - start, take = std::min(k, size);
    order.resize(static_cast<size_t>(size));
    std::iota(order.begin(), order.end(), start);
    for (int64_t j = 0; j < take; ++j) {  // partial Fisher-Yates: order[0..take) is a uniform subset
      const int64_t r = j + rng.below(static_cast<uint64_t>(start + j), size - j);
      std::swap(order[static_cast<size_t>(j)], order[static_cast<size_t>(r)]);
    }
    std::sort(order.begin(), order.begin() + take);
    kept.insert(kept.end(), order.begin(), order.begin() + take);
  }
  return kept;
}

struct S3Geometry {
  int64_t H, W, OH, OW;  // input plane, output plane
};

// One plane: y [OH,OW] = the max of x [H,W] over the 2x2 window at (rows[oh], cols[ow]), argmax
// [OH,OW] = its flat index in the plane. First maximum in row-major window order wins; NaN wins.
void s3_pool2d_forward(const S3Geometry& g, const int64_t* rows, const int64_t* cols, const float* x, float* y,
                       int32_t* argmax) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t first = rows[oh] * g.W + cols[ow];
      const int64_t taps[4] = {first, first + 1, first + g.W, first + g.W + 1};
      float m = x[first];
      int64_t at = first;
      for (int64_t t = 1; t < 4; ++t) {
        const float v = x[taps[t]];
        if (v > m || v != v) {
          m = v;
          at = taps[t];
        }
      }
      y[oh * g.OW + ow] = m;
      argmax[oh * g.OW + ow] = static_cast<int32_t>(at);
    }
  }
}

void check_indices(const Tensor& x, std::span<const int64_t> idx, int64_t pooled, const char* what) {
  if (idx.empty()) {
    throw ShapeError(fmt::format("{}: {} must not be empty (x={})", kOp, what, shape_str(x.shape())));
  }
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] < 0 || idx[i] >= pooled) {
      throw ShapeError(fmt::format("{}: {} must lie in [0, {}) (the pooled map), got {} at position {} (x={})", kOp,
                                   what, pooled, idx[i], i, shape_str(x.shape())));
    }
  }
}

Tensor sample_rows_cols(const Tensor& x, std::span<const int64_t> rows, std::span<const int64_t> cols) {
  const S3Geometry g{x.size(2), x.size(3), static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols.size())};
  const int64_t planes = x.size(0) * x.size(1), plane_in = g.H * g.W, plane_out = g.OH * g.OW;
  const bool grad = needs_grad({x});
  Tensor y = Tensor::empty({x.size(0), x.size(1), g.OH, g.OW});
  // Each output's argmax, kept for the backward pass (only when there is one).
  auto argmax = std::make_shared<std::vector<int32_t>>(grad ? static_cast<size_t>(planes * plane_out) : 0);
  const float* px = x.data();
  float* py = y.data();
  parallel::parallel_for(0, planes, argmax_plane_grain(plane_in), [&](int64_t b, int64_t e) {
    std::vector<int32_t> scratch(grad ? 0 : static_cast<size_t>(plane_out));
    for (int64_t q = b; q < e; ++q) {
      int32_t* a = grad ? argmax->data() + q * plane_out : scratch.data();
      s3_pool2d_forward(g, rows.data(), cols.data(), px + q * plane_in, py + q * plane_out, a);
    }
  });
  check_finite(y, kOp, "output");
  if (grad) record_argmax_backward(y, kOp, x, std::move(argmax), plane_out);
  return y;
}
}  // namespace

int64_t s3_pool_kept_length(int64_t n, int64_t grid, int64_t stride) {
  if (stride < 1 || grid < stride || n < std::max<int64_t>(grid, 2)) {
    throw ShapeError(
        fmt::format("s3_pool_kept_length: needs stride >= 1, grid >= stride and length >= max(grid, 2), "
                    "got length {}, grid {}, stride {}",
                    n, grid, stride));
  }
  const int64_t grids = n / grid, k = grid / stride, last = n - 1 - grid * (grids - 1);
  return (grids - 1) * k + std::min(k, last);
}

Shape s3_pool2d_out_shape(const Shape& x, const S3Pool& o) {
  require_nchw(x, kOp);
  if (o.stride.h < 1 || o.stride.w < 1) {
    throw ShapeError(
        fmt::format("{}: stride must be >= 1, got stride={} (x={})", kOp, to_string(o.stride), shape_str(x)));
  }
  const Size2d g = effective_grid(o);
  if (g.h < o.stride.h || g.w < o.stride.w) {
    throw ShapeError(
        fmt::format("{}: grid must be at least the stride (grid / stride rows kept per grid), got grid={}, "
                    "stride={} (x={})",
                    kOp, to_string(g), to_string(o.stride), shape_str(x)));
  }
  if (x[2] < std::max<int64_t>(g.h, 2) || x[3] < std::max<int64_t>(g.w, 2)) {
    throw ShapeError(fmt::format("{}: input {}x{} is smaller than one grid {} (or 2x2) (x={})", kOp, x[2], x[3],
                                 to_string(g), shape_str(x)));
  }
  if (o.training) {
    return {x[0], x[1], s3_pool_kept_length(x[2], g.h, o.stride.h), s3_pool_kept_length(x[3], g.w, o.stride.w)};
  }
  return avg_pool2d_out_shape(max_pool2d_out_shape(x, kMax), eval_average(o.stride));
}

S3PoolDraw s3_pool2d_draw(int64_t H, int64_t W, const S3Pool& options) {
  S3Pool o = options;
  o.training = true;
  s3_pool2d_out_shape({1, 1, H, W}, o);
  const Size2d g = effective_grid(o);
  return {draw_axis(RandomStream(o.seed, stream_id(o.step, 0)), H, g.h, o.stride.h),
          draw_axis(RandomStream(o.seed, stream_id(o.step, 1)), W, g.w, o.stride.w)};
}

Tensor s3_pool2d(const Tensor& x, const S3Pool& options) {
  s3_pool2d_out_shape(x.shape(), options);
  if (!options.training) return avg_pool2d(max_pool2d(x, kMax), eval_average(options.stride));
  const S3PoolDraw d = s3_pool2d_draw(x.size(2), x.size(3), options);
  return sample_rows_cols(x, d.rows, d.cols);
}

Tensor s3_pool2d(const Tensor& x, std::span<const int64_t> rows, std::span<const int64_t> cols, const S3Pool& options) {
  S3Pool o = options;
  o.training = true;
  s3_pool2d_out_shape(x.shape(), o);
  check_indices(x, rows, x.size(2) - 1, "rows");
  check_indices(x, cols, x.size(3) - 1, "cols");
  return sample_rows_cols(x, rows, cols);
}

}  // namespace poolnet
