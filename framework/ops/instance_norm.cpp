#include "framework/ops/instance_norm.h"

#include <fmt/format.h>

#include <vector>

#include "framework/errors.h"
#include "framework/ops/batch_norm.h"
#include "framework/ops/geometry.h"
#include "framework/ops/shape_ops.h"

namespace poolnet {

namespace {
// t [C] repeated n times: [n*C], the per-plane parameters of x read as [1, N*C, H, W].
Tensor repeated(const Tensor& t, int64_t n) {
  if (!t.defined() || n == 1) return t;
  return concat(std::vector<Tensor>(static_cast<size_t>(n), t), 0);
}
}  // namespace

Shape instance_norm2d_out_shape(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  require_nchw(x, "instance_norm2d");
  const int64_t C = x.size(1);
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (t->defined() && t->shape() != Shape{C}) {
      throw ShapeError(fmt::format("instance_norm2d: {} must be [{}] for input {}, got {}", name, C,
                                   shape_str(x.shape()), shape_str(t->shape())));
    }
  }
  if (x.size(2) * x.size(3) <= 1) {
    throw ShapeError(fmt::format("instance_norm2d: needs more than 1 spatial element per plane, got input {}",
                                 shape_str(x.shape())));
  }
  return x.shape();
}

Tensor instance_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  const Shape shape = instance_norm2d_out_shape(x, weight, bias);
  const int64_t N = shape[0], C = shape[1], H = shape[2], W = shape[3];
  const Tensor planes = reshape(x, {1, N * C, H, W});
  const Tensor y = batch_norm2d(planes, repeated(weight, N), repeated(bias, N), Tensor(), Tensor(), true, 0.0f, eps);
  return reshape(y, shape);
}

}  // namespace poolnet
