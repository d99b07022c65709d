#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/dropout.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::grad_check;
using testing::random_tensor;
using testing::with_threads;

TEST(Dropout, KeepsAboutOneMinusPAndScales) {
  Tensor x = Tensor::ones({100000});
  Tensor y = dropout(x, 0.3f, true, 7, 0);
  int64_t kept = 0;
  for (float v : y.span()) {
    if (v != 0.0f) {
      EXPECT_FLOAT_EQ(v, 1.0f / 0.7f);
      ++kept;
    }
  }
  EXPECT_NEAR(kept / 100000.0, 0.7, 0.01);
  double mean = 0.0;
  for (float v : y.span()) mean += v;
  EXPECT_NEAR(mean / 100000.0, 1.0, 0.02);  // inverted dropout keeps the expectation
}

TEST(Dropout, MaskMatchesTheRandomStream) {
  // Element i is kept iff RandomStream(seed, stream).uniform(i) >= p: the mask of a prefix
  // does not depend on the tensor's size or shape.
  Tensor small = dropout(Tensor::ones({50}), 0.5f, true, 3, 9);
  Tensor large = dropout(Tensor::ones({10, 20}), 0.5f, true, 3, 9);
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(small.data()[i], large.data()[i]);
}

TEST(Dropout, SeedAndStreamChangeTheMask) {
  Tensor x = Tensor::ones({1000});
  const auto a = dropout(x, 0.5f, true, 1, 0).to_vector();
  EXPECT_EQ(a, dropout(x, 0.5f, true, 1, 0).to_vector());
  EXPECT_NE(a, dropout(x, 0.5f, true, 1, 1).to_vector());
  EXPECT_NE(a, dropout(x, 0.5f, true, 2, 0).to_vector());
}

TEST(Dropout, EvalAndZeroProbabilityAreIdentity) {
  Tensor x = random_tensor({4, 5}, 1);
  EXPECT_EQ(dropout(x, 0.5f, false, 1, 0).data(), x.data());
  EXPECT_EQ(dropout(x, 0.0f, true, 1, 0).data(), x.data());
  const Tensor all_dropped = dropout(x, 1.0f, true, 1, 0);
  for (float v : all_dropped.span()) EXPECT_EQ(v, 0.0f);
}

TEST(Dropout, GradientUsesTheSameMask) {
  const auto f = [](const std::vector<Tensor>& in) { return dropout(in[0], 0.4f, true, 5, 2); };
  EXPECT_TRUE(grad_check(f, {random_tensor({3, 4, 5}, 2).set_requires_grad()}));
  Tensor x = random_tensor({200}, 3).set_requires_grad();
  Tensor y = dropout(x, 0.4f, true, 5, 2);
  y.backward(Tensor::ones({200}));
  for (int64_t i = 0; i < 200; ++i) EXPECT_FLOAT_EQ(x.grad().data()[i], y.data()[i] / x.data()[i]);
}

TEST(Dropout, BackwardAccumulatesIntoExistingGradients) {
  Tensor x = random_tensor({64}, 4).set_requires_grad();
  Tensor gy = random_tensor({64}, 5);
  dropout(x, 0.5f, true, 6, 0).backward(gy);
  const Tensor once = x.grad().clone();
  dropout(x, 0.5f, true, 6, 0).backward(gy);
  for (int64_t i = 0; i < 64; ++i) EXPECT_FLOAT_EQ(x.grad().data()[i], 2.0f * once.data()[i]);
}

TEST(Dropout, ShapeErrorsNameTheOpAndShapes) {
  for (float p : {-0.1f, 1.5f}) {
    try {
      dropout(Tensor::zeros({2, 3}), p, true, 0, 0);
      ADD_FAILURE() << "expected ShapeError";
    } catch (const ShapeError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("dropout: probability must be in [0, 1]", 0), 0u) << msg;
      EXPECT_NE(msg.find("[2,3]"), std::string::npos) << msg;
    }
  }
}

TEST(Dropout, BitwiseIdenticalAtOneAndTwoThreads) {
  const auto once = [](std::vector<Tensor>& out) {
    Tensor x = random_tensor({300000}, 6).set_requires_grad();
    Tensor y = dropout(x, 0.25f, true, 8, 3);
    y.backward(random_tensor(y.shape(), 7));
    out = {y.detach(), x.grad()};
  };
  std::vector<Tensor> one, two;
  with_threads(1, [&] { once(one); });
  with_threads(2, [&] { once(two); });
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(bitwise_equal(one[i], two[i])) << "tensor " << i;
}

}  // namespace
}  // namespace poolnet
