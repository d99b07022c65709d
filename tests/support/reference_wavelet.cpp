#include "tests/support/reference_wavelet.h"

#include <cmath>
#include <stdexcept>

namespace poolnet::reference {

std::vector<double> wavelet_lowpass(const std::string& wavelet) {
  if (wavelet == "haar") return {1 / std::sqrt(2.0), 1 / std::sqrt(2.0)};
  if (wavelet == "db2") {
    const double s3 = std::sqrt(3.0), d = 4 * std::sqrt(2.0);
    return {(1 + s3) / d, (3 + s3) / d, (3 - s3) / d, (1 - s3) / d};
  }
  throw std::invalid_argument("unknown wavelet " + wavelet);
}

namespace {
std::vector<double> highpass(const std::vector<double>& t) {
  const size_t F = t.size();
  std::vector<double> g(F);
  for (size_t k = 0; k < F; ++k) g[k] = (k % 2 == 0 ? 1.0 : -1.0) * t[F - 1 - k];
  return g;
}

int64_t wrapped(int64_t p, int64_t n) {
  while (p < 0) p += n;
  while (p >= n) p -= n;
  return p;
}

// One axis: approximation and detail of a periodic signal (odd: its last sample repeated first).
void analyse(std::vector<double> z, const std::vector<double>& t, std::vector<double>& a, std::vector<double>& d) {
  if (z.size() % 2 == 1) z.push_back(z.back());
  const std::vector<double> g = highpass(t);
  const int64_t n = static_cast<int64_t>(z.size()), F = static_cast<int64_t>(t.size());
  a.assign(n / 2, 0.0);
  d.assign(n / 2, 0.0);
  for (int64_t i = 0; i < n / 2; ++i) {
    for (int64_t k = 0; k < F; ++k) {
      const double v = z[wrapped(2 * i + k - F / 2 + 1, n)];
      a[i] += t[k] * v;
      d[i] += g[k] * v;
    }
  }
}

// The transpose of analyse: every coefficient spreads back over the inputs it read.
std::vector<double> synthesise(const std::vector<double>& a, const std::vector<double>& d,
                               const std::vector<double>& t) {
  const std::vector<double> g = highpass(t);
  const int64_t n = 2 * static_cast<int64_t>(a.size()), F = static_cast<int64_t>(t.size());
  std::vector<double> z(n, 0.0);
  for (int64_t i = 0; i < n / 2; ++i) {
    for (int64_t k = 0; k < F; ++k) z[wrapped(2 * i + k - F / 2 + 1, n)] += t[k] * a[i] + g[k] * d[i];
  }
  return z;
}

Plane transpose(const Plane& p) {
  Plane out(p[0].size(), std::vector<double>(p.size()));
  for (size_t i = 0; i < p.size(); ++i)
    for (size_t j = 0; j < p[0].size(); ++j) out[j][i] = p[i][j];
  return out;
}

// Each row of p split into its low and high halves.
void analyse_rows(const Plane& p, const std::vector<double>& t, Plane& low, Plane& high) {
  low.assign(p.size(), {});
  high.assign(p.size(), {});
  for (size_t i = 0; i < p.size(); ++i) analyse(p[i], t, low[i], high[i]);
}

Plane synthesise_rows(const Plane& low, const Plane& high, const std::vector<double>& t) {
  Plane out(low.size());
  for (size_t i = 0; i < low.size(); ++i) out[i] = synthesise(low[i], high[i], t);
  return out;
}

Plane plane_of(const Tensor& x, int64_t n, int64_t c) {
  Plane p(x.size(2), std::vector<double>(x.size(3)));
  for (int64_t i = 0; i < x.size(2); ++i)
    for (int64_t j = 0; j < x.size(3); ++j) p[i][j] = x.at({n, c, i, j});
  return p;
}

Plane cropped(Plane p, size_t rows, size_t cols) {
  p.resize(rows);
  for (std::vector<double>& row : p) row.resize(cols);
  return p;
}

template <class PlaneFn>
Tensor per_plane(const Tensor& x, const PlaneFn& f) {
  Tensor y = Tensor::zeros({x.size(0), x.size(1), (x.size(2) + 1) / 2, (x.size(3) + 1) / 2});
  for (int64_t n = 0; n < x.size(0); ++n)
    for (int64_t c = 0; c < x.size(1); ++c) {
      const Plane out = f(plane_of(x, n, c));
      for (int64_t i = 0; i < y.size(2); ++i)
        for (int64_t j = 0; j < y.size(3); ++j) y.at({n, c, i, j}) = static_cast<float>(out[i][j]);
    }
  return y;
}
}  // namespace

// Along W (each row), then along H (each column, through a transpose).
SubBands dwt2(const Plane& x, const std::string& wavelet) {
  const std::vector<double> t = wavelet_lowpass(wavelet);
  Plane row_low, row_high, ll, lh, hl, hh;
  analyse_rows(x, t, row_low, row_high);
  analyse_rows(transpose(row_low), t, ll, hl);
  analyse_rows(transpose(row_high), t, lh, hh);
  return {transpose(ll), transpose(lh), transpose(hl), transpose(hh)};
}

Plane idwt2(const SubBands& b, const std::string& wavelet, size_t rows, size_t cols) {
  const std::vector<double> t = wavelet_lowpass(wavelet);
  const Plane row_low = transpose(synthesise_rows(transpose(b.ll), transpose(b.hl), t));
  const Plane row_high = transpose(synthesise_rows(transpose(b.lh), transpose(b.hh), t));
  return cropped(synthesise_rows(row_low, row_high, t), rows, cols);
}

Tensor wavelet_pool_two_level(const Tensor& x, const std::string& wavelet) {
  return per_plane(x, [&](const Plane& p) {
    const SubBands level1 = dwt2(p, wavelet);  // its lh, hl, hh are discarded
    const SubBands level2 = dwt2(level1.ll, wavelet);
    return idwt2(level2, wavelet, level1.ll.size(), level1.ll[0].size());
  });
}

Tensor wavelet_approximation(const Tensor& x, const std::string& wavelet) {
  return per_plane(x, [&](const Plane& p) { return dwt2(p, wavelet).ll; });
}

}  // namespace poolnet::reference
