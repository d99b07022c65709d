#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/batch_norm.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_batch_norm.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;
using testing::with_threads;

TEST(BatchNorm2d, TrainingMatchesNaiveReference) {
  Tensor x = random_tensor({3, 4, 5, 6}, 1, -2.0f, 3.0f);
  Tensor w = random_tensor({4}, 2), b = random_tensor({4}, 3);
  Tensor rm = Tensor::zeros({4}), rv = Tensor::ones({4});
  EXPECT_TRUE(all_close(batch_norm2d(x, w, b, rm, rv, true), reference::batch_norm2d(x, w, b, rm, rv, true, 1e-5f),
                        1e-5, 1e-4));
  EXPECT_TRUE(all_close(batch_norm2d(x, Tensor(), Tensor(), Tensor(), Tensor(), true),
                        reference::batch_norm2d(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 1e-5f), 1e-5, 1e-4));
}

TEST(BatchNorm2d, EvalUsesRunningStatistics) {
  Tensor x = random_tensor({2, 3, 4, 4}, 4);
  Tensor w = random_tensor({3}, 5), b = random_tensor({3}, 6);
  Tensor rm = random_tensor({3}, 7), rv = random_tensor({3}, 8, 0.5f, 2.0f);
  const Tensor rm0 = rm.clone(), rv0 = rv.clone();
  EXPECT_TRUE(all_close(batch_norm2d(x, w, b, rm, rv, false, 0.1f, 1e-3f),
                        reference::batch_norm2d(x, w, b, rm, rv, false, 1e-3f)));
  EXPECT_TRUE(bitwise_equal(rm, rm0));
  EXPECT_TRUE(bitwise_equal(rv, rv0));
}

TEST(BatchNorm2d, TrainingUpdatesRunningStatisticsWithUnbiasedVariance) {
  // Channel 0 holds 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1 holds 0s.
  Tensor x = Tensor::from_vector({2, 2, 1, 2}, {1, 2, 0, 0, 3, 4, 0, 0});
  Tensor rm = Tensor::from_vector({2}, {1.0f, 1.0f}), rv = Tensor::from_vector({2}, {2.0f, 2.0f});
  Tensor y = batch_norm2d(x, Tensor(), Tensor(), rm, rv, true, 0.25f, 0.0f);
  EXPECT_FLOAT_EQ(rm.data()[0], 0.75f * 1.0f + 0.25f * 2.5f);
  EXPECT_FLOAT_EQ(rv.data()[0], 0.75f * 2.0f + 0.25f * (5.0f / 3.0f));
  EXPECT_FLOAT_EQ(rm.data()[1], 0.75f);
  EXPECT_FLOAT_EQ(rv.data()[1], 1.5f);
  EXPECT_NEAR(y.data()[0], (1.0 - 2.5) / std::sqrt(1.25), 1e-6);  // normalised with the biased variance
}

// Gradient (input, weight, bias), accumulation and 1 vs 2 threads, in training and eval, and
// without affine parameters.
TEST(BatchNorm2d, Contract) {
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    Tensor rm = random_tensor({3}, 9), rv = random_tensor({3}, 10, 0.5f, 1.5f);  // updated in training
    EXPECT_TRUE(op_contract(
        {.op = "batch_norm2d",
         .f = [&](const std::vector<Tensor>& in) { return batch_norm2d(in[0], in[1], in[2], rm, rv, training); },
         .inputs = {random_tensor({2, 3, 3, 4}, 11, -2.0f, 2.0f).set_requires_grad(),
                    random_tensor({3}, 12, 0.5f, 1.5f).set_requires_grad(), random_tensor({3}, 13).set_requires_grad()},
         .grad = {.eps = 1e-3, .atol = 2e-3, .rtol = 2e-2},
         .thread_inputs = {random_tensor({5, 3, 7, 7}, 19).set_requires_grad(), random_tensor({3}, 20).set_requires_grad(),
                           random_tensor({3}, 21).set_requires_grad()}}));
  }
  EXPECT_TRUE(op_contract({.op = "batch_norm2d",
                           .f = [](const std::vector<Tensor>& in) {
                             return batch_norm2d(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
                           },
                           .inputs = {random_tensor({3, 2, 2, 3}, 14, -2.0f, 2.0f).set_requires_grad()},
                           .grad = {.eps = 1e-3}}));
}

TEST(BatchNorm2d, ShapeErrorsNameTheOpAndShapes) {
  const Tensor x = Tensor::zeros({2, 3, 4, 4});
  const auto expect_error = [](const std::function<void()>& f, const std::string& part) {
    EXPECT_TRUE(testing::shape_error_names("batch_norm2d: ", {f, {part}}));
  };
  expect_error([&] { batch_norm2d(Tensor::zeros({2, 3, 4}), {}, {}, {}, {}, true); }, "expected input [N, C, H, W], got [2,3,4]");
  expect_error([&] { batch_norm2d(x, Tensor::ones({4}), {}, {}, {}, true); }, "weight must be [3] for input [2,3,4,4], got [4]");
  expect_error([&] { batch_norm2d(x, {}, {}, Tensor::zeros({2}), {}, true); }, "running_mean must be [3]");
  expect_error([&] { batch_norm2d(x, {}, {}, {}, {}, false); }, "eval mode needs running_mean and running_var");
  expect_error([&] { batch_norm2d(Tensor::zeros({1, 3, 1, 1}), {}, {}, {}, {}, true); },
               "more than 1 value per channel, got input [1,3,1,1]");
}

// The running statistics a training forward updates (output and gradients: Contract).
TEST(BatchNorm2d, RunningStatisticsBitwiseIdenticalAtOneAndTwoThreads) {
  const Tensor x = random_tensor({5, 6, 7, 7}, 19);
  std::vector<Tensor> stats[2];
  for (int threads : {1, 2}) {
    with_threads(threads, [&] {
      Tensor rm = Tensor::zeros({6}), rv = Tensor::ones({6});
      batch_norm2d(x, Tensor(), Tensor(), rm, rv, true);
      stats[threads - 1] = {rm, rv};
    });
  }
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(bitwise_equal(stats[0][i], stats[1][i])) << "tensor " << i;
}

}  // namespace
}  // namespace poolnet
