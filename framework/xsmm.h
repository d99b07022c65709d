// The only code that talks to LIBXSMM (in xsmm.cpp: no other file includes libxsmm.h), as
// parallel.cpp is the one home of oneTBB: JIT-generated single-precision small-matrix kernels
// for this CPU, and a transpose.
//
// Kernels are column-major (LIBXSMM's convention), alpha 1:
//   gemm:        C [m,n] = A [m,k] . op(B) [k,n] + beta * C     op(B) = B, or B^T with transpose_b
//   batch_gemm:  C [m,n] = sum over i < count of A_i [m,k] . B_i [k,n]   (C overwritten)
// with leading dimensions lda, ldb, ldc. Dispatch returns null when no kernel can be generated
// for these sizes on this CPU; callers then take another path.
#pragma once

#include <cstdint>

namespace poolnet::xsmm {

extern "C" {
// The kernels' calling conventions (LIBXSMM's libxsmm_smmfunction and
// libxsmm_smmfunction_reducebatch_addr).
using GemmFn = void (*)(const float* a, const float* b, float* c, ...);
using BatchGemmFn = void (*)(const float** a, const float** b, float* c, const unsigned long long* count, ...);
}

struct GemmShape {
  int64_t m, n, k;
  int64_t lda, ldb, ldc;
};

GemmFn gemm(const GemmShape& shape, float beta, bool transpose_b = false);
BatchGemmFn batch_gemm(const GemmShape& shape);

// out = in^T for a column-major in [m rows, n columns] (leading dimension ld_in): out is
// column-major [n, m] with leading dimension ld_out (libxsmm_otrans).
void transpose(float* out, const float* in, int64_t m, int64_t n, int64_t ld_in, int64_t ld_out);

}  // namespace poolnet::xsmm
