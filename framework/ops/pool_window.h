// Options and validated geometry shared by the sliding-window pooling ops (max_pool2d,
// avg_pool2d, lp_pool2d). The output-size rule itself is pooled_length in geometry.h:
//   OH = floor_or_ceil((H + 2*padding.h - dilation.h*(kernel.h-1) - 1) / stride.h) + 1,
// and in ceil mode the last window must start inside the input or the left padding.
// Limits (PyTorch's): kernel, stride and dilation positive; padding at most half the effective
// kernel (padding.h <= (dilation.h*(kernel.h-1)+1) / 2); the dilated kernel must fit the padded
// input. A dilated window can then still miss the input entirely (e.g. H=1, kernel 2, dilation
// 5, padding 3): max pooling gives -inf there and no gradient.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct Pool2d {
  Size2d kernel{2, 2};
  Size2d stride{0, 0};              // {0, 0} means = kernel (PyTorch's default)
  Size2d padding{0, 0};             // at most half the effective kernel
  Size2d dilation{1, 1};            // max pool only
  bool ceil_mode = false;           // PyTorch's last-window rule (pooled_length)
  bool count_include_pad = true;    // avg pool only
  int64_t divisor_override = 0;     // avg pool only; 0 = none
};

// "kernel=3x3, stride=2x2" plus every option that differs from its default, e.g.
// ", padding=1x1, ceil_mode=true" (for layer descriptions and logs).
std::string to_string(const Pool2d& options);

// One validated pooling call: sizes of the input plane, the output plane and the window.
struct PoolGeometry {
  int64_t N = 0, C = 0, H = 0, W = 0, OH = 0, OW = 0;
  int64_t KH = 1, KW = 1, SH = 1, SW = 1, PH = 0, PW = 0, DH = 1, DW = 1;
  int64_t planes() const { return N * C; }
  Shape out_shape() const { return {N, C, OH, OW}; }
  // True for the common kernel 2x2, stride 2x2, no padding or dilation, all windows inside.
  bool is_2x2_stride_2() const {
    return KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0 && DH == 1 && DW == 1 &&
           2 * OH <= H && 2 * OW <= W;
  }
};

// Validates x against the options for `op` and returns the geometry; throws ShapeError naming
// the op, the options and the input shape. `allow_dilation` is false for average pooling.
PoolGeometry pool2d_geometry(const Shape& x, const Pool2d& options, std::string_view op, bool allow_dilation);

// Planes per parallel chunk: about 32K input elements, from the plane size alone (never from
// the thread count), so every split and result is the same at any thread count.
inline int64_t planes_per_chunk(int64_t plane_elements) {
  constexpr int64_t kChunkElements = 32768;
  return plane_elements >= kChunkElements ? 1 : kChunkElements / (plane_elements > 0 ? plane_elements : 1);
}

}  // namespace poolnet
