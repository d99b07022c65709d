// The one-dimensional row steps of the Winograd transforms (framework/ops/winograd_steps.h).
#include "framework/ops/winograd_steps.h"

namespace poolnet::conv2d_winograd {

namespace {
// B^T applied to four rows a..d: o0 = a - c, o1 = b + c, o2 = c - b, o3 = b - d.
void apply_bt(const float* __restrict a, const float* __restrict b, const float* __restrict c,
              const float* __restrict d, float* __restrict o0, float* __restrict o1, float* __restrict o2,
              float* __restrict o3, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    o0[t] = a[t] - c[t];
    o1[t] = b[t] + c[t];
    o2[t] = c[t] - b[t];
    o3[t] = b[t] - d[t];
  }
}

// The adjoint, B applied to four rows a..d.
void apply_b(const float* __restrict a, const float* __restrict b, const float* __restrict c, const float* __restrict d,
             float* __restrict o0, float* __restrict o1, float* __restrict o2, float* __restrict o3, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    o0[t] = a[t];
    o1[t] = b[t] - c[t] + d[t];
    o2[t] = b[t] + c[t] - a[t];
    o3[t] = -d[t];
  }
}

// The adjoint of apply_bt(e, o, e + w, o + w, ...) added to a plane's even and odd rows e, o
// (flattened, w tiles per row): a..d are the four transformed rows of n tiles.
void add_b_rows(const float* __restrict a, const float* __restrict b, const float* __restrict c,
                const float* __restrict d, float* __restrict e, float* __restrict o, int64_t w, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    e[t] += a[t];
    o[t] += b[t] - c[t] + d[t];
  }
  for (int64_t t = 0; t < n; ++t) {
    e[w + t] += b[t] + c[t] - a[t];
    o[w + t] -= d[t];
  }
}

// A^T applied to four rows a..d, plus a constant: o0 = k + a + b + c, o1 = k + b - c - d.
void apply_at(const float* __restrict a, const float* __restrict b, const float* __restrict c,
              const float* __restrict d, float k, float* __restrict o0, float* __restrict o1, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    o0[t] = k + (a[t] + b[t] + c[t]);
    o1[t] = k + (b[t] - c[t] - d[t]);
  }
}

// A applied to two rows a, b: o0 = a, o1 = a + b, o2 = a - b, o3 = -b.
void apply_a(const float* __restrict a, const float* __restrict b, float* __restrict o0, float* __restrict o1,
             float* __restrict o2, float* __restrict o3, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    o0[t] = a[t];
    o1[t] = a[t] + b[t];
    o2[t] = a[t] - b[t];
    o3[t] = -b[t];
  }
}

// F(4x4): B^T applied to six rows d0..d5.
void apply_bt6(const float* __restrict d0, const float* __restrict d1, const float* __restrict d2,
               const float* __restrict d3, const float* __restrict d4, const float* __restrict d5, float* __restrict o0,
               float* __restrict o1, float* __restrict o2, float* __restrict o3, float* __restrict o4,
               float* __restrict o5, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    const float s = d4[t] - d2[t];  // shared by rows 1..4
    o0[t] = 4.0f * d0[t] - 5.0f * d2[t] + d4[t];
    o1[t] = (d3[t] + d4[t]) - 4.0f * (d1[t] + d2[t]);
    o2[t] = (d4[t] - d3[t]) + 4.0f * (d1[t] - d2[t]);
    o3[t] = s + 2.0f * (d3[t] - d1[t]);
    o4[t] = s - 2.0f * (d3[t] - d1[t]);
    o5[t] = 4.0f * d1[t] - 5.0f * d3[t] + d5[t];
  }
}

// F(4x4): the adjoint, B applied to six rows v0..v5.
void apply_b6(const float* __restrict v0, const float* __restrict v1, const float* __restrict v2,
              const float* __restrict v3, const float* __restrict v4, const float* __restrict v5, float* __restrict o0,
              float* __restrict o1, float* __restrict o2, float* __restrict o3, float* __restrict o4,
              float* __restrict o5, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    o0[t] = 4.0f * v0[t];
    o1[t] = 4.0f * (v2[t] - v1[t] + v5[t]) + 2.0f * (v4[t] - v3[t]);
    o2[t] = -5.0f * v0[t] - 4.0f * (v1[t] + v2[t]) - (v3[t] + v4[t]);
    o3[t] = (v1[t] - v2[t]) + 2.0f * (v3[t] - v4[t]) - 5.0f * v5[t];
    o4[t] = v0[t] + (v1[t] + v2[t]) + (v3[t] + v4[t]);
    o5[t] = v5[t];
  }
}

