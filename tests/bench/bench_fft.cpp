// The transform behind the spectral pooling ops: a forward and an inverse 2-D DFT of each of 256
// complex [S,S] planes, single thread, by FFTW (framework/fft.h, cached FFTW_ESTIMATE plans, new-
// array execution) against the DFT as small GEMMs (Eigen, complex float: X = F_S x F_S^T per plane,
// or the right-hand product over the whole batch as one GEMM [256 S, S] x [S, S] and the left-hand
// one per plane). Argument: S. docs/performance.md, "Transforms", holds the figures.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <complex>
#include <numbers>
#include <vector>

#include "framework/fft.h"
#include "framework/parallel.h"

namespace {
using Complex = std::complex<float>;
using Mat = Eigen::Matrix<Complex, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr int64_t kPlanes = 256;

Mat dft_matrix(int64_t n, double sign) {
  Mat f(n, n);
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t j = 0; j < n; ++j) {
      const double angle = sign * 2.0 * std::numbers::pi * static_cast<double>(k * j % n) / static_cast<double>(n);
      f(k, j) = Complex(static_cast<float>(std::cos(angle)), static_cast<float>(std::sin(angle)));
    }
  }
  return f;
}

void report(benchmark::State& state, int64_t S) {
  state.counters["planes/s"] =
      benchmark::Counter(static_cast<double>(kPlanes), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(S) + "x" + std::to_string(S));
}

void BM_FftwForwardInverse(benchmark::State& state) {
  const int64_t S = state.range(0), n = S * S;
  poolnet::ScratchBuffer a, b, c;  // input, spectrum, back (the input stays as it is)
  Complex* x = reinterpret_cast<Complex*>(a.get(2 * kPlanes * n));
  Complex* y = reinterpret_cast<Complex*>(b.get(2 * kPlanes * n));
  Complex* z = reinterpret_cast<Complex*>(c.get(2 * kPlanes * n));
  for (int64_t i = 0; i < kPlanes * n; ++i) x[i] = Complex(static_cast<float>(i % 7) - 3.0f, 0.0f);
  for (auto _ : state) {
    for (int64_t q = 0; q < kPlanes; ++q) {
      poolnet::fft::transform2d(x + q * n, y + q * n, S, S, poolnet::fft::Direction::kForward);
      poolnet::fft::transform2d(y + q * n, z + q * n, S, S, poolnet::fft::Direction::kInverse);
    }
    benchmark::DoNotOptimize(z);
  }
  report(state, S);
}

void BM_GemmPerPlaneForwardInverse(benchmark::State& state) {
  const int64_t S = state.range(0);
  const Mat f = dft_matrix(S, -1.0), g = dft_matrix(S, 1.0);
  const std::vector<Mat> planes(kPlanes, Mat::Constant(S, S, Complex(0.5f, 0.0f)));
  std::vector<Mat> back(kPlanes, Mat(S, S));
  Mat t(S, S), y(S, S);
  for (auto _ : state) {
    for (int64_t q = 0; q < kPlanes; ++q) {
      t.noalias() = f * planes[q];
      y.noalias() = t * f;  // F is symmetric: x F^T = x F
      t.noalias() = g * y;
      back[q].noalias() = t * g;
    }
    benchmark::DoNotOptimize(back.data());
  }
  report(state, S);
}

void BM_GemmBatchedForwardInverse(benchmark::State& state) {
  const int64_t S = state.range(0);
  const Mat f = dft_matrix(S, -1.0), g = dft_matrix(S, 1.0);
  const Mat x = Mat::Constant(kPlanes * S, S, Complex(0.5f, 0.0f));
  Mat t(kPlanes * S, S), u(kPlanes * S, S);
  for (auto _ : state) {
    t.noalias() = x * f;  // every plane's rows at once
    for (int64_t q = 0; q < kPlanes; ++q) u.middleRows(q * S, S).noalias() = f * t.middleRows(q * S, S);
    t.noalias() = u * g;
    for (int64_t q = 0; q < kPlanes; ++q) u.middleRows(q * S, S).noalias() = g * t.middleRows(q * S, S);
    benchmark::DoNotOptimize(u.data());
  }
  report(state, S);
}
}  // namespace

#define POOLNET_FFT_BENCH(fn) BENCHMARK(fn)->Arg(8)->Arg(14)->Arg(16)->Arg(28)->Arg(32)->Unit(benchmark::kMicrosecond)
POOLNET_FFT_BENCH(BM_FftwForwardInverse);
POOLNET_FFT_BENCH(BM_GemmPerPlaneForwardInverse);
POOLNET_FFT_BENCH(BM_GemmBatchedForwardInverse);
