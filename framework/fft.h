// 2-D discrete Fourier transforms of [H,W] planes on FFTW3 (single precision), for the spectral
// pooling ops (docs/performance.md, "Transforms": FFTW against the DFT as two small GEMMs at
// these sizes; FFTW was kept).
//
//   forward:  X[k,l] = sum_{h,w} x[h,w] exp(-2 pi i (k h / H + l w / W))
//   inverse:  x[h,w] = sum_{k,l} X[k,l] exp(+2 pi i (k h / H + l w / W))   (no 1/(H W): unnormalised)
//
// Planes are complex, row-major, out of place (in != out). One plan per (H, W, direction) is
// created on first use under a mutex (FFTW's planner is not thread-safe; FFTW_ESTIMATE, so a plan
// does not depend on timing) and cached for the life of the process; execution uses FFTW's
// new-array interface, which is thread-safe, so oneTBB workers transform their own planes
// concurrently. Buffers must be 64-byte aligned (PlaneBuffer, or allocate_floats), as were the
// arrays the plans were made with: the same plan on equally aligned data gives bitwise the same
// result on every thread.
#pragma once

#include <complex>
#include <cstdint>

#include "framework/scratch.h"

namespace poolnet::fft {

using Complex = std::complex<float>;  // layout-compatible with fftwf_complex

enum class Direction { kForward, kInverse };

// out [H,W] = the transform of in [H,W]; in and out are distinct 64-byte-aligned buffers.
void transform2d(const Complex* in, Complex* out, int64_t H, int64_t W, Direction direction);

// A per-thread, 64-byte-aligned working plane of at least n complex values (contents unspecified);
// `slot` tells apart the buffers one kernel needs at the same time (0..3).
Complex* scratch_plane(int slot, int64_t n);

}  // namespace poolnet::fft
