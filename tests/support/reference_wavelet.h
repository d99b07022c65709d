// Deliberately naive wavelet pooling (Williams & Li 2018), the scheme written out literally: two
// levels of the periodic 2-D DWT, the first level's details discarded, one inverse step from the
// second level's four sub-bands. In double, one coefficient at a time, filters from their closed
// forms (independent of framework/ops/wavelet_pool.cpp's tables).
#pragma once

#include <string>
#include <vector>

#include "framework/tensor.h"

namespace poolnet::reference {

// A plane in double, [rows][cols].
using Plane = std::vector<std::vector<double>>;

// The four sub-bands of one DWT level.
struct SubBands {
  Plane ll, lh, hl, hh;  // ll: low along H and W (approximation); lh: low along H, high along W; hl: the reverse
};

// Low-pass taps of "haar" or "db2" in correlation orientation (pywt's rec_lo); the high-pass is
// the alternating flip g[k] = (-1)^k t[F-1-k]. Coefficient i of an axis of n reads
// (2i + k - F/2 + 1) mod n, k = 0..F-1.
std::vector<double> wavelet_lowpass(const std::string& wavelet);

// One periodic DWT level of a plane (an odd side first repeats its last sample, as pywt's
// periodization mode), and its inverse (the transpose) cropped to rows x cols.
SubBands dwt2(const Plane& x, const std::string& wavelet);
Plane idwt2(const SubBands& bands, const std::string& wavelet, size_t rows, size_t cols);

// The two-level scheme on [N,C,H,W]: idwt2 of dwt2(LL1), LL1 the approximation of dwt2(x).
Tensor wavelet_pool_two_level(const Tensor& x, const std::string& wavelet);
// The first-level approximation LL1 on [N,C,H,W].
Tensor wavelet_approximation(const Tensor& x, const std::string& wavelet);

}  // namespace poolnet::reference
