#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {

using testing::op_contract;
using testing::random_tensor;

TEST(LogSoftmax, MatchesNaiveAndIsStableForLargeLogits) {
  Tensor x = Tensor::from_vector({2, 3}, {1, 2, 3, 1000, 1001, 1002});
  Tensor y = log_softmax(x);
  for (int n = 0; n < 2; ++n) {
    double s = 0;
    for (int c = 0; c < 3; ++c) s += std::exp(static_cast<double>(c + 1) - 3.0);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(y.at({n, c}), (c + 1) - 3.0 - std::log(s), 2e-4);  // float spacing at 1000 is 6e-5
  }
  Tensor p = softmax(random_tensor({4, 7}, 1, -3, 3));
  for (int n = 0; n < 4; ++n) EXPECT_NEAR(sum(p, {1}).data()[n], 1.0f, 1e-6);
}

TEST(LogSoftmax, Contract) {
  const std::vector<Tensor> big{random_tensor({512, 100}, 6, -2, 2).set_requires_grad()};
  EXPECT_TRUE(op_contract({.op = "log_softmax",
                           .f = [](const auto& in) { return log_softmax(in[0]); },
                           .inputs = {random_tensor({3, 5}, 2, -2, 2).set_requires_grad()},
                           .thread_inputs = big}));
  EXPECT_TRUE(op_contract({.op = "softmax",
                           .f = [](const auto& in) { return softmax(in[0]); },
                           .inputs = {random_tensor({3, 5}, 2, -2, 2).set_requires_grad()},
                           .thread_inputs = big}));
}

TEST(CrossEntropy, MatchesPyTorchDefinition) {
  // F.cross_entropy([[1,2,3],[1,0,-1]], [2,0]) = mean(0.40761, 0.40761) = 0.407606
  Tensor x = Tensor::from_vector({2, 3}, {1, 2, 3, 1, 0, -1});
  const std::vector<int32_t> labels{2, 0};
  EXPECT_NEAR(cross_entropy(x, labels).item(), 0.407606, 1e-5);
  // label_smoothing=0.1: torch gives 0.507606
  EXPECT_NEAR(cross_entropy(x, labels, 0.1f).item(), 0.507606, 1e-5);
}

TEST(CrossEntropy, ContractWithSmoothing) {
  const std::vector<int32_t> labels{0, 5, 2, 2};
  EXPECT_TRUE(op_contract({.op = "cross_entropy",
                           .f = [&](const auto& in) { return cross_entropy(in[0], labels, 0.2f); },
                           .inputs = {random_tensor({4, 6}, 3, -2, 2).set_requires_grad()},
                           .shape_errors = {{[] { cross_entropy(Tensor::zeros({2, 3}), std::vector<int32_t>{0}); },
                                             {"[2,3]"}}}}));
}

TEST(CrossEntropy, RejectsBadLabelsAndShapes) {
  Tensor x = Tensor::zeros({2, 3});
  const std::vector<int32_t> bad{0, 3};
  EXPECT_THROW(cross_entropy(x, bad), ShapeError);
  EXPECT_THROW(log_softmax(Tensor::zeros({2, 3, 4})), ShapeError);
}

}  // namespace
}  // namespace poolnet