// F(4x4): the adjoint of apply_bt6(p0, p1, p2, p3, p0 + w, p1 + w, ...) added to the rows of a
// plane's four phases p0..p3 (flattened, w tiles per row): v0..v5 are the transformed rows.
void add_b6_rows(const float* __restrict v0, const float* __restrict v1, const float* __restrict v2,
                 const float* __restrict v3, const float* __restrict v4, const float* __restrict v5,
                 float* __restrict p0, float* __restrict p1, float* __restrict p2, float* __restrict p3, int64_t w,
                 int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    p0[t] += 4.0f * v0[t];
    p1[t] += 4.0f * (v2[t] - v1[t] + v5[t]) + 2.0f * (v4[t] - v3[t]);
    p2[t] += -5.0f * v0[t] - 4.0f * (v1[t] + v2[t]) - (v3[t] + v4[t]);
    p3[t] += (v1[t] - v2[t]) + 2.0f * (v3[t] - v4[t]) - 5.0f * v5[t];
  }
  for (int64_t t = 0; t < n; ++t) {
    p0[w + t] += v0[t] + (v1[t] + v2[t]) + (v3[t] + v4[t]);
    p1[w + t] += v5[t];
  }
}

// F(4x4): A^T applied to six rows m0..m5, plus a constant k.
void apply_at6(const float* __restrict m0, const float* __restrict m1, const float* __restrict m2,
               const float* __restrict m3, const float* __restrict m4, const float* __restrict m5, float k,
               float* __restrict o0, float* __restrict o1, float* __restrict o2, float* __restrict o3, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    const float s12 = m1[t] + m2[t], d12 = m1[t] - m2[t], s34 = m3[t] + m4[t], d34 = m3[t] - m4[t];
    o0[t] = k + (m0[t] + s12 + s34);
    o1[t] = k + (d12 + 2.0f * d34);
    o2[t] = k + (s12 + 4.0f * s34);
    o3[t] = k + (d12 + 8.0f * d34 + m5[t]);
  }
}

// F(4x4): A applied to four rows y0..y3.
void apply_a6(const float* __restrict y0, const float* __restrict y1, const float* __restrict y2,
              const float* __restrict y3, float* __restrict o0, float* __restrict o1, float* __restrict o2,
              float* __restrict o3, float* __restrict o4, float* __restrict o5, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    const float s02 = y0[t] + y2[t], s13 = y1[t] + y3[t];
    const float q02 = y0[t] + 4.0f * y2[t], q13 = 2.0f * y1[t] + 8.0f * y3[t];
    o0[t] = y0[t];
    o1[t] = s02 + s13;
    o2[t] = s02 - s13;
    o3[t] = q02 + q13;
    o4[t] = q02 - q13;
    o5[t] = y3[t];
  }
}
}  // namespace

// The steps above by tile size, over arrays of row pointers: in[i] -> out[i].
template <int kM>
void bt_step(const float* const* in, float* const* out, int64_t n) {
  if constexpr (kM == 2) {
    apply_bt(in[0], in[1], in[2], in[3], out[0], out[1], out[2], out[3], n);
  } else {
    apply_bt6(in[0], in[1], in[2], in[3], in[4], in[5], out[0], out[1], out[2], out[3], out[4], out[5], n);
  }
}

template <int kM>
void b_step(const float* const* in, float* const* out, int64_t n) {
  if constexpr (kM == 2) {
    apply_b(in[0], in[1], in[2], in[3], out[0], out[1], out[2], out[3], n);
  } else {
    apply_b6(in[0], in[1], in[2], in[3], in[4], in[5], out[0], out[1], out[2], out[3], out[4], out[5], n);
  }
}

