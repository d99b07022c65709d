// Pooling in the frequency domain: each [H,W] plane is transformed with a 2-D DFT (FFTW3,
// framework/fft.h), a block of low frequencies is kept, and the inverse DFT of that block is the
// smaller output. No parameters. Shapes x [N,C,H,W] -> y [N,C,OH,OW]. All three are linear maps
// of the plane (FLC then takes a magnitude); the gradient is the adjoint chain (forward DFT of
// the zero-padded inverse DFT of the upstream gradient: framework/ops/spectral_crop.h), exact
// up to rounding. Every output reads the whole plane, so a NaN or an infinity anywhere in a
// plane makes the whole output plane NaN. Parallel over the N*C planes, the same split in
// backward; bitwise identical at any thread count.
//
// spectral_pool2d (Rippel, Snoek & Adams 2015, "Spectral representations for convolutional
// neural networks", Sec. 3, spectral pooling):
//   OH = max(1, floor(ratio * H)), OW likewise;
//   y = Re( IDFT_{OHxOW}( crop( DFT_{HxW}(x) / (H W) ) ) )    (IDFT unnormalised)
//   crop keeps the signed frequencies k in [-floor(OH/2), ceil(OH/2) - 1] (and likewise along
//   W): output frequency j < ceil(OH/2) reads input frequency j, the others read H - (OH - j).
//   Normalisation: a constant plane stays the same constant (the DC term is divided by H W and
//   the unnormalised inverse spreads it back), i.e. torch.fft.fft2/ifft2 with norm="forward".
//   Even OH: the output's Nyquist row (j = OH/2) reads input frequency -OH/2 and the real part
//   makes it symmetric, i.e. it carries Re X[OH/2] = (X[OH/2] + X[-OH/2]) / 2 for a real input
//   (the paper's "treat corner cases" for a real result); odd OH keeps a conjugate-symmetric
//   block and the imaginary part is zero up to rounding.
//
// flc_pool2d (Grabinski, Jung, Keuper & Keuper, ECCV 2022, "FrequencyLowCut pooling"), as
// GeJulia/flc_pooling, flc_pooling.py, FLC_Pooling.forward:
//   abs(ifft2(ifftshift(fftshift(fft2(x))[:, :, int(H/4):int(H/4*3), int(W/4):int(W/4*3)])))
//   OH = floor(3H/4) - floor(H/4): the centred block of the shifted spectrum; the norms are
//   PyTorch's default "backward" (forward unscaled, inverse divided by OH OW), so a constant
//   plane c becomes (H W / (OH OW)) c, about 4c; the result is the MAGNITUDE of the complex
//   inverse (not its real part). The block holds the signed frequencies floor(H/4) - floor(H/2)
//   ... floor(3H/4) - 1 - floor(H/2); ifftshift then places input frequency k at output
//   frequency k + floor(H/2) - floor(H/4) - floor(OH/2) (mod OH), which is k except when
//   H = 2 (mod 4), e.g. 14 (kept -4..2, placed one up); the magnitude removes the phase ramp that
//   placement causes, the real part of ASAP does not (a constant 14x14 plane comes out of ASAP as
//   a cosine along H). Both are reproduced exactly, as the authors' code computes them.
//
// asap_pool2d (Grabinski, Keuper & Keuper 2023, "Fix your downsampling ASAP! Be natively more
// robust via Aliasing and Spectral Artifact free Pooling"), as GeJulia/flc_pooling, asap.py,
// ASAP.forward (transpose=False; the reference's default transpose=True returns exactly the
// transpose of this, as it transposes the input and never transposes back; poolnet keeps the
// [H,W] layout):
//   S = fftshift(fft2(x, norm="forward")) * sqrt(outer(hamming(H), hamming(W)))
//   y = ifft2(ifftshift(S[:, :, int(H/4):int(H/4*3), int(W/4):int(W/4*3)]), norm="forward").real
//   hamming(M) is numpy's symmetric window 0.54 - 0.46 cos(2 pi n / (M - 1)) (1 for M = 1),
//   indexed by the SHIFTED frequency position; a constant plane c becomes sqrt(hamming_H(H/2)
//   hamming_W(W/2)) c (the window's value at the DC position; 1 for odd sizes) when neither
//   size is 2 (mod 4). The real part, as
//   the reference. OH as FLC's.
//
// FLC and ASAP halve the map as their references (the crop of the middle half); other factors
// are a ConfigError of the strategy registry (layers/downsample.cpp), not generalised.
#pragma once

#include "framework/tensor.h"

namespace poolnet {

struct SpectralPool {
  double ratio = 0.5;  // in (0, 1): the kept fraction of each axis' frequencies
};

Shape spectral_pool2d_out_shape(const Shape& x, const SpectralPool& options);
Tensor spectral_pool2d(const Tensor& x, const SpectralPool& options = {});

// [N,C,H,W] -> [N,C,floor(3H/4)-floor(H/4), floor(3W/4)-floor(W/4)]; H, W >= 2.
Shape flc_pool2d_out_shape(const Shape& x);
Tensor flc_pool2d(const Tensor& x);

Shape asap_pool2d_out_shape(const Shape& x);  // as flc_pool2d's
Tensor asap_pool2d(const Tensor& x);

}  // namespace poolnet
