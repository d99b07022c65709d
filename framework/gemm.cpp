#include "framework/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "framework/eigen_view.h"
#include "framework/scratch.h"
#include "framework/xsmm.h"

namespace poolnet::gemm {

namespace {
using Index = Eigen::Index;

// Eigen's blocking descriptor with packing buffers owned by the thread and only ever grown.
class ThreadBlocking : public Eigen::internal::level3_blocking<float, float> {
 public:
  // Blocking for a row-major M x N result, which Eigen computes as the col-major N x M one.
  void prepare(Index M, Index N, Index K) {
    m_mc = N;
    m_nc = M;
    m_kc = K;
    Eigen::internal::computeProductBlockingSizes<float, float, 1, Index>(m_kc, m_mc, m_nc, 1);
    m_blockA = a_.get(m_mc * m_kc);
    m_blockB = b_.get(m_kc * m_nc);
  }

 private:
  ScratchBuffer a_, b_;
};

thread_local ThreadBlocking t_blocking;
thread_local ScratchBuffer t_transposed;

template <int kLhsOrder, int kRhsOrder>
void eigen_run(Index M, Index N, Index K, const Matrix& a, const Matrix& b, float* c, Index ldc) {
  t_blocking.prepare(M, N, K);
  Eigen::internal::general_matrix_matrix_product<Index, float, kLhsOrder, false, float, kRhsOrder, false,
                                                 Eigen::RowMajor, 1>::run(M, N, K, a.data, a.stride, b.data, b.stride,
                                                                          c, 1, ldc, 1.0f, t_blocking, nullptr);
}

void eigen_sgemm(int64_t M, int64_t N, int64_t K, const Matrix& a, const Matrix& b, float* c, int64_t ldc,
                 bool accumulate) {
  if (!accumulate) {
    for (int64_t m = 0; m < M; ++m) std::fill(c + m * ldc, c + m * ldc + N, 0.0f);
  }
  if (K <= 0) return;
  // A row-major [K, M] matrix read as its transpose is a col-major [M, K] one.
  constexpr int kRow = Eigen::RowMajor, kCol = Eigen::ColMajor;
  if (!a.transposed && !b.transposed) eigen_run<kRow, kRow>(M, N, K, a, b, c, ldc);
  if (!a.transposed && b.transposed) eigen_run<kRow, kCol>(M, N, K, a, b, c, ldc);
  if (a.transposed && !b.transposed) eigen_run<kCol, kRow>(M, N, K, a, b, c, ldc);
  if (a.transposed && b.transposed) eigen_run<kCol, kCol>(M, N, K, a, b, c, ldc);
}

// The envelope of the JIT path: op(a) and a K x panel block of op(b) stay in the L2 cache.
constexpr int64_t kMaxK = 4096;
constexpr int64_t kMaxLhsFloats = 256 * 1024;
constexpr int64_t kPanelFloats = 64 * 1024;

// LIBXSMM's kernels are column-major: the row-major C [M,N] = op(a) op(b) is the column-major
// C^T [N,M] = op(b)^T op(a)^T, computed over panels of C's columns. A transposed `a` is the
// kernel's transposed second operand; a transposed `b` (which the kernels cannot read) is
// transposed into a per-thread buffer first. False when no kernel can be generated.
bool xsmm_sgemm(int64_t M, int64_t N, int64_t K, const Matrix& a, const Matrix& b, float* c, int64_t ldc,
                bool accumulate) {
  if (K <= 0 || K > kMaxK || M * K > kMaxLhsFloats) return false;
  const int64_t panel = std::min(N, std::max<int64_t>(16, kPanelFloats / K / 16 * 16));
  const float beta = accumulate ? 1.0f : 0.0f;
  const int64_t lda = b.transposed ? N : b.stride;
  const auto kernel = [&](int64_t columns) {
    return xsmm::gemm({.m = columns, .n = M, .k = K, .lda = lda, .ldb = a.stride, .ldc = ldc}, beta, a.transposed);
  };
  const xsmm::GemmFn full = kernel(panel), tail = N % panel != 0 ? kernel(N % panel) : full;
  if (full == nullptr || tail == nullptr) return false;
  const float* bdata = b.data;
  if (b.transposed) {  // stored [N,K] (column-major [K,N]) -> [K,N] row-major
    float* t = t_transposed.get(K * N);
    xsmm::transpose(t, b.data, K, N, b.stride, N);
    bdata = t;
  }
  for (int64_t j = 0; j < N; j += panel) (N - j >= panel ? full : tail)(bdata + j, a.data, c + j);
  return true;
}
}  // namespace

void sgemm(int64_t M, int64_t N, int64_t K, Matrix a, Matrix b, float* c, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (!xsmm_sgemm(M, N, K, a, b, c, ldc, accumulate)) eigen_sgemm(M, N, K, a, b, c, ldc, accumulate);
}

}  // namespace poolnet::gemm
