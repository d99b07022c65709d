#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/dropout.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::op_contract;
using testing::random_tensor;

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

TEST(Dropout, ContractAndTheGradientUsesTheSameMask) {
  // A fixed seed and stream make the mask a function of the input's size, the same at any
  // thread count.
  const auto shape_error = [](float p) {
    return testing::ShapeErrorCase{[p] { dropout(Tensor::zeros({2, 3}), p, true, 0, 0); },
                                   {"probability must be in [0, 1]", "[2,3]"}};
  };
  EXPECT_TRUE(op_contract({.op = "dropout",
                           .f = [](const std::vector<Tensor>& in) { return dropout(in[0], 0.4f, true, 5, 2); },
                           .inputs = {random_tensor({3, 4, 5}, 2).set_requires_grad()},
                           .thread_inputs = {random_tensor({300000}, 6).set_requires_grad()},
                           .shape_errors = {shape_error(-0.1f), shape_error(1.5f)}}));
  Tensor x = random_tensor({200}, 3).set_requires_grad();
  Tensor y = dropout(x, 0.4f, true, 5, 2);
  y.backward(Tensor::ones({200}));
  for (int64_t i = 0; i < 200; ++i) EXPECT_FLOAT_EQ(x.grad().data()[i], y.data()[i] / x.data()[i]);
}

}  // namespace
}  // namespace poolnet
