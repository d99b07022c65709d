#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference.h"

namespace poolnet {
namespace {

using testing::grad_check;
using testing::random_tensor;

TEST(Matmul, MatchesNaiveLoop) {
  for (const auto& [M, K, N] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{1, 1, 1}, {7, 5, 3}, {300, 40, 9}}) {
    Tensor a = random_tensor({M, K}, 1), b = random_tensor({K, N}, 2);
    EXPECT_TRUE(testing::all_close(matmul(a, b), reference::matmul(a, b), 1e-5, 1e-4));
  }
}

TEST(Matmul, GradCheck) {
  Tensor a = random_tensor({4, 6}, 3).set_requires_grad();
  Tensor b = random_tensor({6, 5}, 4).set_requires_grad();
  EXPECT_TRUE(grad_check([](const auto& in) { return matmul(in[0], in[1]); }, {a, b}));
}

TEST(Linear, MatchesMatmulPlusBias) {
  Tensor x = random_tensor({9, 7}, 5), w = random_tensor({4, 7}, 6), bias = random_tensor({4}, 7);
  Tensor wt = Tensor::empty({7, 4});
  for (int64_t o = 0; o < 4; ++o)
    for (int64_t i = 0; i < 7; ++i) wt.at({i, o}) = w.at({o, i});
  EXPECT_TRUE(testing::all_close(linear(x, w, bias), add(reference::matmul(x, wt), bias), 1e-5, 1e-4));
  EXPECT_TRUE(testing::all_close(linear(x, w), reference::matmul(x, wt), 1e-5, 1e-4));
}

TEST(Linear, GradCheck) {
  Tensor x = random_tensor({3, 5}, 8).set_requires_grad();
  Tensor w = random_tensor({4, 5}, 9).set_requires_grad();
  Tensor b = random_tensor({4}, 10).set_requires_grad();
  EXPECT_TRUE(grad_check([](const auto& in) { return linear(in[0], in[1], in[2]); }, {x, w, b}));
}

TEST(Linear, BackwardAccumulatesAndIsThreadCountIndependent) {
  Tensor x = random_tensor({300, 64}, 11).set_requires_grad();
  Tensor w = random_tensor({32, 64}, 12).set_requires_grad();
  Tensor b = random_tensor({32}, 13).set_requires_grad();
  std::vector<Tensor> outs, gw;
  for (int threads : {1, 2}) {
    testing::with_threads(threads, [&] {
      w.zero_grad();
      Tensor y = linear(x, w, b);
      outs.push_back(y.detach());
      sum(mul(y, y)).backward();
      gw.push_back(w.grad().clone());
    });
  }
  EXPECT_TRUE(testing::bitwise_equal(outs[0], outs[1]));
  EXPECT_TRUE(testing::bitwise_equal(gw[0], gw[1]));
  w.zero_grad();
  sum(linear(x, w, b)).backward();
  Tensor single = w.grad().clone();
  w.zero_grad();
  sum(linear(x, w, b)).backward();
  sum(linear(x, w, b)).backward();
  EXPECT_TRUE(testing::all_close(w.grad(), mul(single, 2.0f), 1e-4, 1e-5));
}

TEST(Matmul, ShapeErrorsNameOpAndShapes) {
  try {
    matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5}));
    FAIL();
  } catch (const ShapeError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("matmul"), std::string::npos);
    EXPECT_NE(m.find("[2,3]"), std::string::npos);
    EXPECT_NE(m.find("[4,5]"), std::string::npos);
  }
  try {
    linear(Tensor::zeros({2, 3}), Tensor::zeros({4, 5}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("linear"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[4,5]"), std::string::npos);
  }
}

}  // namespace
}  // namespace poolnet
