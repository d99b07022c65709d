#include "framework/ops/broadcast.h"

#include <fmt/format.h>

#include "framework/errors.h"

namespace poolnet::detail {

Shape broadcast_shape(const Shape& a, const Shape& b, std::string_view op) {
  const size_t rank = std::max(a.size(), b.size());
  if (rank > kMaxBroadcastRank) {
    throw ShapeError(fmt::format("{}: rank {} exceeds {}", op, rank, kMaxBroadcastRank));
  }
  Shape out(rank);
  for (size_t k = 0; k < rank; ++k) {
    const int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    const int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw ShapeError(fmt::format("{}: shapes {} and {} do not broadcast (dimension {}: {} vs {})", op,
                                   shape_str(a), shape_str(b), k, da, db));
    }
    out[k] = da == 1 ? db : da;
  }
  return out;
}

Strides broadcast_strides(const Shape& in, const Shape& out) {
  Strides s{};
  int64_t stride = 1;
  const size_t offset = out.size() - in.size();
  for (size_t k = in.size(); k-- > 0;) {
    s[k + offset] = in[k] == 1 ? 0 : stride;
    stride *= in[k];
  }
  return s;
}

int64_t trailing_block(const Shape& full, const Shape& target) {
  if (full.size() != target.size() || full == target) return 0;
  size_t kept = full.size();
  while (kept > 0 && target[kept - 1] == 1) --kept;
  int64_t block = 1;
  for (size_t d = 0; d < full.size(); ++d) {
    if (d < kept && full[d] != target[d]) return 0;
    if (d >= kept) block *= full[d];
  }
  return block;
}

void sum_into(const float* g, const Shape& full, float* target, const Shape& target_shape) {
  if (full == target_shape) {
    const int64_t n = numel_of(full);
    for (int64_t i = 0; i < n; ++i) target[i] += g[i];
    return;
  }
  if (const int64_t block = trailing_block(full, target_shape); block > 0) {
    const int64_t n = numel_of(target_shape);
    for (int64_t t = 0; t < n; ++t) {
      float acc = target[t];
      for (const float *p = g + t * block, *end = p + block; p < end; ++p) acc += *p;
      target[t] = acc;
    }
    return;
  }
  broadcast_loop(full, full, target_shape, 0, row_count(full),
                 [&](int64_t i, int64_t, int64_t it) { target[it] += g[i]; });
}

}  // namespace poolnet::detail
