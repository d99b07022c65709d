// The kernel shared by the frequency-domain pooling ops (framework/ops/spectral_pool.h): per
// [H,W] plane, a 2-D DFT, a weighted selection of frequencies, an inverse DFT of the smaller
// grid, then the real part or the magnitude:
//
//   spectral_crop2d(x, c):  x [N,C,H,W] -> y [N,C,OH,OW],  OH = c.rows.source.size(), OW = c.cols...
//   X = F_{HxW} x                                   (forward DFT, framework/fft.h, unnormalised)
//   Z[j,l] = c.scale * rows.weight[j] * cols.weight[l] * X[rows.source[j], cols.source[l]]
//   z = F^{-1}_{OHxOW} Z                            (inverse DFT, unnormalised)
//   y = Re z, or |z| when c.magnitude
//
// The map x -> z is linear, A = F^{-1} S F (S: the weighted selection), so its adjoint is the
// same chain run backwards with the transposed matrices; the DFT matrices are symmetric, so
//   gx += Re( F_{HxW} S^T F^{-1}_{OHxOW} g ),  g = gy (real part) or gy * conj(z) / |z| (magnitude;
// 0 where z = 0, as PyTorch's abs). Each source index appears at most once per axis, so S^T
// scatters without collisions. A NaN or an infinity in a plane reaches every output of the plane
// (every frequency reads every pixel). Parallel over the N*C planes with the same split in
// forward and backward; each plane is transformed by the same cached FFTW plan on the thread's
// own aligned buffers, so results are bitwise identical at any thread count.
#pragma once

#include <string>
#include <vector>

#include "framework/tensor.h"

namespace poolnet {

// One axis of the selection: output frequency j reads input frequency source[j] (0 <= source[j]
// < input length, all distinct) with weight weight[j].
struct SpectralAxis {
  std::vector<int64_t> source{};
  std::vector<double> weight{};
};

struct SpectralCrop {
  std::string op{};  // the calling op's name, for the backward node and anomaly checks
  SpectralAxis rows{}, cols{};
  double scale = 1.0;
  bool magnitude = false;  // |z| instead of Re z
};

// x must be [N,C,H,W] with every source index inside H and W (the callers validate and build c).
Tensor spectral_crop2d(const Tensor& x, const SpectralCrop& c);

}  // namespace poolnet
