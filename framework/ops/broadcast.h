// Broadcasting rules shared by the elementwise and reduction ops (NumPy/PyTorch semantics:
// shapes are aligned at the right, a dimension of 1 stretches). Internal to framework/ops.
#pragma once

#include <array>
#include <string_view>

#include "framework/tensor.h"

namespace poolnet::detail {

constexpr size_t kMaxBroadcastRank = 6;
using Strides = std::array<int64_t, kMaxBroadcastRank>;

// The broadcast shape of a and b; throws ShapeError naming `op` if they do not broadcast.
Shape broadcast_shape(const Shape& a, const Shape& b, std::string_view op);

// Strides of a tensor of shape `in` read as if it had shape `out` (0 along stretched dims).
Strides broadcast_strides(const Shape& in, const Shape& out);

// Calls f(i, ia, ib) for every flat index i of `out` in rows [row_begin, row_end) (a row is
// the last dimension), with ia and ib the matching flat offsets of inputs of shapes a and b.
template <class F>
void broadcast_loop(const Shape& out, const Shape& a, const Shape& b, int64_t row_begin, int64_t row_end,
                    const F& f) {
  const size_t rank = out.size();
  if (rank == 0) {
    if (row_begin == 0 && row_end > 0) f(0, 0, 0);
    return;
  }
  const Strides sa = broadcast_strides(a, out);
  const Strides sb = broadcast_strides(b, out);
  const int64_t inner = out[rank - 1];
  for (int64_t row = row_begin; row < row_end; ++row) {
    int64_t ia = 0, ib = 0, rest = row;
    for (size_t d = rank - 1; d-- > 0;) {
      const int64_t idx = rest % out[d];
      rest /= out[d];
      ia += idx * sa[d];
      ib += idx * sb[d];
    }
    const int64_t base = row * inner;
    const int64_t da = sa[rank - 1], db = sb[rank - 1];
    for (int64_t j = 0; j < inner; ++j) f(base + j, ia + j * da, ib + j * db);
  }
}

// Number of rows (products of all but the last dimension) of a shape; a scalar is one row.
inline int64_t row_count(const Shape& s) {
  if (s.empty()) return 1;
  return s.back() == 0 ? 0 : numel_of(s) / s.back();
}

// target (shape `target`) += g (shape `full`) summed over the dimensions along which target is
// broadcast. Serial, so the summation order is fixed.
void sum_into(const float* g, const Shape& full, float* target, const Shape& target_shape);

// The size of the contiguous block of `full` behind each element of `target`, when `target` is
// `full` with its trailing dimensions (one or more) reduced to 1 (a global average pool's [N, C,
// 1, 1] of [N, C, H, W]); else 0. sum_into and the sum's gradient take a direct loop there, with
// the same additions in the same order as broadcast_loop.
int64_t trailing_block(const Shape& full, const Shape& target);

}  // namespace poolnet::detail
