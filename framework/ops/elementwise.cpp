#include "framework/ops/elementwise.h"

#include <Eigen/Core>
#include <cmath>

#include "framework/autograd.h"
#include "framework/ops/broadcast.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
constexpr int64_t kGrain = 1 << 14;  // elements per parallel chunk

// out[i] = f(a[ia], b[ib]) over the broadcast shape of out.
template <class F>
void binary_forward(const Tensor& a, const Tensor& b, const Tensor& out, const F& f) {
  const float* pa = a.data();
  const float* pb = b.data();
  float* po = out.data();
  if (a.shape() == b.shape()) {
    parallel::parallel_for(0, out.numel(), kGrain, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) po[i] = f(pa[i], pb[i]);
    });
    return;
  }
  const Shape& os = out.shape();
  const int64_t inner = os.empty() ? 1 : std::max<int64_t>(os.back(), 1);
  parallel::parallel_for(0, detail::row_count(os), std::max<int64_t>(1, kGrain / inner), [&](int64_t r0, int64_t r1) {
    detail::broadcast_loop(os, a.shape(), b.shape(), r0, r1,
                           [&](int64_t i, int64_t ia, int64_t ib) { po[i] = f(pa[ia], pb[ib]); });
  });
}

// grad buffer of `in` += sum over broadcast dims of g(i) = f(gy[i], a[ia], b[ib]).
template <class F>
void binary_backward(const Tensor& gy, const Tensor& a, const Tensor& b, const Tensor& in, const F& f) {
  if (!in.requires_grad()) return;
  Tensor full = Tensor::empty(gy.shape());
  const float* pg = gy.data();
  const float* pa = a.data();
  const float* pb = b.data();
  float* pf = full.data();
  detail::broadcast_loop(gy.shape(), a.shape(), b.shape(), 0, detail::row_count(gy.shape()),
                         [&](int64_t i, int64_t ia, int64_t ib) { pf[i] = f(pg[i], pa[ia], pb[ib]); });
  detail::sum_into(pf, gy.shape(), grad_buffer(in), in.shape());
}

enum class BinaryOp { kAdd, kSub, kMul, kDiv };

Tensor binary(const Tensor& a, const Tensor& b, BinaryOp op, const char* name) {
  Tensor out = Tensor::empty(detail::broadcast_shape(a.shape(), b.shape(), name));
  switch (op) {
    case BinaryOp::kAdd:
      binary_forward(a, b, out, [](float x, float y) { return x + y; });
      break;
    case BinaryOp::kSub:
      binary_forward(a, b, out, [](float x, float y) { return x - y; });
      break;
    case BinaryOp::kMul:
      binary_forward(a, b, out, [](float x, float y) { return x * y; });
      break;
    case BinaryOp::kDiv:
      binary_forward(a, b, out, [](float x, float y) { return x / y; });
      break;
  }
  check_finite(out, name, "output");
  if (!needs_grad({a, b})) return out;
  record(out, name, {a, b}, [a = a.detach(), b = b.detach(), ra = a, rb = b, op](const Tensor& gy) {
    switch (op) {
      case BinaryOp::kAdd:
        binary_backward(gy, a, b, ra, [](float g, float, float) { return g; });
        binary_backward(gy, a, b, rb, [](float g, float, float) { return g; });
        break;
      case BinaryOp::kSub:
        binary_backward(gy, a, b, ra, [](float g, float, float) { return g; });
        binary_backward(gy, a, b, rb, [](float g, float, float) { return -g; });
        break;
      case BinaryOp::kMul:
        binary_backward(gy, a, b, ra, [](float g, float, float y) { return g * y; });
        binary_backward(gy, a, b, rb, [](float g, float x, float) { return g * x; });
        break;
      case BinaryOp::kDiv:
        binary_backward(gy, a, b, ra, [](float g, float, float y) { return g / y; });
        binary_backward(gy, a, b, rb, [](float g, float x, float y) { return -g * x / (y * y); });
        break;
    }
  });
  return out;
}

