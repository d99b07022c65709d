// Single-threaded SGEMM on raw row-major data, for op kernels that run their own parallel loop
// (one GEMM per task). Sizes that fit the caches (every convolution and linear layer of the
// standard models) run LIBXSMM's JIT kernels, generated for this CPU's vector units; larger ones
// run Eigen's GEMM kernel with packing buffers kept per thread and reused (Eigen's own product
// allocates and frees them on every call, which on some sizes costs more than the arithmetic).
//
//   c [M,N] (row stride ldc) = (accumulate ? c : 0) + op(a) op(b)
//   op(a) is [M,K]: a stored [M,K] (row stride lda), or with a_t, a stored [K,M] and transposed;
//   op(b) is [K,N]: b stored [K,N] (row stride ldb), or with b_t, b stored [N,K] and transposed.
// The result depends only on the operands and sizes (never on the thread it runs on).
#pragma once

#include <cstdint>

namespace poolnet::gemm {

struct Matrix {
  const float* data;
  int64_t stride;           // elements between consecutive stored rows
  bool transposed = false;  // the stored matrix is the transpose of the operand
};

void sgemm(int64_t M, int64_t N, int64_t K, Matrix a, Matrix b, float* c, int64_t ldc, bool accumulate);

}  // namespace poolnet::gemm
