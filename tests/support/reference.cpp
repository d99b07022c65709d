#include "tests/support/reference.h"

#include <cstdlib>

namespace poolnet::reference {

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  Tensor y = Tensor::zeros({M, N});
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double s = 0.0;
      for (int64_t k = 0; k < K; ++k) s += static_cast<double>(a.at({m, k})) * b.at({k, n});
      y.at({m, n}) = static_cast<float>(s);
    }
  }
  return y;
}

namespace {
template <class Source>
Tensor pad_with(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right, const Source& source) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor y = Tensor::zeros({N, C, H + top + bottom, W + left + right});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < y.size(2); ++oh)
        for (int64_t ow = 0; ow < y.size(3); ++ow) y.at({n, c, oh, ow}) = source(n, c, oh - top, ow - left);
  return y;
}
}  // namespace

Tensor pad_zeros(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right, float value) {
  return pad_with(x, top, bottom, left, right, [&](int64_t n, int64_t c, int64_t h, int64_t w) {
    return (h >= 0 && h < x.size(2) && w >= 0 && w < x.size(3)) ? x.at({n, c, h, w}) : value;
  });
}

Tensor pad_reflect(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  // Mirror about the first and last pixel: index -1 reads 1, index n reads n-2.
  const auto mirror = [](int64_t i, int64_t n) {
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
  };
  return pad_with(x, top, bottom, left, right, [&](int64_t n, int64_t c, int64_t h, int64_t w) {
    return x.at({n, c, mirror(h, x.size(2)), mirror(w, x.size(3))});
  });
}

Tensor pad_circular(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  const auto wrap = [](int64_t i, int64_t n) { return ((i % n) + n) % n; };
  return pad_with(x, top, bottom, left, right, [&](int64_t n, int64_t c, int64_t h, int64_t w) {
    return x.at({n, c, wrap(h, x.size(2)), wrap(w, x.size(3))});
  });
}

}  // namespace poolnet::reference
