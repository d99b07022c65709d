// The `subpixel` evaluation suite: how a classifier's prediction changes when its input moves by
// a fraction of a pixel, the shifted images made by ideal (Fourier) interpolation, circularly.
// Defined in docs/metrics.md ("Sub-pixel shifts"); the transforms run on framework/fft.h.
//
//   subpixel_consistency  share of (image, shifted copy) pairs predicted like the unshifted image
//   subpixel_prob_change  mean |change| of the unshifted prediction's softmax probability
//   subpixel_curve        agreement per axis (x: right, y: down) and shift in px
#pragma once

#include <vector>

#include "experiments/eval/suites.h"

namespace poolnet {

// The shifts of the suite, in px, along each axis in turn: k/4 for k = 1, 2, 3.
inline const std::vector<double> kSubpixelShifts = {0.25, 0.5, 0.75};

// Every plane of x [N,C,H,W] moved dy px down and dx px right, circularly, by ideal interpolation:
// the 2-D DFT X[u,v] times exp(-2 pi i (u dy / H + v dx / W)), u and v the signed frequencies
// (index k -> k for k <= size/2, else k - size: an even size's Nyquist bin counts as +size/2),
// inverted, real part kept (for an even size it equals splitting the Nyquist bin evenly between
// +size/2 and -size/2: the real trigonometric interpolant). No clamping. dy = dx = 0 returns x's
// values exactly; an integer shift gives roll(x, {dy, dx}) up to rounding.
Tensor fourier_shift(const Tensor& x, double dy, double dx);

// The suite on the images of `in`, with `shifts` (px) along each axis.
SuiteResult subpixel_suite(const SuiteInput& in, const std::vector<double>& shifts = kSubpixelShifts);

}  // namespace poolnet
