#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {

using testing::op_contract;
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

// Sums over trailing dimensions (a global average pool's) add each block in order, left to
// right: bitwise the naive running sum, forward and gradient.
TEST(Reduce, TrailingSumsAddInOrder) {
  const Tensor x = random_tensor({3, 4, 5, 6}, 4);
  for (const std::vector<int64_t>& dims : {std::vector<int64_t>{3}, {2, 3}, {1, 2, 3}, {0, 1, 2, 3}}) {
    const int64_t block = [&] {
      int64_t b = 1;
      for (int64_t d : dims) b *= x.size(d);
      return b;
    }();
    std::vector<float> want(static_cast<size_t>(x.numel() / block), 0.0f);
    for (size_t t = 0; t < want.size(); ++t) {
      for (int64_t j = 0; j < block; ++j) want[t] += x.data()[static_cast<int64_t>(t) * block + j];
    }
    EXPECT_EQ(sum(x, dims).to_vector(), want) << dims.size();
  }
  Tensor v = random_tensor({2, 3, 4, 4}, 5).set_requires_grad();
  sum(mul(mean(v, {2, 3}), Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6}))).backward();
  for (int64_t i = 0; i < v.numel(); ++i) EXPECT_EQ(v.grad().data()[i], static_cast<float>(i / 16 + 1) / 16.0f) << i;
}

TEST(Reduce, MeanDividesByReducedCount) {
  Tensor x = Tensor::from_vector({2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(mean(x, {1}).to_vector(), (std::vector<float>{1.5f, 3.5f}));
  EXPECT_FLOAT_EQ(mean(x).item(), 2.5f);
}

// Gradient, accumulation and 1 vs 2 threads for sums and means over several dimensions.
TEST(Reduce, Contract) {
  const std::vector<std::pair<const char*, testing::TensorFn>> ops{
      {"sum", [](const auto& in) { return sum(in[0], {2, 3}); }},
      {"sum", [](const auto& in) { return sum(in[0], {1}, true); }},
      {"sum", [](const auto& in) { return sum(in[0], {0, 2, 3}); }},
      {"mean", [](const auto& in) { return mean(in[0], {0, 3}); }},
      {"mean", [](const auto& in) { return mean(in[0]); }},
  };
  for (const auto& [name, f] : ops) {
    EXPECT_TRUE(op_contract({.op = name,
                             .f = f,
                             .inputs = {random_tensor({2, 3, 4, 5}, 2).set_requires_grad()},
                             .thread_inputs = {random_tensor({64, 32, 8, 8}, 3).set_requires_grad()},
                             .accumulate_atol = 1e-4}));
  }
}

TEST(Reduce, BadDimensionNamesOpAndShape) {
  EXPECT_TRUE(testing::shape_error_names("sum", {[] { sum(Tensor::zeros({2, 3}), {2}); }, {"[2,3]"}}));
}

}  // namespace
}  // namespace poolnet
