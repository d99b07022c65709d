#include "framework/xsmm.h"

#include <libxsmm.h>
#include <type_traits>

namespace poolnet::xsmm {

static_assert(std::is_same_v<GemmFn, libxsmm_smmfunction>);
static_assert(std::is_same_v<BatchGemmFn, libxsmm_smmfunction_reducebatch_addr>);

namespace {
using Index = libxsmm_blasint;
constexpr int kPrefetch = LIBXSMM_PREFETCH_NONE;
}  // namespace

GemmFn gemm(const GemmShape& s, float beta, bool transpose_b) {
  const Index lda = s.lda, ldb = s.ldb, ldc = s.ldc;
  const float alpha = 1.0f;
  const int flags = transpose_b ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
  return libxsmm_smmdispatch(s.m, s.n, s.k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &kPrefetch);
}

BatchGemmFn batch_gemm(const GemmShape& s) {
  const Index lda = s.lda, ldb = s.ldb, ldc = s.ldc;
  const float alpha = 1.0f, beta = 0.0f;
  const int flags = LIBXSMM_GEMM_FLAG_NONE;
  return libxsmm_smmdispatch_reducebatch_addr(s.m, s.n, s.k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &kPrefetch);
}

void transpose(float* out, const float* in, int64_t m, int64_t n, int64_t ld_in, int64_t ld_out) {
  libxsmm_otrans(out, in, sizeof(float), m, n, ld_in, ld_out);
}

}  // namespace poolnet::xsmm
