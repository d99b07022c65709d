#include "framework/ops/matmul.h"

#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/gemm.h"
#include "framework/parallel.h"
#include "framework/profile.h"

namespace poolnet {

namespace {
constexpr int64_t kRowBlock = 128;  // output rows per parallel task

// c [M,N] (+)= a [M,K] * b [K,N] with optional transposes given as stored shapes.
// a_t: a is stored [K,M]; b_t: b is stored [N,K]. Parallel over fixed blocks of M, each block one
// single-threaded gemm::sgemm (per-thread packing buffers, no allocation per call).
void matmul_blocks(const float* a, bool a_t, const float* b, bool b_t, float* c, int64_t M, int64_t K, int64_t N,
          bool accumulate) {
  parallel::parallel_for(0, M, kRowBlock, [&](int64_t m0, int64_t m1) {
    const gemm::Matrix am = a_t ? gemm::Matrix{a + m0, M, true} : gemm::Matrix{a + m0 * K, K};
    const gemm::Matrix bm = b_t ? gemm::Matrix{b, K, true} : gemm::Matrix{b, N};
    gemm::sgemm(m1 - m0, N, K, am, bm, c + m0 * N, N, accumulate);
  });
}

void gemm_accumulate(const float* a, bool a_t, const float* b, bool b_t, float* c, int64_t M, int64_t K,
                     int64_t N) {
  matmul_blocks(a, a_t, b, b_t, c, M, K, N, true);
}

void require_rank2(const Tensor& t, const char* op, const char* name) {
  if (t.dim() != 2) {
    throw ShapeError(fmt::format("{}: {} must be 2-D, got shape {}", op, name, shape_str(t.shape())));
  }
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  require_rank2(a, "matmul", "a");
  require_rank2(b, "matmul", "b");
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  if (b.size(0) != K) {
    throw ShapeError(fmt::format("matmul: inner dimensions differ: a {} and b {}", shape_str(a.shape()),
                                 shape_str(b.shape())));
  }
  Tensor y = Tensor::empty({M, N});
  matmul_blocks(a.data(), false, b.data(), false, y.data(), M, K, N, false);
  count_macs(M * K * N);
  check_finite(y, "matmul", "output");
  if (needs_grad({a, b})) {
    record(y, "matmul", {a, b}, [a, b, M, K, N](const Tensor& gy) {
      if (a.requires_grad()) gemm_accumulate(gy.data(), false, b.data(), true, grad_buffer(a), M, N, K);
      if (b.requires_grad()) gemm_accumulate(a.data(), true, gy.data(), false, grad_buffer(b), K, M, N);
    });
  }
  return y;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  require_rank2(x, "linear", "input");
  require_rank2(w, "linear", "weight");
  const int64_t N = x.size(0), IN = x.size(1), OUT = w.size(0);
  if (w.size(1) != IN) {
    throw ShapeError(fmt::format("linear: input {} has {} features but weight {} expects {}",
                                 shape_str(x.shape()), IN, shape_str(w.shape()), w.size(1)));
  }
  if (bias.defined() && bias.shape() != Shape{OUT}) {
    throw ShapeError(fmt::format("linear: bias must have shape [{}], got {}", OUT, shape_str(bias.shape())));
  }
  Tensor y = Tensor::empty({N, OUT});
  float* py = y.data();
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t o = 0; o < OUT; ++o) py[n * OUT + o] = bias.defined() ? bias.data()[o] : 0.0f;
  }
  gemm_accumulate(x.data(), false, w.data(), true, py, N, IN, OUT);
  count_macs(N * IN * OUT);
  check_finite(y, "linear", "output");
  if (needs_grad({x, w, bias})) {
    record(y, "linear", {x, w, bias}, [x, w, bias, N, IN, OUT](const Tensor& gy) {
      const float* g = gy.data();
      if (x.requires_grad()) gemm_accumulate(g, false, w.data(), false, grad_buffer(x), N, OUT, IN);
      if (w.requires_grad()) gemm_accumulate(g, true, x.data(), false, grad_buffer(w), OUT, N, IN);
      if (bias.defined() && bias.requires_grad()) {
        float* gb = grad_buffer(bias);
        for (int64_t n = 0; n < N; ++n) {
          for (int64_t o = 0; o < OUT; ++o) gb[o] += g[n * OUT + o];
        }
      }
    });
  }
  return y;
}

}  // namespace poolnet
