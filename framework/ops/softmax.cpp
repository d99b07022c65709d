#include "framework/ops/softmax.h"

#include <cmath>
#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"

namespace poolnet {

namespace {
void require_rows(const Tensor& x, const char* op) {
  if (x.dim() != 2 || x.size(1) == 0) {
    throw ShapeError(fmt::format("{}: expected [N, C] with C >= 1, got {}", op, shape_str(x.shape())));
  }
}
}  // namespace

Tensor log_softmax(const Tensor& x) {
  require_rows(x, "log_softmax");
  const int64_t N = x.size(0), C = x.size(1);
  Tensor y = Tensor::empty(x.shape());
  const float* px = x.data();
  float* py = y.data();
  for (int64_t n = 0; n < N; ++n) {
    const float* row = px + n * C;
    float m = row[0];
    for (int64_t c = 1; c < C; ++c) m = std::isnan(row[c]) || row[c] > m ? row[c] : m;
    double s = 0.0;
    for (int64_t c = 0; c < C; ++c) s += std::exp(static_cast<double>(row[c] - m));
    const float lse = m + static_cast<float>(std::log(s));
    for (int64_t c = 0; c < C; ++c) py[n * C + c] = row[c] - lse;
  }
  check_finite(y, "log_softmax", "output");
  if (needs_grad({x})) {
    record(y, "log_softmax", {x}, [x, yd = y.detach(), N, C](const Tensor& gy) {
      const float* g = gy.data();
      const float* lp = yd.data();
      float* gx = grad_buffer(x);
      for (int64_t n = 0; n < N; ++n) {
        float total = 0.0f;
        for (int64_t c = 0; c < C; ++c) total += g[n * C + c];
        for (int64_t c = 0; c < C; ++c) gx[n * C + c] += g[n * C + c] - std::exp(lp[n * C + c]) * total;
      }
    });
  }
  return y;
}

Tensor softmax(const Tensor& x) { return exp(log_softmax(x)); }

Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> labels, float label_smoothing) {
  require_rows(logits, "cross_entropy");
  const int64_t N = logits.size(0), C = logits.size(1);
  if (static_cast<int64_t>(labels.size()) != N) {
    throw ShapeError(fmt::format("cross_entropy: logits {} need {} labels, got {}", shape_str(logits.shape()), N,
                                 labels.size()));
  }
  if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f)) {
    throw ConfigError(fmt::format("cross_entropy: label_smoothing must be in [0, 1], got {}", label_smoothing));
  }
  Tensor target = Tensor::full({N, C}, label_smoothing / static_cast<float>(C));
  for (int64_t n = 0; n < N; ++n) {
    const int32_t label = labels[static_cast<size_t>(n)];
    if (label < 0 || label >= C) {
      throw ShapeError(fmt::format("cross_entropy: label {} of sample {} is outside [0, {})", label, n, C));
    }
    target.data()[n * C + label] += 1.0f - label_smoothing;
  }
  return mul(sum(mul(log_softmax(logits), target)), -1.0f / static_cast<float>(N));
}

}  // namespace poolnet
