#include "framework/ops/dropout.h"

#include <cmath>
#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/parallel.h"
#include "framework/random.h"

namespace poolnet {

namespace {
constexpr int64_t kGrain = 16384;

// mask[i] = scale if element i is kept, else 0; y = x * mask.
void dropout_forward(const float* x, float p, uint64_t seed, uint64_t stream, int64_t n, float* mask, float* y) {
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  const RandomStream rng(seed, stream);
  parallel::parallel_for(0, n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      mask[i] = rng.uniform(static_cast<uint64_t>(i)) >= p ? scale : 0.0f;
      y[i] = x[i] * mask[i];
    }
  });
}

void dropout_backward(const float* mask, const float* gy, int64_t n, float* gx) {
  parallel::parallel_for(0, n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) gx[i] += gy[i] * mask[i];
  });
}
}  // namespace

Shape dropout_out_shape(const Shape& x, float p) {
  if (!(p >= 0.0f && p <= 1.0f)) {
    throw ShapeError(fmt::format("dropout: probability must be in [0, 1], got {} (x={})", p, shape_str(x)));
  }
  return x;
}

Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed, uint64_t stream) {
  const Shape shape = dropout_out_shape(x.shape(), p);
  if (!training || p == 0.0f) return x;
  Tensor y = Tensor::empty(shape);
  Tensor mask = Tensor::empty(shape);
  dropout_forward(x.data(), p, seed, stream, x.numel(), mask.data(), y.data());
  check_finite(y, "dropout", "output");
  if (needs_grad({x})) {
    record(y, "dropout", {x}, [x, mask](const Tensor& gy) {
      dropout_backward(mask.data(), gy.data(), x.numel(), grad_buffer(x));
    });
  }
  return y;
}

}  // namespace poolnet
