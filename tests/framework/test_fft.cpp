#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "framework/fft.h"
#include "framework/parallel.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using fft::Complex;
using fft::Direction;

// A plane of n complex values in the per-thread aligned scratch of `slot`, filled from a seed.
Complex* filled_plane(int slot, int64_t n, uint64_t seed) {
  const Tensor re = testing::random_tensor({n}, seed), im = testing::random_tensor({n}, seed + 1);
  Complex* p = fft::scratch_plane(slot, n);
  for (int64_t i = 0; i < n; ++i) p[i] = Complex(re.data()[i], im.data()[i]);
  return p;
}

TEST(Fft, MatchesTheDirectSumBothWays) {
  for (auto [H, W] : {std::pair<int64_t, int64_t>{5, 7}, {8, 8}, {1, 6}, {14, 14}}) {
    for (Direction d : {Direction::kForward, Direction::kInverse}) {
      const Complex* in = filled_plane(0, H * W, 7);
      Complex* out = fft::scratch_plane(1, H * W);
      fft::transform2d(in, out, H, W, d);
      const double sign = d == Direction::kForward ? -1.0 : 1.0;
      for (int64_t k = 0; k < H; ++k) {
        for (int64_t l = 0; l < W; ++l) {
          std::complex<double> sum = 0.0;
          for (int64_t h = 0; h < H; ++h) {
            for (int64_t w = 0; w < W; ++w) {
              const double angle = 2.0 * std::numbers::pi * (double(k * h) / double(H) + double(l * w) / double(W));
              sum += std::complex<double>(in[h * W + w]) * std::polar(1.0, sign * angle);
            }
          }
          EXPECT_NEAR(out[k * W + l].real(), sum.real(), 1e-5 * double(H * W)) << H << "x" << W << " " << k << "," << l;
          EXPECT_NEAR(out[k * W + l].imag(), sum.imag(), 1e-5 * double(H * W)) << H << "x" << W << " " << k << "," << l;
        }
      }
    }
  }
}

TEST(Fft, InverseOfForwardIsTheInputTimesItsSize) {
  const int64_t H = 28, W = 28;
  const Complex* x = filled_plane(0, H * W, 3);
  Complex* spectrum = fft::scratch_plane(1, H * W);
  Complex* back = fft::scratch_plane(2, H * W);
  fft::transform2d(x, spectrum, H, W, Direction::kForward);
  fft::transform2d(spectrum, back, H, W, Direction::kInverse);
  for (int64_t i = 0; i < H * W; ++i) EXPECT_NEAR(std::abs(back[i] / float(H * W) - x[i]), 0.0, 1e-5) << i;
}

// The plans were made for aligned arrays; FFTW's new-array execution requires the same alignment.
TEST(Fft, RejectsPlanesWithoutTheirAlignment) {
  Complex* in = fft::scratch_plane(0, 17);
  Complex* out = fft::scratch_plane(1, 17);
  EXPECT_THROW(fft::transform2d(in + 1, out, 4, 4, Direction::kForward), std::invalid_argument);
  EXPECT_THROW(fft::transform2d(in, out + 1, 4, 4, Direction::kInverse), std::invalid_argument);
}

// Worker threads share the cached plans: every plane gives the same bits as alone.
TEST(Fft, ConcurrentPlanesGiveTheBitsOfASerialRun) {
  const int64_t planes = 64, H = 16, W = 12;
  const int64_t stride = (H + 2) * W;
  std::vector<Complex> serial(planes * stride), parallel_out(planes * stride);
  const auto run = [&](std::vector<Complex>& out) {
    parallel::parallel_for(0, planes, 1, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q) {
        const int64_t Hq = H + q % 3, n = Hq * W;  // three sizes, planned concurrently
        Complex* in = filled_plane(0, n, 100 + q);
        Complex* spectrum = fft::scratch_plane(1, n);
        fft::transform2d(in, spectrum, Hq, W, Direction::kForward);
        std::copy(spectrum, spectrum + n, out.begin() + q * stride);
      }
    });
  };
  testing::with_threads(1, [&] { run(serial); });
  testing::with_threads(2, [&] { run(parallel_out); });
  EXPECT_EQ(std::memcmp(serial.data(), parallel_out.data(), serial.size() * sizeof(Complex)), 0);
}

}  // namespace
}  // namespace poolnet
