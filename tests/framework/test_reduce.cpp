#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

using testing::grad_check;
using testing::random_tensor;

// Naive sum of x [A,B,C] over one dimension d, keepdim.
Tensor naive_sum(const Tensor& x, int d) {
  Shape s = x.shape();
  s[static_cast<size_t>(d)] = 1;
  Tensor y = Tensor::zeros(s);
  for (int64_t a = 0; a < x.size(0); ++a)
    for (int64_t b = 0; b < x.size(1); ++b)
      for (int64_t c = 0; c < x.size(2); ++c)
        y.at({d == 0 ? 0 : a, d == 1 ? 0 : b, d == 2 ? 0 : c}) += x.at({a, b, c});
  return y;
}

TEST(Reduce, SumMatchesNaiveOverEachDimension) {
  Tensor x = random_tensor({3, 4, 5}, 1);
  for (int d = 0; d < 3; ++d) {
    EXPECT_TRUE(testing::all_close(sum(x, {d}, true), naive_sum(x, d))) << d;
    EXPECT_EQ(sum(x, {d}).dim(), 2);
  }
  EXPECT_EQ(sum(x, {0, 2}).shape(), (Shape{4}));
  EXPECT_EQ(sum(x, {-1}, true).shape(), (Shape{3, 4, 1}));
  EXPECT_EQ(sum(x).shape(), Shape{});
  EXPECT_NEAR(sum(x).item(), sum(sum(sum(x, {2}), {1}), {0}).item(), 1e-5);
}

TEST(Reduce, MeanDividesByReducedCount) {
  Tensor x = Tensor::from_vector({2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(mean(x, {1}).to_vector(), (std::vector<float>{1.5f, 3.5f}));
  EXPECT_FLOAT_EQ(mean(x).item(), 2.5f);
}

TEST(Reduce, GradCheck) {
  Tensor x = random_tensor({2, 3, 4, 5}, 2).set_requires_grad();
  EXPECT_TRUE(grad_check([](const auto& in) { return sum(in[0], {2, 3}); }, {x}));
  EXPECT_TRUE(grad_check([](const auto& in) { return sum(in[0], {1}, true); }, {x}));
  EXPECT_TRUE(grad_check([](const auto& in) { return mean(in[0], {0, 3}); }, {x}));
  EXPECT_TRUE(grad_check([](const auto& in) { return mean(in[0]); }, {x}));
}

TEST(Reduce, BackwardAccumulatesAndIsThreadCountIndependent) {
  Tensor x = random_tensor({64, 32, 8, 8}, 3).set_requires_grad();
  Tensor a, b;
  testing::with_threads(1, [&] { a = sum(x, {0, 2, 3}); });
  testing::with_threads(2, [&] { b = sum(x, {0, 2, 3}); });
  EXPECT_TRUE(testing::bitwise_equal(a, b));
  sum(mean(x, {2, 3})).backward();
  sum(mean(x, {2, 3})).backward();
  EXPECT_FLOAT_EQ(x.grad().data()[0], 2.0f / 64.0f);
}

TEST(Reduce, BadDimensionNamesOpAndShape) {
  try {
    sum(Tensor::zeros({2, 3}), {2});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("sum"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[2,3]"), std::string::npos);
  }
}

}  // namespace
}  // namespace poolnet
