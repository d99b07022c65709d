#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference.h"

namespace poolnet {
namespace {

using testing::op_contract;
using testing::random_tensor;

TEST(Matmul, MatchesNaiveLoop) {
  for (const auto& [M, K, N] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{1, 1, 1}, {7, 5, 3}, {300, 40, 9}}) {
    Tensor a = random_tensor({M, K}, 1), b = random_tensor({K, N}, 2);
    EXPECT_TRUE(testing::all_close(matmul(a, b), reference::matmul(a, b), 1e-5, 1e-4));
  }
}

TEST(Matmul, Contract) {
  EXPECT_TRUE(op_contract({.op = "matmul",
                           .f = [](const auto& in) { return matmul(in[0], in[1]); },
                           .inputs = {random_tensor({4, 6}, 3).set_requires_grad(), random_tensor({6, 5}, 4).set_requires_grad()},
                           .thread_inputs = {random_tensor({300, 64}, 11).set_requires_grad(),
                                             random_tensor({64, 32}, 12).set_requires_grad()},
                           .shape_errors = {{[] { matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})); }, {"[2,3]", "[4,5]"}}},
                           .accumulate_atol = 1e-4}));
}

TEST(Linear, MatchesMatmulPlusBias) {
  Tensor x = random_tensor({9, 7}, 5), w = random_tensor({4, 7}, 6), bias = random_tensor({4}, 7);
  Tensor wt = Tensor::empty({7, 4});
  for (int64_t o = 0; o < 4; ++o)
    for (int64_t i = 0; i < 7; ++i) wt.at({i, o}) = w.at({o, i});
  EXPECT_TRUE(testing::all_close(linear(x, w, bias), add(reference::matmul(x, wt), bias), 1e-5, 1e-4));
  EXPECT_TRUE(testing::all_close(linear(x, w), reference::matmul(x, wt), 1e-5, 1e-4));
}

// Gradient, accumulation, 1 vs 2 threads on a batch large enough to be split.
TEST(Linear, Contract) {
  EXPECT_TRUE(op_contract({.op = "linear",
                           .f = [](const auto& in) { return linear(in[0], in[1], in[2]); },
                           .inputs = {random_tensor({3, 5}, 8).set_requires_grad(), random_tensor({4, 5}, 9).set_requires_grad(),
                                      random_tensor({4}, 10).set_requires_grad()},
                           .thread_inputs = {random_tensor({300, 64}, 11).set_requires_grad(),
                                             random_tensor({32, 64}, 12).set_requires_grad(),
                                             random_tensor({32}, 13).set_requires_grad()},
                           .shape_errors = {{[] { linear(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})); }, {"[4,5]"}}},
                           .accumulate_atol = 1e-4}));
}

}  // namespace
}  // namespace poolnet
