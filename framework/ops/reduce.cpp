#include "framework/ops/reduce.h"

#include <algorithm>
#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/broadcast.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/shape_ops.h"

namespace poolnet {

namespace {
// The keepdim shape of reducing `shape` over `dims`, validated.
Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, const char* op) {
  Shape kept = shape;
  const auto rank = static_cast<int64_t>(shape.size());
  for (int64_t d : dims) {
    const int64_t k = d < 0 ? d + rank : d;
    if (k < 0 || k >= rank) {
      throw ShapeError(fmt::format("{}: dimension {} out of range for shape {}", op, d, shape_str(shape)));
    }
    kept[static_cast<size_t>(k)] = 1;
  }
  return kept;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const Shape kept = reduced_shape(x.shape(), dims, "sum");
  Tensor y = Tensor::zeros(kept);
  detail::sum_into(x.data(), x.shape(), y.data(), kept);
  check_finite(y, "sum", "output");  // a sum of finite values can overflow
  if (needs_grad({x})) {
    record(y, "sum", {x}, [x, kept](const Tensor& gy) {
      // gx += gy broadcast over the reduced dims.
      float* gx = grad_buffer(x);
      const float* g = gy.data();
      if (const int64_t block = detail::trailing_block(x.shape(), kept); block > 0) {
        for (int64_t t = 0; t < numel_of(kept); ++t) {
          for (int64_t j = 0; j < block; ++j) gx[t * block + j] += g[t];
        }
        return;
      }
      detail::broadcast_loop(x.shape(), x.shape(), kept, 0, detail::row_count(x.shape()),
                             [&](int64_t i, int64_t, int64_t ig) { gx[i] += g[ig]; });
    });
  }
  if (keepdim) return y;
  Shape out;
  for (size_t k = 0; k < kept.size(); ++k) {
    const bool reduced = std::any_of(dims.begin(), dims.end(), [&](int64_t d) {
      return static_cast<size_t>(d < 0 ? d + static_cast<int64_t>(kept.size()) : d) == k;
    });
    if (!reduced) out.push_back(kept[k]);
  }
  return reshape(y, out);
}

Tensor sum(const Tensor& x) {
  std::vector<int64_t> all(static_cast<size_t>(x.dim()));
  for (size_t k = 0; k < all.size(); ++k) all[k] = static_cast<int64_t>(k);
  return sum(x, all, false);
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const Shape kept = reduced_shape(x.shape(), dims, "mean");
  const int64_t count = numel_of(kept) == 0 ? 0 : x.numel() / numel_of(kept);
  return mul(sum(x, dims, keepdim), 1.0f / static_cast<float>(count));
}

Tensor mean(const Tensor& x) { return mul(sum(x), 1.0f / static_cast<float>(x.numel())); }

}  // namespace poolnet
