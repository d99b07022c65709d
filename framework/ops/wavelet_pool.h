// Wavelet pooling (Williams & Li, ICLR 2018, "Wavelet pooling for convolutional neural networks"):
// decompose each plane twice with the 2-D discrete wavelet transform (DWT), discard the first
// level's detail sub-bands, and rebuild the first-level approximation from the four second-level
// sub-bands with one inverse step:
//
//   wavelet_pool2d(x, WaveletPool{.wavelet = haar | db2})
//     x [N,C,H,W] -> y [N,C,ceil(H/2),ceil(W/2)]
//   LL1, (LH1, HL1, HH1) = dwt2(x);  LL2, (LH2, HL2, HH2) = dwt2(LL1);  y = idwt2(LL2, LH2, HL2, HH2)
//
// Boundary: periodic (circular) extension, pywt's `periodization` mode: an axis of odd length is
// first extended by repeating its last sample (pywt's rule), so every level has an even length and
// the op accepts any H, W >= 1. With it the transform is orthogonal (no boundary coefficients), so
// the inverse step rebuilds LL1 exactly (cropped to LL1's size when that was odd) and the scheme
// equals its first level: y = LL1. The op computes that fast form, one 2-D low-pass correlation
// (the outer product of the 1-D taps) with stride 2 and circular wrap; the naive reference of its tests
// (tests/support/reference_wavelet.h) runs the literal two levels and the inverse step. Circular
// extension also makes the op commute with circular shifts by even amounts (H and W even).
//
// Low-pass taps t[k], correlation orientation (output i reads inputs 2i + k - (F/2 - 1), k = 0..F-1,
// indices mod H'; the same along W), pywt's `periodization` alignment (pywt.dwt(x, w, 'periodization')
// gives the same approximation: t is pywt's rec_lo, its dec_lo reversed):
//   haar (F = 2): t = [1/sqrt2, 1/sqrt2]                      (output i reads 2i, 2i+1)
//   db2  (F = 4): t = [(1+sqrt3), (3+sqrt3), (3-sqrt3), (1-sqrt3)] / (4 sqrt2)
//               = [0.4829629131445341, 0.8365163037378079, 0.2241438680420134, -0.1294095225512604]
//                                                              (output i reads 2i-1 .. 2i+2)
//   y[i,j] = sum_{a,b} t[a] t[b] x[e_H((2i + a - F/2 + 1) mod H'), e_W((2j + b - F/2 + 1) mod W')]
//   H' = H rounded up to even, e_H(p) = min(p, H - 1) (the repeated last row when H is odd); same along W.
// The 2-D taps t[a] t[b] are formed in double and rounded once to float. For haar every tap is
// exactly 1/2: y = 2 * avg_pool2d(x, 2x2, stride 2) for even H and W (the Haar approximation is the
// window sum / 2).
// NaN propagates to every output whose window reads it.
// Gradient: gx at each position the forward read += t[a] t[b] gy[i,j] (a repeated last row or column
// receives the gradient of both of its copies). Forward and backward parallel over the N*C planes with
// the same split: bitwise identical at any thread count.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "framework/tensor.h"

namespace poolnet {

enum class Wavelet { kHaar, kDb2 };

Wavelet parse_wavelet(std::string_view name);  // "haar" | "db2", else ConfigError
std::string to_string(Wavelet wavelet);

// The low-pass taps t (correlation orientation, see above) and the first input offset of output 0
// along an axis, -(F/2 - 1): 0 for haar, -1 for db2.
std::span<const double> wavelet_lowpass(Wavelet wavelet);
int64_t wavelet_offset(Wavelet wavelet);

struct WaveletPool {
  Wavelet wavelet = Wavelet::kHaar;
};

Shape wavelet_pool2d_out_shape(const Shape& x, const WaveletPool& options);
Tensor wavelet_pool2d(const Tensor& x, const WaveletPool& options = {});

}  // namespace poolnet
