#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {

using testing::op_contract;
using testing::random_tensor;

TEST(Reshape, SharesDataAndInfersOneDimension) {
  Tensor x = Tensor::arange(12);
  Tensor y = reshape(x, {3, -1});
  EXPECT_EQ(y.shape(), (Shape{3, 4}));
  EXPECT_EQ(y.data(), x.data());
  EXPECT_EQ(flatten(Tensor::zeros({2, 3, 4, 5})).shape(), (Shape{2, 60}));
  EXPECT_EQ(flatten(Tensor::zeros({2, 3, 4, 5}), 2).shape(), (Shape{2, 3, 20}));
}

TEST(Reshape, Contract) {
  Tensor x = random_tensor({2, 3, 4}, 1).set_requires_grad();
  EXPECT_TRUE(op_contract({.op = "reshape",
                           .f = [](const auto& in) { return mul(reshape(in[0], {4, 6}), 2.0f); },
                           .inputs = {x},
                           .shape_errors = {{[] { reshape(Tensor::zeros({2, 3}), {4, -1}); }, {"[2,3]"}}}}));
  EXPECT_TRUE(op_contract({.op = "flatten", .f = [](const auto& in) { return flatten(in[0]); }, .inputs = {x}}));
}

TEST(Reshape, InferringTwoDimensionsIsAnError) {
  EXPECT_THROW(reshape(Tensor::zeros({6}), {-1, -1}), ShapeError);
}

TEST(Concat, MatchesNaiveAlongChannels) {
  Tensor a = random_tensor({2, 3, 4, 4}, 2), b = random_tensor({2, 5, 4, 4}, 3);
  Tensor y = concat({a, b}, 1);
  ASSERT_EQ(y.shape(), (Shape{2, 8, 4, 4}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 8; ++c)
      for (int64_t h = 0; h < 4; ++h)
        for (int64_t w = 0; w < 4; ++w)
          ASSERT_EQ(y.at({n, c, h, w}), c < 3 ? a.at({n, c, h, w}) : b.at({n, c - 3, h, w}));
}

TEST(Concat, ContractAndATensorUsedTwice) {
  Tensor a = random_tensor({2, 3, 2}, 4).set_requires_grad();
  Tensor b = random_tensor({2, 1, 2}, 5).set_requires_grad();
  EXPECT_TRUE(op_contract({.op = "concat",
                           .f = [](const auto& in) { return concat({in[0], in[1]}, 1); },
                           .inputs = {a, b},
                           .thread_inputs = {random_tensor({64, 16, 8, 8}, 6).set_requires_grad(),
                                             random_tensor({64, 8, 8, 8}, 7).set_requires_grad()},
                           .shape_errors = {{[] { concat({Tensor::zeros({2, 3, 4, 4}), Tensor::zeros({2, 3, 5, 4})}, 1); },
                                             {"[2,3,5,4]"}}}}));
  EXPECT_TRUE(op_contract({.op = "concat", .f = [](const auto& in) { return concat({in[0], in[0]}, -1); }, .inputs = {a}}));
  a.zero_grad();
  sum(concat({a, a}, 0)).backward();
  EXPECT_EQ(a.grad().to_vector(), std::vector<float>(12, 2.0f));
}

}  // namespace
}  // namespace poolnet
