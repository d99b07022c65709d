#include "framework/ops/shape_ops.h"

#include <cstring>
#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/errors.h"

namespace poolnet {

namespace {
Shape resolve_shape(const Shape& from, Shape to) {
  int64_t known = 1;
  int64_t infer = -1;
  for (size_t k = 0; k < to.size(); ++k) {
    if (to[k] == -1 && infer < 0) {
      infer = static_cast<int64_t>(k);
    } else if (to[k] < 0) {
      throw ShapeError(fmt::format("reshape: invalid target shape {} for input {}", shape_str(to), shape_str(from)));
    } else {
      known *= to[k];
    }
  }
  const int64_t n = numel_of(from);
  const bool inferable = infer < 0 || (known != 0 && n % known == 0);
  if (infer >= 0 && inferable) to[static_cast<size_t>(infer)] = n / known;
  if (!inferable || numel_of(to) != n) {
    throw ShapeError(fmt::format("reshape: cannot view input {} ({} elements) as {}", shape_str(from), n,
                                 shape_str(to)));
  }
  return to;
}
}  // namespace

Tensor reshape(const Tensor& x, Shape shape) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->shape = resolve_shape(x.shape(), std::move(shape));
  Tensor y(std::move(impl));
  check_finite(y, "reshape", "output");
  if (needs_grad({x})) {
    record(y, "reshape", {x}, [x](const Tensor& gy) {
      float* gx = grad_buffer(x);
      const float* g = gy.data();
      const int64_t n = gy.numel();  // once: the loop's stores could alias the shape
      for (int64_t i = 0; i < n; ++i) gx[i] += g[i];
    });
  }
  return y;
}

Tensor flatten(const Tensor& x, int64_t start_dim) {
  const int64_t rank = x.dim();
  const int64_t s = start_dim < 0 ? start_dim + rank : start_dim;
  if (s < 0 || s >= std::max<int64_t>(rank, 1)) {
    throw ShapeError(fmt::format("flatten: start_dim {} out of range for shape {}", start_dim, shape_str(x.shape())));
  }
  Shape out(x.shape().begin(), x.shape().begin() + s);
  out.push_back(-1);
  return reshape(x, out);
}

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) throw ShapeError("concat: no tensors given");
  const Shape& first = xs[0].shape();
  const int64_t rank = static_cast<int64_t>(first.size());
  const int64_t d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank) {
    throw ShapeError(fmt::format("concat: dimension {} out of range for shape {}", dim, shape_str(first)));
  }
  Shape out = first;
  out[static_cast<size_t>(d)] = 0;
  for (const Tensor& t : xs) {
    Shape probe = t.shape();
    if (probe.size() != first.size()) {
      throw ShapeError(fmt::format("concat: shapes {} and {} differ in rank", shape_str(first), shape_str(probe)));
    }
    out[static_cast<size_t>(d)] += probe[static_cast<size_t>(d)];
    probe[static_cast<size_t>(d)] = first[static_cast<size_t>(d)];
    if (probe != first) {
      throw ShapeError(fmt::format("concat: shapes {} and {} differ outside dimension {}", shape_str(first),
                                   shape_str(t.shape()), d));
    }
  }
  int64_t outer = 1;
  for (int64_t k = 0; k < d; ++k) outer *= first[static_cast<size_t>(k)];
  const int64_t out_block = numel_of(out) / std::max<int64_t>(outer, 1);
  Tensor y = Tensor::empty(out);
  // Copies between y and each input's block: y[o, offset : offset + block] <-> x[o, :].
  int64_t offset = 0;
  std::vector<int64_t> offsets;
  for (const Tensor& t : xs) {
    const int64_t block = t.numel() / std::max<int64_t>(outer, 1);
    for (int64_t o = 0; o < outer; ++o) {
      std::memcpy(y.data() + o * out_block + offset, t.data() + o * block, static_cast<size_t>(block) * sizeof(float));
    }
    offsets.push_back(offset);
    offset += block;
  }
  check_finite(y, "concat", "output");
  bool any = false;
  for (const Tensor& t : xs) any = any || needs_grad({t});
  if (any) {
    record(y, "concat", xs, [xs, offsets, outer, out_block](const Tensor& gy) {
      for (size_t k = 0; k < xs.size(); ++k) {
        if (!xs[k].requires_grad()) continue;
        const int64_t block = xs[k].numel() / std::max<int64_t>(outer, 1);
        float* gx = grad_buffer(xs[k]);
        for (int64_t o = 0; o < outer; ++o) {
          const float* g = gy.data() + o * out_block + offsets[k];
          for (int64_t i = 0; i < block; ++i) gx[o * block + i] += g[i];
        }
      }
    });
  }
  return y;
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  const int64_t rank = x.dim(), d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank || start < 0 || length < 0 || start + length > x.size(d)) {
    throw ShapeError(fmt::format("narrow: cannot take {} elements from {} along dimension {} of {}", length, start, dim,
                                 shape_str(x.shape())));
  }
  Shape out = x.shape();
  out[static_cast<size_t>(d)] = length;
  int64_t inner = 1;
  for (int64_t k = d + 1; k < rank; ++k) inner *= x.size(k);
  const int64_t outer = x.numel() / std::max<int64_t>(x.size(d) * inner, 1), block = length * inner,
                in_block = x.size(d) * inner, offset = start * inner;
  Tensor y = Tensor::empty(out);
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(y.data() + o * block, x.data() + o * in_block + offset, static_cast<size_t>(block) * sizeof(float));
  }
  if (needs_grad({x})) {
    record(y, "narrow", {x}, [x, outer, block, in_block, offset](const Tensor& gy) {
      float* gx = grad_buffer(x);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < block; ++i) gx[o * in_block + offset + i] += gy.data()[o * block + i];
      }
    });
  }
  return y;
}

}  // namespace poolnet
