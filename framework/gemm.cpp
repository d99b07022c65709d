#include "framework/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "framework/eigen_view.h"
#include "framework/scratch.h"

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

template <int kLhsOrder, int kRhsOrder>
void run(Index M, Index N, Index K, const Matrix& a, const Matrix& b, float* c, Index ldc) {
  t_blocking.prepare(M, N, K);
  Eigen::internal::general_matrix_matrix_product<Index, float, kLhsOrder, false, float, kRhsOrder, false,
                                                 Eigen::RowMajor, 1>::run(M, N, K, a.data, a.stride, b.data, b.stride,
                                                                          c, 1, ldc, 1.0f, t_blocking, nullptr);
}
}  // namespace

void sgemm(int64_t M, int64_t N, int64_t K, Matrix a, Matrix b, float* c, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (!accumulate) {
    for (int64_t m = 0; m < M; ++m) std::fill(c + m * ldc, c + m * ldc + N, 0.0f);
  }
  if (K <= 0) return;
  // A row-major [K, M] matrix read as its transpose is a col-major [M, K] one.
  constexpr int kRow = Eigen::RowMajor, kCol = Eigen::ColMajor;
  if (!a.transposed && !b.transposed) run<kRow, kRow>(M, N, K, a, b, c, ldc);
  if (!a.transposed && b.transposed) run<kRow, kCol>(M, N, K, a, b, c, ldc);
  if (a.transposed && !b.transposed) run<kCol, kRow>(M, N, K, a, b, c, ldc);
  if (a.transposed && b.transposed) run<kCol, kCol>(M, N, K, a, b, c, ldc);
}

}  // namespace poolnet::gemm