// The adjoint of bt_step down the tile rows, added to the m phase planes' rows (w tiles a row).
template <int kM>
void add_b_rows_step(const float* const* in, float* const* phase, int64_t w, int64_t n) {
  if constexpr (kM == 2) {
    add_b_rows(in[0], in[1], in[2], in[3], phase[0], phase[1], w, n);
  } else {
    add_b6_rows(in[0], in[1], in[2], in[3], in[4], in[5], phase[0], phase[1], phase[2], phase[3], w, n);
  }
}

template <int kM>
void at_step(const float* const* in, float k, float* const* out, int64_t n) {
  if constexpr (kM == 2) {
    apply_at(in[0], in[1], in[2], in[3], k, out[0], out[1], n);
  } else {
    apply_at6(in[0], in[1], in[2], in[3], in[4], in[5], k, out[0], out[1], out[2], out[3], n);
  }
}

template <int kM>
void a_step(const float* const* in, float* const* out, int64_t n) {
  if constexpr (kM == 2) {
    apply_a(in[0], in[1], out[0], out[1], out[2], out[3], n);
  } else {
    apply_a6(in[0], in[1], in[2], in[3], out[0], out[1], out[2], out[3], out[4], out[5], n);
  }
}

// phase[p][k] = in[kM * k + p] for kM * k + p < n.
template <int kM>
void deinterleave(const float* __restrict in, float* const* phase, int64_t n) {
  const int64_t full = n / kM;
  if constexpr (kM == 2) {
    float* __restrict e = phase[0];
    float* __restrict o = phase[1];
    for (int64_t k = 0; k < full; ++k) {
      e[k] = in[2 * k];
      o[k] = in[2 * k + 1];
    }
  } else {
    float* __restrict p0 = phase[0];
    float* __restrict p1 = phase[1];
    float* __restrict p2 = phase[2];
    float* __restrict p3 = phase[3];
    for (int64_t k = 0; k < full; ++k) {
      p0[k] = in[4 * k];
      p1[k] = in[4 * k + 1];
      p2[k] = in[4 * k + 2];
      p3[k] = in[4 * k + 3];
    }
  }
  for (int64_t q = full * kM; q < n; ++q) phase[q % kM][full] = in[q];
}

// out[kM * k + p] = phase[p][k] for kM * k + p < n.
template <int kM>
void interleave(const float* const* phase, float* __restrict out, int64_t n) {
  const int64_t full = n / kM;
  if constexpr (kM == 2) {
    const float* __restrict e = phase[0];
    const float* __restrict o = phase[1];
    for (int64_t k = 0; k < full; ++k) {
      out[2 * k] = e[k];
      out[2 * k + 1] = o[k];
    }
  } else {
    const float* __restrict p0 = phase[0];
    const float* __restrict p1 = phase[1];
    const float* __restrict p2 = phase[2];
    const float* __restrict p3 = phase[3];
    for (int64_t k = 0; k < full; ++k) {
      out[4 * k] = p0[k];
      out[4 * k + 1] = p1[k];
      out[4 * k + 2] = p2[k];
      out[4 * k + 3] = p3[k];
    }
  }
  for (int64_t q = full * kM; q < n; ++q) out[q] = phase[q % kM][full];
}

// o[t] = a[t] + b[t].
void add(const float* __restrict a, const float* __restrict b, float* __restrict o, int64_t n) {
  for (int64_t t = 0; t < n; ++t) o[t] = a[t] + b[t];
}

template void bt_step<2>(const float* const*, float* const*, int64_t);
template void bt_step<4>(const float* const*, float* const*, int64_t);
template void b_step<2>(const float* const*, float* const*, int64_t);
template void b_step<4>(const float* const*, float* const*, int64_t);
template void add_b_rows_step<2>(const float* const*, float* const*, int64_t, int64_t);
template void add_b_rows_step<4>(const float* const*, float* const*, int64_t, int64_t);
template void at_step<2>(const float* const*, float, float* const*, int64_t);
template void at_step<4>(const float* const*, float, float* const*, int64_t);
template void a_step<2>(const float* const*, float* const*, int64_t);
template void a_step<4>(const float* const*, float* const*, int64_t);
template void deinterleave<2>(const float* __restrict, float* const*, int64_t);
template void deinterleave<4>(const float* __restrict, float* const*, int64_t);
template void interleave<2>(const float* const*, float* __restrict, int64_t);
template void interleave<4>(const float* const*, float* __restrict, int64_t);

}  // namespace poolnet::conv2d_winograd
