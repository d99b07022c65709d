#include "tests/support/reference_spectral.h"

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace poolnet::reference {

namespace {
using Complex = std::complex<double>;
using Grid = std::vector<std::vector<Complex>>;  // [rows][cols]

// sign -1: forward, +1: inverse (both unnormalised).
Grid dft2(const Grid& a, int sign) {
  const size_t H = a.size(), W = a[0].size();
  Grid out(H, std::vector<Complex>(W));
  for (size_t k = 0; k < H; ++k) {
    for (size_t l = 0; l < W; ++l) {
      Complex sum = 0.0;
      for (size_t h = 0; h < H; ++h) {
        for (size_t w = 0; w < W; ++w) {
          const double angle = 2.0 * std::numbers::pi *
                               (static_cast<double>(k * h) / static_cast<double>(H) +
                                static_cast<double>(l * w) / static_cast<double>(W));
          sum += a[h][w] * std::polar(1.0, sign * angle);
        }
      }
      out[k][l] = sum;
    }
  }
  return out;
}

// numpy.roll along both axes by (dh, dw): out[i] = in[i - d].
Grid roll(const Grid& a, int64_t dh, int64_t dw) {
  const int64_t H = static_cast<int64_t>(a.size()), W = static_cast<int64_t>(a[0].size());
  Grid out(H, std::vector<Complex>(W));
  for (int64_t i = 0; i < H; ++i) {
    for (int64_t j = 0; j < W; ++j) out[i][j] = a[(((i - dh) % H) + H) % H][(((j - dw) % W) + W) % W];
  }
  return out;
}
Grid fftshift(const Grid& a) { return roll(a, a.size() / 2, a[0].size() / 2); }
Grid ifftshift(const Grid& a) {
  return roll(a, -static_cast<int64_t>(a.size() / 2), -static_cast<int64_t>(a[0].size() / 2));
}

Grid crop(const Grid& a, size_t r0, size_t r1, size_t c0, size_t c1) {
  Grid out;
  for (size_t i = r0; i < r1; ++i) out.emplace_back(a[i].begin() + c0, a[i].begin() + c1);
  return out;
}

double hamming(size_t n, size_t i) {
  return n == 1 ? 1.0 : 0.54 - 0.46 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / (n - 1.0));
}

// Applies plane(grid) -> grid to every [H,W] plane; `real`: the real part, else the magnitude.
template <class Plane>
Tensor per_plane(const Tensor& x, const Plane& plane, bool real) {
  const int64_t H = x.size(2), W = x.size(3);
  std::vector<float> out;
  Shape shape;
  for (int64_t q = 0; q < x.size(0) * x.size(1); ++q) {
    Grid a(H, std::vector<Complex>(W));
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t w = 0; w < W; ++w) a[h][w] = x.data()[(q * H + h) * W + w];
    }
    const Grid y = plane(a);
    shape = {x.size(0), x.size(1), static_cast<int64_t>(y.size()), static_cast<int64_t>(y[0].size())};
    for (const auto& row : y) {
      for (Complex v : row) out.push_back(static_cast<float>(real ? v.real() : std::abs(v)));
    }
  }
  return Tensor::from_vector(shape, out);
}

void scale(Grid& a, double s) {
  for (auto& row : a) {
    for (Complex& v : row) v *= s;
  }
}
}  // namespace

Tensor spectral_pool(const Tensor& x, double ratio) {
  return per_plane(
      x,
      [ratio](const Grid& a) {
        const size_t H = a.size(), W = a[0].size();
        const size_t oh = std::max<size_t>(1, static_cast<size_t>(std::floor(ratio * H)));
        const size_t ow = std::max<size_t>(1, static_cast<size_t>(std::floor(ratio * W)));
        Grid s = fftshift(dft2(a, -1));
        scale(s, 1.0 / static_cast<double>(H * W));
        const size_t r0 = H / 2 - oh / 2, c0 = W / 2 - ow / 2;
        return dft2(ifftshift(crop(s, r0, r0 + oh, c0, c0 + ow)), +1);
      },
      true);
}

Tensor flc_pool(const Tensor& x) {
  return per_plane(
      x,
      [](const Grid& a) {
        const size_t H = a.size(), W = a[0].size();
        const Grid block = crop(fftshift(dft2(a, -1)), H / 4, 3 * H / 4, W / 4, 3 * W / 4);
        Grid y = dft2(ifftshift(block), +1);
        scale(y, 1.0 / static_cast<double>(block.size() * block[0].size()));
        return y;
      },
      false);
}

Tensor asap_pool(const Tensor& x) {
  return per_plane(
      x,
      [](const Grid& a) {
        const size_t H = a.size(), W = a[0].size();
        Grid s = fftshift(dft2(a, -1));
        for (size_t i = 0; i < H; ++i) {
          for (size_t j = 0; j < W; ++j)
            s[i][j] *= std::sqrt(hamming(H, i) * hamming(W, j)) / static_cast<double>(H * W);
        }
        return dft2(ifftshift(crop(s, H / 4, 3 * H / 4, W / 4, 3 * W / 4)), +1);
      },
      true);
}

}  // namespace poolnet::reference
