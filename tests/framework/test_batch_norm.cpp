#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/batch_norm.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_batch_norm.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::grad_check;
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

TEST(BatchNorm2d, GradientsMatchFiniteDifferences) {
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    Tensor rm = random_tensor({3}, 9), rv = random_tensor({3}, 10, 0.5f, 1.5f);
    const auto f = [&](const std::vector<Tensor>& in) { return batch_norm2d(in[0], in[1], in[2], rm, rv, training); };
    EXPECT_TRUE(grad_check(f, {random_tensor({2, 3, 3, 4}, 11, -2.0f, 2.0f).set_requires_grad(),
                               random_tensor({3}, 12, 0.5f, 1.5f).set_requires_grad(),
                               random_tensor({3}, 13).set_requires_grad()},
                           {.eps = 1e-3, .atol = 2e-3, .rtol = 2e-2}));
  }
  const auto no_affine = [](const std::vector<Tensor>& in) {
    return batch_norm2d(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
  };
  EXPECT_TRUE(grad_check(no_affine, {random_tensor({3, 2, 2, 3}, 14, -2.0f, 2.0f).set_requires_grad()},
                         {.eps = 1e-3}));
}

TEST(BatchNorm2d, BackwardAccumulatesIntoExistingGradients) {
  Tensor x = random_tensor({2, 3, 4, 4}, 15).set_requires_grad();
  Tensor w = random_tensor({3}, 16).set_requires_grad(), b = random_tensor({3}, 17).set_requires_grad();
  Tensor gy = random_tensor({2, 3, 4, 4}, 18);
  batch_norm2d(x, w, b, Tensor(), Tensor(), true).backward(gy);
  std::vector<Tensor> once{x.grad().clone(), w.grad().clone(), b.grad().clone()};
  batch_norm2d(x, w, b, Tensor(), Tensor(), true).backward(gy);
  std::vector<Tensor> twice{x.grad(), w.grad(), b.grad()};
  for (size_t i = 0; i < once.size(); ++i) {
    for (float& v : once[i].span()) v *= 2.0f;
    EXPECT_TRUE(all_close(twice[i], once[i]));
  }
}

TEST(BatchNorm2d, ShapeErrorsNameTheOpAndShapes) {
  const Tensor x = Tensor::zeros({2, 3, 4, 4});
  const auto expect_error = [](const std::function<void()>& f, const std::string& part) {
    try {
      f();
      ADD_FAILURE() << "expected ShapeError containing '" << part << "'";
    } catch (const ShapeError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("batch_norm2d: ", 0), 0u) << msg;
      EXPECT_NE(msg.find(part), std::string::npos) << msg;
    }
  };
  expect_error([&] { batch_norm2d(Tensor::zeros({2, 3, 4}), {}, {}, {}, {}, true); }, "expected input [N, C, H, W], got [2,3,4]");
  expect_error([&] { batch_norm2d(x, Tensor::ones({4}), {}, {}, {}, true); }, "weight must be [3] for input [2,3,4,4], got [4]");
  expect_error([&] { batch_norm2d(x, {}, {}, Tensor::zeros({2}), {}, true); }, "running_mean must be [3]");
  expect_error([&] { batch_norm2d(x, {}, {}, {}, {}, false); }, "eval mode needs running_mean and running_var");
  expect_error([&] { batch_norm2d(Tensor::zeros({1, 3, 1, 1}), {}, {}, {}, {}, true); },
               "more than 1 value per channel, got input [1,3,1,1]");
}

TEST(BatchNorm2d, BitwiseIdenticalAtOneAndTwoThreads) {
  const auto once = [](std::vector<Tensor>& out) {
    Tensor x = random_tensor({5, 6, 7, 7}, 19).set_requires_grad();
    Tensor w = random_tensor({6}, 20).set_requires_grad(), b = random_tensor({6}, 21).set_requires_grad();
    Tensor rm = Tensor::zeros({6}), rv = Tensor::ones({6});
    Tensor y = batch_norm2d(x, w, b, rm, rv, true);
    y.backward(random_tensor(y.shape(), 22));
    out = {y.detach(), x.grad(), w.grad(), b.grad(), rm, rv};
  };
  std::vector<Tensor> one, two;
  with_threads(1, [&] { once(one); });
  with_threads(2, [&] { once(two); });
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(bitwise_equal(one[i], two[i])) << "tensor " << i;
}

}  // namespace
}  // namespace poolnet
