// Geometric transforms of raw images for the evaluation suites (docs/metrics.md): scaling and
// rotation about the image centre, with background 0 (the raw value, i.e. before normalisation).
//
// Coordinates: pixel (h, w) covers [w, w + 1) x [h, h + 1); its centre is (w + 0.5, h + 0.5) and
// the image centre is (W / 2, H / 2).
//
// resize_about_centre  x [N,C,H,W] -> [N,C,H,W]: the content scaled by `factor` about the centre.
//   Separable, antialiased: output pixel j of an axis of length L reads the source around
//   u = (j + 0.5 - L/2) / factor + L/2 with the triangle filter of support s = max(1, 1/factor)
//   source pixels, weight(i) = max(0, 1 - |i + 0.5 - u| / s), normalised over every integer i
//   (pixels outside the image count as 0). Upscaling is bilinear interpolation; downscaling
//   averages over the area each output pixel covers. This is the triangle ("bilinear") filter
//   with the support widened by the scale of Pillow's resampler (python-pillow/Pillow,
//   src/libImaging/Resample.c, precompute_coeffs) and of torch.nn.functional.interpolate with
//   antialias=True, except that weights are normalised over the infinite zero canvas instead of
//   the pixels inside the image, so that the border fades into the background. factor 1 is the
//   identity, exactly.
// rotate_about_centre  x [N,C,H,W] -> [N,C,H,W]: the content rotated by `degrees` clockwise as
//   displayed (x right, y down): output point p samples the input at the centre plus the
//   rotation of (p - centre) by -degrees, bilinearly, with zeros outside the image. 0 degrees
//   is the identity, exactly.
// Both run in parallel over the N*C planes; results do not depend on the thread count.
#pragma once

#include <vector>

#include "framework/tensor.h"

namespace poolnet {

// Weights [L, L] of one axis of resize_about_centre: row j holds output pixel j's weights over
// the source pixels 0..L-1.
std::vector<double> resize_weights(int64_t length, double factor);

Tensor resize_about_centre(const Tensor& x, double factor);
Tensor rotate_about_centre(const Tensor& x, double degrees);

}  // namespace poolnet
