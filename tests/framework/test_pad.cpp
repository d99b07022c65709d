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

TEST(Pad, MatchesNaiveInEveryMode) {
  Tensor x = random_tensor({2, 3, 5, 4}, 1);
  EXPECT_TRUE(testing::bitwise_equal(pad(x, {1, 2, 3, 0}, PadMode::kZeros, 0.5f),
                                     reference::pad_zeros(x, 1, 2, 3, 0, 0.5f)));
  EXPECT_TRUE(testing::bitwise_equal(pad(x, {4, 2, 3, 1}, PadMode::kReflect), reference::pad_reflect(x, 4, 2, 3, 1)));
  EXPECT_TRUE(testing::bitwise_equal(pad(x, {5, 1, 4, 2}, PadMode::kCircular),
                                     reference::pad_circular(x, 5, 1, 4, 2)));
  EXPECT_TRUE(testing::bitwise_equal(pad(x, {-1, 0, 0, -2}), reference::pad_zeros(x, -1, 0, 0, -2, 0.0f)));
}

// Gradient, accumulation and 1 vs 2 threads in every mode.
TEST(Pad, ContractInEveryMode) {
  for (PadMode mode : {PadMode::kZeros, PadMode::kReflect, PadMode::kCircular}) {
    SCOPED_TRACE(to_string(mode));
    EXPECT_TRUE(op_contract({.op = "pad",
                             .f = [&](const auto& in) { return pad(in[0], {2, 1, 3, 2}, mode); },
                             .inputs = {random_tensor({1, 2, 3, 4}, 2).set_requires_grad()},
                             .thread_inputs = {random_tensor({64, 8, 12, 12}, 4).set_requires_grad()}}));
  }
}

TEST(Pad, LimitsFollowPyTorch) {
  Tensor x = Tensor::zeros({1, 1, 3, 3});
  EXPECT_THROW(pad(x, {3, 0, 0, 0}, PadMode::kReflect), ShapeError);  // reflect needs pad < size
  EXPECT_NO_THROW(pad(x, {3, 0, 0, 0}, PadMode::kCircular));           // circular allows pad == size
  EXPECT_THROW(pad(x, {4, 0, 0, 0}, PadMode::kCircular), ShapeError);
  EXPECT_TRUE(testing::shape_error_names("pad", {[] { pad(Tensor::zeros({2, 3}), {1, 1, 1, 1}); }, {"[2,3]"}}));
}

TEST(Roll, MovesContentDownAndRightWithWrap) {
  Tensor x = reshape(Tensor::arange(12), {1, 1, 3, 4});
  Tensor y = roll(x, {1, 2});  // torch.roll(x, (1, 2), dims=(2, 3))
  EXPECT_EQ(y.to_vector(), (std::vector<float>{10, 11, 8, 9, 2, 3, 0, 1, 6, 7, 4, 5}));
  EXPECT_TRUE(testing::bitwise_equal(roll(roll(x, {1, 2}), {-1, -2}), x));
  EXPECT_TRUE(testing::bitwise_equal(roll(x, {3, 4}), x));
}

TEST(Translate, FillsVacatedPixels) {
  Tensor x = reshape(Tensor::arange(6), {1, 1, 2, 3});
  EXPECT_EQ(translate(x, {0, 1}, -1.0f).to_vector(), (std::vector<float>{-1, 0, 1, -1, 3, 4}));
  EXPECT_EQ(translate(x, {-1, 0}).to_vector(), (std::vector<float>{3, 4, 5, 0, 0, 0}));
  EXPECT_EQ(translate(x, {5, 0}).to_vector(), std::vector<float>(6, 0.0f));
}

TEST(RollTranslate, Contract) {
  const std::vector<Tensor> x{random_tensor({2, 2, 3, 5}, 3).set_requires_grad()};
  const std::vector<Tensor> big{random_tensor({64, 8, 12, 12}, 4).set_requires_grad()};
  EXPECT_TRUE(op_contract({.op = "roll", .f = [](const auto& in) { return roll(in[0], {-2, 3}); }, .inputs = x,
                           .thread_inputs = big}));
  EXPECT_TRUE(op_contract({.op = "translate", .f = [](const auto& in) { return translate(in[0], {1, -2}, 0.3f); },
                           .inputs = x, .thread_inputs = big}));
}

}  // namespace
}  // namespace poolnet
