// Deliberately naive references of the frequency-domain pooling ops (framework/ops/spectral_pool.h):
// every DFT is the direct double sum (O(N^2) per frequency), in double, and the fftshift /
// ifftshift of the authors' code are the rolls they are defined as.
#pragma once

#include "framework/tensor.h"

namespace poolnet::reference {

// Rippel et al.: the centred OH x OW block of the spectrum (signed frequencies -OH/2 ..), norm
// "forward", real part of the inverse.
Tensor spectral_pool(const Tensor& x, double ratio);
// flc_pooling.py: abs(ifft2(ifftshift(fftshift(fft2(x))[crop]))).
Tensor flc_pool(const Tensor& x);
// asap.py (transpose=False): ifft2(ifftshift((fftshift(fft2(x, "forward")) * window)[crop]), "forward").real.
Tensor asap_pool(const Tensor& x);

}  // namespace poolnet::reference