// y = f(x) computed a chunk at a time (chunk(x + i0, y + i0, n)); backward: gx += gy * d(x, y).
template <class Chunk, class D>
Tensor unary_chunked(const Tensor& x, const char* name, const Chunk& chunk, const D& d) {
  Tensor y = Tensor::empty(x.shape());
  const float* px = x.data();
  float* py = y.data();
  parallel::parallel_for(0, x.numel(), kGrain, [&](int64_t i0, int64_t i1) { chunk(px + i0, py + i0, i1 - i0); });
  check_finite(y, name, "output");
  if (!needs_grad({x})) return y;
  record(y, name, {x}, [x, xd = x.detach(), yd = y.detach(), d](const Tensor& gy) {
    const float* g = gy.data();
    const float* xv = xd.data();
    const float* yv = yd.data();
    float* gx = grad_buffer(x);
    parallel::parallel_for(0, xd.numel(), kGrain, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) gx[i] += g[i] * d(xv[i], yv[i]);
    });
  });
  return y;
}

// y = f(x) element by element; backward: gx += gy * d(x, y).
template <class F, class D>
Tensor unary(const Tensor& x, const char* name, const F& f, const D& d) {
  return unary_chunked(
      x, name,
      [&f](const float* in, float* out, int64_t n) {
        for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
      },
      d);
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryOp::kAdd, "add"); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryOp::kSub, "sub"); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryOp::kMul, "mul"); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryOp::kDiv, "div"); }

Tensor add(const Tensor& x, float s) {
  return unary(
      x, "add_scalar", [s](float v) { return v + s; }, [](float, float) { return 1.0f; });
}

Tensor mul(const Tensor& x, float s) {
  return unary(
      x, "mul_scalar", [s](float v) { return v * s; }, [s](float, float) { return s; });
}

Tensor neg(const Tensor& x) {
  return unary(
      x, "neg", [](float v) { return -v; }, [](float, float) { return -1.0f; });
}

Tensor exp(const Tensor& x) {
  return unary(
      x, "exp", [](float v) { return std::exp(v); }, [](float, float y) { return y; });
}

Tensor log(const Tensor& x) {
  return unary(
      x, "log", [](float v) { return std::log(v); }, [](float v, float) { return 1.0f / v; });
}

Tensor relu(const Tensor& x) {
  return unary(
      x, "relu", [](float v) { return relu_value(v); }, [](float v, float) { return v > 0.0f ? 1.0f : 0.0f; });
}

void relu_in_place(float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = relu_value(y[i]);
}

Tensor leaky_relu(const Tensor& x, float negative_slope) {
  return unary(
      x, "leaky_relu", [negative_slope](float v) { return v > 0.0f ? v : v * negative_slope; },
      [negative_slope](float v, float) { return v > 0.0f ? 1.0f : negative_slope; });
}

Tensor sigmoid(const Tensor& x) {
  // Eigen's vectorised exp: a chunk costs a fraction of the scalar loop's time.
  return unary_chunked(
      x, "sigmoid",
      [](const float* in, float* out, int64_t n) {
        Eigen::Map<Eigen::ArrayXf>(out, n) = ((-Eigen::Map<const Eigen::ArrayXf>(in, n)).exp() + 1.0f).inverse();
      },
      [](float, float y) { return y * (1.0f - y); });
}

Tensor tanh(const Tensor& x) {
  return unary(
      x, "tanh", [](float v) { return std::tanh(v); }, [](float, float y) { return 1.0f - y * y; });
}

Tensor pow(const Tensor& x, float p) {
  return unary(
      x, "pow", [p](float v) { return std::pow(v, p); }, [p](float v, float) { return p * std::pow(v, p - 1.0f); });
}

Tensor abs(const Tensor& x) {
  return unary(
      x, "abs", [](float v) { return std::fabs(v); },
      [](float v, float) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); });
}

Tensor sqrt(const Tensor& x) {
  return unary(
      x, "sqrt", [](float v) { return std::sqrt(v); }, [](float, float y) { return 0.5f / y; });
}

}  // namespace poolnet
